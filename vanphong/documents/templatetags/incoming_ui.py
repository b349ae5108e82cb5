"""Small display helpers for the incoming-document pages: badges, overdue marks, event details."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from vanphong.documents import catalog
from vanphong.documents.models import (
    DocumentEvent,
    EventAction,
    IncomingDocument,
    Status,
    Urgency,
    WorkStatus,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def filters_panel(context: template.Context, results_id: str) -> SafeString:
    """The filter panel of a list (`_filters.html`). With nothing typed or chosen it is the same
    HTML for everyone in an organisation, so it is rendered once per process and kept with the
    catalogue it lists (document types, units), which forgets it when either changes."""
    form = context["form"]
    values = {
        "form": form,
        "filter_url": context.get("filter_url", ""),
        "results_id": results_id,
        "tab": context.get("tab", ""),
    }

    def render() -> str:
        return render_to_string("documents/_filters.html", values)

    if form.has_input():
        return mark_safe(render())  # a template's output, escaped there
    prefix = get_script_prefix()  # the panel's links depend on it
    key = ("filters", form.organisation_id, prefix, values["filter_url"], results_id, values["tab"])
    return mark_safe(catalog.fragment(key, render))


_URGENCY_CLASS: dict[int, str] = {
    Urgency.KHAN: "text-bg-warning",
    Urgency.THUONG_KHAN: "vp-badge-orange",
    Urgency.HOA_TOC: "text-bg-danger",
    Urgency.HOA_TOC_HEN_GIO: "text-bg-danger",
}
_STATUS_CLASS: dict[str, str] = {
    Status.REGISTERED: "text-bg-light border",
    Status.PRESENTED: "text-bg-info",
    Status.ASSIGNED: "text-bg-primary",
    Status.IN_PROGRESS: "text-bg-primary",
    Status.DONE: "text-bg-success",
    Status.CLOSED: "text-bg-secondary",
    Status.CANCELLED: "text-bg-dark",
}
_EDITED = {
    "summary": "trích yếu",
    "notes": "ghi chú",
    "urgency": "độ khẩn",
    "signer_name": "người ký",
    "page_count": "số trang",
    "due_date": "hạn xử lý",
}
_FINISHED: set[str] = {Status.DONE, Status.CLOSED, Status.CANCELLED}


@register.simple_tag
def urgency_class(urgency: int) -> str:
    """Bootstrap classes of the urgency badge; "" for a normal document (no badge)."""
    return _URGENCY_CLASS.get(urgency, "")


@register.simple_tag
def status_class(status: str) -> str:
    return _STATUS_CLASS.get(status, "text-bg-light border")


@register.filter
def doc_overdue(doc: IncomingDocument, today: date) -> bool:
    """Past its deadline and still waiting for a result."""
    return bool(doc.due_date and doc.due_date < today and doc.status not in _FINISHED)


@register.filter
def item_overdue(item: Any, today: date) -> bool:
    """A work item past its deadline (its own, else the document's) and not finished."""
    due = item.due_date or item.document.due_date
    return bool(due and due < today and item.status != WorkStatus.DONE)


def _date(value: Any) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


@register.simple_tag
def event_details(event: DocumentEvent) -> list[str]:
    """The facts recorded with a history row, as short Vietnamese phrases."""
    data: dict[str, Any] = event.data or {}
    out: list[str] = []
    action = event.action
    if action == EventAction.REGISTER:
        if data.get("number"):
            out.append(f"Số đến {data['number']} ({data.get('register', '')})")
        if data.get("files"):
            out.append(f"{data['files']} tệp đính kèm")
    elif action == EventAction.PRESENT and data.get("to_name"):
        out.append(f"Trình: {data['to_name']}")
    elif action in (EventAction.ROUTE, EventAction.REASSIGN):
        lead = data.get("lead_unit") or data.get("lead_user")
        if lead:
            out.append(f"Chủ trì: {lead}")
        if data.get("co"):
            out.append("Phối hợp: " + ", ".join(data["co"]))
        if data.get("info"):
            out.append("Để biết: " + ", ".join(data["info"]))
        if data.get("due_date"):
            out.append(f"Hạn xử lý: {_date(data['due_date'])}")
    elif action == EventAction.ASSIGN_HANDLER:
        if data.get("handler"):
            out.append(f"Chuyên viên xử lý: {data['handler']}")
        if data.get("co"):
            out.append("Cùng xử lý: " + ", ".join(data["co"]))
    elif action == EventAction.FORWARD:
        out.append(f"Từ {data.get('from_unit') or '—'} sang {data.get('to_unit') or '—'}")
    elif action == EventAction.EXTEND:
        out.append(
            f"Hạn cũ: {_date(data.get('from')) or 'chưa có'}; hạn mới: {_date(data.get('to'))}"
        )
    elif action == EventAction.COMPLETE:
        if data.get("reply"):
            out.append(f"Văn bản trả lời: {data['reply']}")
        if data.get("on_time") is False:
            out.append("Hoàn thành sau hạn")
    elif action == EventAction.EDIT:
        changed = [_EDITED.get(name, name) for name in data.get("changed") or []]
        if changed:
            out.append("Sửa: " + ", ".join(changed))
        if data.get("files"):
            out.append(f"Thêm {data['files']} tệp")
    if action in (EventAction.PROGRESS, EventAction.LINK_DUPLICATE) and data.get("files"):
        files = data["files"]
        out.append("Tệp: " + (", ".join(files) if isinstance(files, list) else str(files)))
    return out
