"""What keeps the work-list page cheap: each row rendered once, the navigation counts computed
once per request, filter selects written without one template per option (same HTML)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.test.html import parse_html
from django.urls import reverse

from vanphong.documents import selectors
from vanphong.documents.forms import ListFilterForm, QuickSelect

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
