"""The rows of the work-list table, written in Python.

The work list is the page people open most, re-rendered on every tab click and filter change.
Through the template language its 25 rows cost about ten times what this costs (a context lookup
per variable, two `{% url %}` per row); the HTML is the same as the template loop it replaces
(`tests/test_worklist_page.py` renders that loop and compares). Every value is escaped here.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db.models import Field, Model
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from vanphong.documents.models import IncomingDocument, WorkItem, WorkStatus
from vanphong.documents.templatetags.incoming_ui import status_class, urgency_class

_SENTINEL = 987654321
# Everything the rows read (selectors.worklist_page(..., fields=ROW_FIELDS) loads only these).
ROW_FIELDS = (
    "due_date",
    "status",
    "kind",
    "document__arrival_number",
    "document__arrival_date",
    "document__code_notation",
    "document__sender__short_name",
    "document__sender__full_name",
    "document__summary",
    "document__content_withheld",
    "document__urgency",
    "document__secrecy",
    "document__status",
    "document__due_date",
)


def _e(value: Any) -> str:
    """A value as `{{ value }}` writes it: localized, then escaped."""
    if isinstance(value, str):
        return html.escape(value)  # what django.utils.html.escape does, without its wrappers
    return str(conditional_escape(localize(value)))


def _labels(model: type[Model], name: str) -> dict[Any, str]:
    """`get_<name>_display()` as a dict (that method flattens the choices on every call)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return {value: str(label) for value, label in field.flatchoices}


_URGENCY = _labels(IncomingDocument, "urgency")
_SECRECY = _labels(IncomingDocument, "secrecy")
_STATUS = _labels(IncomingDocument, "status")
_KIND = _labels(WorkItem, "kind")


def _summary(text: str) -> str:
    """`{{ text|truncatechars:140 }}`; the filter walks every character, so skip it for short
    texts (fewer than 141 code points cannot be cut), keeping its NFC normalisation."""
    if len(text) <= 140:
        return unicodedata.normalize("NFC", text)
    return str(truncatechars(text, 140))


def _dmy(day: date) -> str:
    """`{{ day|date:"d/m/Y" }}`."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _date_writer() -> Callable[[date], str]:
    """`{{ day }}`: the active language's DATE_FORMAT (d/m/Y in Vietnamese)."""
    if get_format("DATE_FORMAT") == "d/m/Y":
        return _dmy
    return lambda day: str(localize(day))


def detail_url_parts() -> tuple[str, str]:
    """The detail URL around a document id: reversed once per page, not twice per row."""
    url = reverse("documents:detail", args=[_SENTINEL])
    before, _, after = url.partition(str(_SENTINEL))
    return before, after


def worklist_rows_html(items: Iterable[WorkItem], today: date) -> SafeString:
    before, after = detail_url_parts()
    local_date = _date_writer()
    parts: list[str] = []
    for item in items:
        doc = item.document
        url = f"{before}{doc.pk}{after}"
        ucls = urgency_class(doc.urgency)
        due_day = item.due_date or doc.due_date
        due = local_date(due_day) if due_day else ""
        overdue = bool(due_day and due_day < today and item.status != WorkStatus.DONE)
        row_class = "vp-row-overdue" if overdue else ("vp-row-urgent" if ucls else "")
        sender = doc.sender.short_name or doc.sender.full_name
        urgency = (
            f'<span class="badge {ucls} me-1">{_e(_URGENCY.get(doc.urgency, doc.urgency))}</span>'
            if ucls
            else ""
        )
        secret = (
            '<span class="badge text-bg-danger me-1"><i class="fa-solid fa-lock" '
            f'aria-hidden="true"></i> {_e(_SECRECY.get(doc.secrecy, doc.secrecy))}</span>'
            if doc.is_secret
            else ""
        )
        arrival = (
            f"{doc.arrival_date:%d/%m/}{doc.arrival_date.year:04d}" if doc.arrival_date else ""
        )
        due_class = (" vp-overdue" if overdue else "") + ("" if due else " vp-c-empty")
        late = '<div class="small">Quá hạn</div>' if overdue else ""
        finished = item.status == WorkStatus.DONE
        done = ' <span class="text-success">(đã xong)</span>' if finished else ""
        parts.append(
            f'\n      <tr class="{row_class}">\n'
            f'        <td class="fw-semibold vp-c-num"><a href="{url}">'
            f"{_e(doc.arrival_number)}</a></td>\n"
            f'        <td class="text-nowrap vp-c-date">{arrival}</td>\n'
            f'        <td class="text-nowrap vp-c-code">{_e(doc.code_notation)}</td>\n'
            f'        <td class="vp-c-sender">{_e(sender)}</td>\n'
            f'        <td class="vp-summary">\n'
            f"          {urgency}\n"
            f"          {secret}\n"
            f'          <a class="link-body-emphasis text-decoration-none" href="{url}">'
            f"{_e(_summary(doc.display_summary))}</a>\n"
            f"        </td>\n"
            f'        <td class="text-nowrap vp-c-due{due_class}">\n'
            f'          <span class="vp-c-due-label">Hạn </span>{_e(due) or "—"}{late}\n'
            f"        </td>\n"
            f'        <td class="vp-status"><span class="badge {status_class(doc.status)}">'
            f"{_e(_STATUS.get(doc.status, doc.status))}</span></td>\n"
            f'        <td class="small vp-c-kind">'
            f"{_e(_KIND.get(item.kind, item.kind))}{done}</td>\n"
            f"      </tr>\n    "
        )
    return mark_safe("".join(parts))  # every value above went through _e or is a constant
