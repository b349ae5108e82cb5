"""What keeps the work-list page cheap: each row rendered once (in Python, the same HTML as the
template loop), the navigation counts computed once per request, filter selects written without
one template per option (same HTML), their options cached per process and reloaded on change."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest
from django import forms
from django.db import connection, transaction
from django.forms.widgets import Input
from django.template import Context, Template
from django.test import Client
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vanphong.core.models import Organisation, Secrecy, Unit
from vanphong.documents import catalog, selectors
from vanphong.documents.forms import ListFilterForm, QuickSelect
from vanphong.documents.models import (
    Delegation,
    DocumentType,
    IncomingDocument,
    Status,
    Urgency,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from vanphong.documents.worklist_rows import worklist_rows_html

WORKLIST = reverse("documents:worklist")


def test_each_row_is_rendered_once(demo):
    doc = demo.register_incoming(summary="V/v kiểm tra công tác lưu trữ năm nay")
    page = demo.client("vanthu").get(WORKLIST).content.decode()
    assert page.count("V/v kiểm tra công tác lưu trữ năm nay") == 1
    assert page.count(reverse("documents:detail", args=[doc.pk])) == 2  # number and summary


def test_navigation_counts_are_computed_once_per_page(demo, monkeypatch):
    demo.register_incoming()
    calls: list[int] = []
    real = selectors.nav_counts

    def counting(user: Any) -> dict[str, int]:
        calls.append(user.pk)
        return real(user)

    monkeypatch.setattr(selectors, "nav_counts", counting)
    page = demo.client("vanthu").get(WORKLIST).content.decode()
    assert len(calls) == 1
    # both the tab header and the side navigation show the count
    assert 'Chờ xử lý <span class="badge rounded-pill text-bg-secondary">1</span>' in page
    assert 'title="Chờ xử lý">1</span>' in page


def test_quick_select_writes_the_same_html_as_django(demo):
    user = demo.user("vanthu")
    data = {"loai": str(demo.doc_type().pk), "do_khan": "1", "trang_thai": "xyz", "sap_xep": ""}
    form = ListFilterForm(data, user=user)
    form.is_valid()
    form.mark_invalid()
    for name in ("loai", "do_khan", "don_vi", "trang_thai", "sap_xep"):
        widget = form.fields[name].widget
        assert isinstance(widget, QuickSelect)
        ours = str(form[name])
        plain = forms.Select(attrs=widget.attrs, choices=widget.choices)
        theirs = form[name].as_widget(widget=plain)
        assert parse_html(ours) == parse_html(theirs), name
    assert "selected" in str(form["loai"]) and "is-invalid" in str(form["trang_thai"])


def test_counts_stop_at_the_cap_and_show_a_plus(demo, monkeypatch):
    for _ in range(3):
        demo.register_incoming()
    monkeypatch.setattr(selectors, "NAV_COUNT_CAP", 1)
    counts = selectors.nav_counts(demo.user("vanthu"))
    assert counts["incoming_pending"] == 2 and str(counts["incoming_pending"]) == "1+"
    page = demo.client("vanthu").get(WORKLIST).content.decode()
    assert 'Chờ xử lý <span class="badge rounded-pill text-bg-secondary">1+</span>' in page
    monkeypatch.setattr(selectors, "NAV_COUNT_CAP", 99)
    assert selectors.nav_counts(demo.user("vanthu"))["incoming_pending"] == 3


# --- rows written in Python (documents/worklist_rows.py) -------------------------------------

# The template loop the Python rows replaced, kept here as the reference for their HTML.
TEMPLATE_ROWS = """{% load incoming_ui %}{% for item in rows %}{% with doc=item.document %}\
{% urgency_class doc.urgency as ucls %}{% firstof item.due_date doc.due_date as due %}\
{% with overdue=item|item_overdue:today %}
      <tr class="{% if overdue %}vp-row-overdue{% elif ucls %}vp-row-urgent{% endif %}">
        <td class="fw-semibold vp-c-num"><a href="{% url 'documents:detail' doc.pk %}">\
{{ doc.arrival_number }}</a></td>
        <td class="text-nowrap vp-c-date">{{ doc.arrival_date|date:"d/m/Y" }}</td>
        <td class="text-nowrap vp-c-code">{{ doc.code_notation }}</td>
        <td class="vp-c-sender">{{ doc.sender.short_name|default:doc.sender.full_name }}</td>
        <td class="vp-summary">
          {% if ucls %}<span class="badge {{ ucls }} me-1">{{ doc.get_urgency_display }}</span>\
{% endif %}
          {% if doc.is_secret %}<span class="badge text-bg-danger me-1">\
<i class="fa-solid fa-lock" aria-hidden="true"></i> {{ doc.get_secrecy_display }}</span>{% endif %}
          <a class="link-body-emphasis text-decoration-none" \
href="{% url 'documents:detail' doc.pk %}">{{ doc.display_summary|truncatechars:140 }}</a>
        </td>
        <td class="text-nowrap vp-c-due{% if overdue %} vp-overdue{% endif %}\
{% if not due %} vp-c-empty{% endif %}">
          <span class="vp-c-due-label">Hạn </span>{{ due|default:"—" }}\
{% if overdue %}<div class="small">Quá hạn</div>{% endif %}
        </td>
        <td class="vp-status">{% status_class doc.status as scls %}<span class="badge {{ scls }}">\
{{ doc.get_status_display }}</span></td>
        <td class="small vp-c-kind">{{ item.get_kind_display }}{% if item.status == "done" %} \
<span class="text-success">(đã xong)</span>{% endif %}</td>
      </tr>
    {% endwith %}{% endwith %}{% endfor %}"""


def _sample_rows() -> list[WorkItem]:
    """Unsaved rows covering every branch: urgency, secrecy, overdue, due dates, finished items,
    long summaries, withheld content and text that must be escaped."""
    today = dt.date(2026, 11, 22)
    senders = [
        Organisation(full_name="Văn phòng Trung ương Đảng", short_name="VPTW"),
        Organisation(full_name='Ban <Tổ chức> & "Kiểm tra"', short_name=""),
    ]
    summaries = [
        "V/v báo cáo <b>kết quả</b> & “sơ kết” 'năm'",
        "Rất dài " * 30,
        "",
        unicodedata.normalize("NFD", "Kế hoạch tổ chức Đại hội"),  # decomposed, as macOS types
        unicodedata.normalize("NFD", "Tờ trình dài " * 12),
    ]
    dues = [None, today - dt.timedelta(days=3), today, today + dt.timedelta(days=5)]
    rows: list[WorkItem] = []
    n = 0
    for urgency in Urgency.values:
        for secrecy in (Secrecy.NONE, Secrecy.MAT):
            for status, item_status, kind in (
                (Status.ASSIGNED, WorkStatus.OPEN, WorkKind.HANDLE),
                (Status.IN_PROGRESS, WorkStatus.ACTIVE, WorkKind.CO),
                (Status.DONE, WorkStatus.DONE, WorkKind.HANDLE),
                (Status.CLOSED, WorkStatus.OPEN, WorkKind.INFO),
            ):
                n += 1
                doc = IncomingDocument(
                    pk=1000 + n,
                    arrival_number=n * 7,
                    arrival_date=today - dt.timedelta(days=n),
                    code_notation=f"{n}-CV/<VP>&",
                    sender=senders[n % 2],
                    summary=summaries[n % 5],
                    urgency=urgency,
                    secrecy=secrecy,
                    content_withheld=bool(secrecy) and n % 2 == 0,
                    status=status,
                    due_date=dues[n % 4],
                )
                item_due = dues[(n // 4) % 4] if n % 3 == 0 else None
                rows.append(
                    WorkItem(document=doc, kind=kind, status=item_status, due_date=item_due)
                )
    return rows


def test_rows_written_in_python_are_the_template_loop_byte_for_byte(db):
    rows = _sample_rows()
    today = dt.date(2026, 11, 22)
    theirs = Template(TEMPLATE_ROWS).render(Context({"rows": rows, "today": today}))
    ours = worklist_rows_html(rows, today)
    assert "vp-row-overdue" in ours and "vp-row-urgent" in ours and "fa-lock" in ours
    assert "Văn bản mật" in ours and "&lt;b&gt;" in ours and "(đã xong)" in ours
    assert "vp-c-empty" in ours and "…" in ours
    assert ours == theirs


# --- the filter catalogue (documents/catalog.py) ---------------------------------------------


def _catalogue_reads(client: Client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(WORKLIST, {"tab": "cho_xu_ly"}).content.decode()
    lists = (
        'FROM "documents_documenttype"',
        'FROM "core_unit" WHERE "core_unit"."organisation_id"',
    )
    return page, [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in lists)]


def _option(value: int, label: str) -> str:
    return f'<option value="{value}">{label}</option>'


@pytest.mark.django_db(transaction=True)
def test_filter_options_are_cached_and_follow_every_change_at_once(demo):
    """Outside a test transaction, as in production: read once, then from the cache; a renamed,
    added, deactivated or deleted unit or document type shows on the very next page."""
    client = demo.client("truongphong")
    unit = demo.unit("Phòng Tổng hợp")
    page, reads = _catalogue_reads(client)
    assert _option(unit.pk, "Phòng Tổng hợp") in page
    page, reads = _catalogue_reads(client)
    assert reads == [] and _option(unit.pk, "Phòng Tổng hợp") in page  # from the cache

    unit.name = "Phòng Tổng hợp - Thư ký"
    unit.save()
    page, reads = _catalogue_reads(client)
    assert _option(unit.pk, "Phòng Tổng hợp - Thư ký") in page
    assert f'value="{unit.pk}">Phòng Tổng hợp<' not in page

    new_type = DocumentType.objects.create(name="Thông tri mới", order=999)
    page, _ = _catalogue_reads(client)
    assert _option(new_type.pk, "Thông tri mới") in page
    assert client.get(WORKLIST, {"loai": new_type.pk}).status_code == 200

    unit.is_active = False
    unit.save()
    assert "Phòng Tổng hợp - Thư ký</option>" not in _catalogue_reads(client)[0]
    new_type.delete()
    assert "Thông tri mới" not in _catalogue_reads(client)[0]


@pytest.mark.django_db(transaction=True)
def test_another_process_change_is_seen_through_the_stamp(demo):
    """A change saved by another web worker: that process writes a new token into the stamp file;
    this one reloads at its next read."""
    client = demo.client("truongphong")
    unit = demo.unit("Phòng Tổng hợp")
    assert _option(unit.pk, "Phòng Tổng hợp") in _catalogue_reads(client)[0]
    Unit.objects.filter(pk=unit.pk).update(name="Phòng Tổng hợp (đổi)")  # no signal here
    page, reads = _catalogue_reads(client)
    assert reads == [] and _option(unit.pk, "Phòng Tổng hợp") in page  # still cached here
    catalog._stamp_path().write_text("another process")
    page, reads = _catalogue_reads(client)
    assert reads and _option(unit.pk, "Phòng Tổng hợp (đổi)") in page


def test_an_uncommitted_change_is_never_cached(demo):
    """Inside a transaction that changed the catalogue, reads skip the cache: a rollback leaves
    nothing behind that never existed."""
    catalog.invalidate()
    with transaction.atomic():
        DocumentType.objects.create(name="Loại tạm", order=998)
        assert "Loại tạm" in dict(catalog.doc_type_choices()).values()
        transaction.set_rollback(True)
    assert "Loại tạm" not in dict(catalog.doc_type_choices()).values()


def test_filters_by_type_and_unit_still_validate_and_filter(demo):
    user = demo.user("truongphong")
    unit = demo.unit("Phòng Tổng hợp")
    form = ListFilterForm({"loai": str(demo.doc_type().pk), "don_vi": str(unit.pk)}, user=user)
    filters = form.to_filters()
    assert filters.doc_type_id == demo.doc_type().pk and filters.unit_id == unit.pk
    other = demo.unit("Phòng Kiểm tra 1", "ubkttu")  # another organisation's unit
    bad = ListFilterForm({"loai": "999999", "don_vi": str(other.pk)}, user=user)
    filters = bad.to_filters()
    assert filters.doc_type_id is None and filters.unit_id is None
    assert set(bad.errors) == {"loai", "don_vi"}


def test_rows_load_only_what_they_show_and_no_query_per_row(demo):
    """The page loads its rows with `only()`: a field read that was not loaded would cost one
    query per row, so the statements must not grow with the rows."""
    client = demo.client("vanthu")
    demo.register_incoming(summary="Văn bản thứ nhất")

    def statements() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(WORKLIST).content.decode()
        return len(queries.captured_queries), page

    one, _ = statements()
    for i in range(3):
        demo.register_incoming(summary=f"Văn bản khẩn {i}", urgency=Urgency.HOA_TOC)
    four, page = statements()
    assert four == one
    assert page.count("Văn bản khẩn") == 3 and "Hỏa tốc" in page and "VPTW" in page


def test_quick_inputs_write_the_same_html_as_django(demo):
    user = demo.user("vanthu")
    for data in ({}, {"tu_khoa": '"<Kế hoạch>" & 12', "tu_ngay": "01/02/2026", "den_ngay": "x"}):
        form = ListFilterForm(data or None, user=user)
        form.is_valid()
        form.mark_invalid()
        for name in ("tu_khoa", "tu_ngay", "den_ngay"):
            widget = form.fields[name].widget
            plain: Input
            if isinstance(widget, forms.DateInput):
                plain = forms.DateInput(attrs=widget.attrs, format=widget.format)
            else:
                plain = forms.TextInput(attrs=widget.attrs)
            assert isinstance(widget, Input)
            plain.input_type = widget.input_type
            ours, theirs = str(form[name]), form[name].as_widget(widget=plain)
            assert parse_html(ours) == parse_html(theirs), name
    assert "is-invalid" in str(form["den_ngay"]) and "&lt;Kế hoạch&gt;" in str(form["tu_khoa"])


# --- navigation counts written as one statement (selectors.nav_counts) -----------------------


def _counts_by_the_orm(user: Any) -> dict[str, int]:
    """The definition of each count, through the ORM (what the hand-written statement mirrors)."""
    today = dt.date.today()
    soon = today + dt.timedelta(days=3)
    live = WorkItem.objects.filter(
        user=user, secrecy__lte=user.clearance, status__in=["open", "active"]
    )
    action = live.exclude(kind=WorkKind.INFO)
    return {
        "incoming_pending": action.filter(status="open").count(),
        "incoming_in_progress": live.filter(status="active").count(),
        "incoming_due_soon": action.filter(due_date__gte=today, due_date__lte=soon).count(),
        "incoming_overdue": action.filter(due_date__lt=today).count(),
        "incoming_info": live.filter(kind=WorkKind.INFO, status="open").count(),
    }


def test_navigation_counts_match_their_definition_for_every_kind_of_item(demo, settings):
    settings.DUE_SOON_DAYS = 3
    today = dt.date.today()
    dues = [None, today - dt.timedelta(days=2), today, today + dt.timedelta(days=3)]
    # one document per (status, due date): a person holds one item of a kind per document
    docs = {
        (status, due): demo.register_incoming(secrecy=Secrecy.MAT if i % 5 == 4 else Secrecy.NONE)
        for i, (status, due) in enumerate(
            (status, due) for status in WorkStatus.values for due in dues
        )
    }
    people = [demo.user(name) for name in ("chuyenvien", "truongphong", "lanhdao")]
    for user in people:
        for kind in (WorkKind.HANDLE, WorkKind.CO, WorkKind.INFO, WorkKind.ROUTE):
            for (status, due), doc in docs.items():
                WorkItem.objects.create(
                    document=doc,
                    user=user,
                    kind=kind,
                    status=status,
                    due_date=due,
                    secrecy=doc.secrecy,
                )
    for user in [*people, demo.user("vanthu")]:
        counts = selectors.nav_counts(user)
        assert counts == _counts_by_the_orm(user), user.username
        assert all(isinstance(value, selectors.CappedCount) for value in counts.values())
    assert any(selectors.nav_counts(user)["incoming_overdue"] for user in people)


def test_routing_delegated_to_a_deputy_adds_to_the_pending_count(demo):
    leader, deputy = demo.user("lanhdao"), demo.user("truongphong")
    doc = demo.register_incoming()
    before = selectors.nav_counts(deputy)["incoming_pending"]
    WorkItem.objects.create(document=doc, user=leader, kind=WorkKind.ROUTE)
    WorkItem.objects.create(document=doc, user=leader, kind=WorkKind.HANDLE)  # not routing
    today = dt.date.today()
    Delegation.objects.create(from_user=leader, to_user=deputy, start_date=today, end_date=today)
    assert selectors.nav_counts(demo.user("truongphong"))["incoming_pending"] == before + 1


# --- the empty filter panel, rendered once per process ---------------------------------------


def test_the_empty_filter_panel_is_reused_and_a_filled_one_is_not(demo):
    catalog.invalidate()
    client = demo.client("truongphong")
    doc_type = demo.doc_type()
    chosen = f'<option value="{doc_type.pk}" selected>'
    first = client.get(WORKLIST, {"tab": "de_biet"}).content.decode()
    filled = client.get(WORKLIST, {"tab": "de_biet", "loai": doc_type.pk}).content.decode()
    again = client.get(WORKLIST, {"tab": "de_biet"}).content.decode()
    assert chosen in filled and chosen not in first and chosen not in again
    assert 'name="tab" value="de_biet"' in first
    other_tab = client.get(WORKLIST, {"tab": "qua_han"}).content.decode()
    assert 'name="tab" value="qua_han"' in other_tab  # one panel per tab
    register = client.get(reverse("documents:register_list")).content.decode()
    assert 'hx-target="#register-results"' in register
    assert 'hx-target="#worklist-results"' not in register

    def panel(page: str) -> str:
        start = page.index('<form method="get"')
        return page[start : page.index("</form>", start)]

    theirs = Template('{% include "documents/_filters.html" %}').render(
        Context(
            {
                "form": ListFilterForm({"tab": "de_biet"}, user=demo.user("truongphong")),
                "filter_url": WORKLIST,
                "results_id": "worklist-results",
                "tab": "de_biet",
            }
        )
    )
    assert panel(again) == panel(theirs)


def test_the_signed_in_person_is_read_with_their_unit_and_organisation(demo):
    client = demo.client("chuyenvien")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(WORKLIST).content.decode()
    sql = [q["sql"] for q in queries.captured_queries]
    user_reads = [s for s in sql if 'FROM "core_user"' in s and "core_unit" in s]
    assert len(user_reads) == 1 and "core_organisation" in user_reads[0]
    assert not [s for s in sql if s.startswith('SELECT "core_unit"."id"') and '"id" = ' in s]
    assert demo.user("chuyenvien").unit.name in page


@pytest.mark.django_db(transaction=True)
def test_the_work_list_page_reads_without_parallel_workers_and_only_there():
    """PostgreSQL: the setting holds inside the block and ends with its transaction; SQLite:
    the block sends nothing."""
    from vanphong.core.db import without_parallel_workers

    def workers() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return str(cursor.fetchone()[0])

    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as queries, without_parallel_workers():
            pass
        assert queries.captured_queries == []
        return
    before = workers()
    assert before != "0"
    with without_parallel_workers():
        assert workers() == "0"
    assert workers() == before
