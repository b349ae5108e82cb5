"""Pages of the incoming-documents module: work lists, register, detail, files, actions.

Views stay thin: reads go through `selectors`, writes through `services`, and the actions of
the detail page are described once in `actions.py`. Registration lives in `registration_views`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.nav import counts_for_request
from vanphong.core.policy import can
from vanphong.documents import access, selectors, services
from vanphong.documents.action_forms import ActionForm
from vanphong.documents.actions import ACTIONS, available_actions, is_available, unavailable_reason
from vanphong.documents.forms import DelegationForm, ListFilterForm
from vanphong.documents.models import Delegation, DocumentFile, IncomingDocument, WorkKind
from vanphong.documents.registration_views import create, sender_create, sender_search
from vanphong.documents.web import current_user, error_message, is_partial
from vanphong.documents.worklist_rows import ROW_FIELDS, worklist_rows_html
from vanphong.files.store import iter_blob

__all__ = [
    "action",
    "create",
    "delegations",
    "detail",
    "file_download",
    "register_list",
    "sender_create",
    "sender_search",
    "worklist",
]

# Counts shown in the tab headers: selectors.nav_counts through the shell's per-request counts.
TAB_COUNTS = {
    "cho_xu_ly": "incoming_pending",
    "dang_xu_ly": "incoming_in_progress",
    "sap_den_han": "incoming_due_soon",
    "qua_han": "incoming_overdue",
    "de_biet": "incoming_info",
}
NOT_FOUND = "Không tìm thấy văn bản hoặc đồng chí không có quyền xem."


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("trang", "1")
    return max(1, int(raw)) if raw.isdigit() and len(raw) < 7 else 1


def _visible_or_404(user: User, pk: int) -> IncomingDocument:
    doc = selectors.document_detail(user, pk)
    if doc is None:
        raise Http404(NOT_FOUND)
    return doc


@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    tab = request.GET.get("tab", "cho_xu_ly")
    if tab not in selectors.TABS:
        tab = "cho_xu_ly"
    form = ListFilterForm(request.GET or None, user=user)
    page = selectors.worklist_page(
        user, tab, form.to_filters(), _page_number(request), fields=ROW_FIELDS
    )
    partial = is_partial(request)
    counts = {} if partial else counts_for_request(request, user)  # the shell reuses them
    today = access.today()
    context = {
        "tab": tab,
        "tabs": [
            (key, label, counts.get(TAB_COUNTS.get(key, ""), 0))
            for key, label in selectors.TABS.items()
        ],
        "tab_label": selectors.TABS[tab],
        "page": page,
        "rows_html": worklist_rows_html(page.rows, today),
        "form": form,
        "today": today,
        "can_register": can(user, "documents.register", user.organisation),
        "show_delegations": not partial
        and (can(user, "documents.delegate") or bool(access.delegators_of(user))),
    }
    template = "documents/_worklist_results.html" if partial else "documents/worklist.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@require_GET
def register_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = ListFilterForm(request.GET or None, user=user)
    filters = form.to_filters()
    page = selectors.register_list(user, filters, _page_number(request))
    today = access.today()
    export_from = filters.date_from or today.replace(month=1, day=1)
    export_to = filters.date_to or today
    context = {
        "page": page,
        "form": form,
        "today": today,
        "can_export": can(user, "documents.export_register", user.organisation),
        "can_register": can(user, "documents.register", user.organisation),
        "export_from": export_from,
        "export_to": export_to,
        "export_query": "?"
        + urlencode({"tu_ngay": f"{export_from:%d/%m/%Y}", "den_ngay": f"{export_to:%d/%m/%Y}"}),
    }
    template = (
        "documents/_register_results.html" if is_partial(request) else "documents/register.html"
    )
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    doc = _visible_or_404(user, pk)
    if doc.is_secret:
        services.secret_access_record(actor=user, document=doc, what="view")
    return _render_detail(request, user, doc)


def _render_detail(
    request: HttpRequest,
    user: User,
    doc: IncomingDocument,
    *,
    bound: ActionForm | None = None,
    bound_slug: str = "",
) -> HttpResponse:
    forms: list[tuple[Any, ActionForm]] = []
    for spec in available_actions(user, doc):
        form = bound if bound is not None and spec.slug == bound_slug else spec.form(user, doc)
        form.mark_invalid()
        forms.append((spec, form))
    items = list(selectors.participants(doc))
    context = {
        "doc": doc,
        "files": []
        if doc.content_withheld
        else list(doc.files.select_related("blob", "uploaded_by")),
        "can_download": can(user, "documents.download", doc),
        "events": list(selectors.timeline(doc)),
        "participants": items,
        "co_items": [i for i in items if i.kind == WorkKind.CO],
        "info_items": [i for i in items if i.kind == WorkKind.INFO],
        "actions": [(spec, form) for spec, form in forms if spec.slug != "read"],
        "read_action": next((spec for spec, _ in forms if spec.slug == "read"), None),
        "open_slug": bound_slug,
        "today": access.today(),
    }
    return render(request, "documents/detail.html", context)


@require_GET
def file_download(request: HttpRequest, pk: int, file_id: int) -> StreamingHttpResponse:
    user = current_user(request)
    doc = _visible_or_404(user, pk)
    if not can(user, "documents.download", doc):
        raise Http404(NOT_FOUND)
    stored = get_object_or_404(
        DocumentFile.objects.select_related("blob"), pk=file_id, document=doc
    )
    if doc.is_secret:
        services.secret_access_record(actor=user, document=doc, what="download")
    response = StreamingHttpResponse(iter_blob(stored.blob), content_type=stored.blob.content_type)
    response["Content-Length"] = str(stored.blob.size)
    response["Content-Disposition"] = content_disposition_header(True, stored.name) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One endpoint for every action: the slug picks the form and the service."""
    user = current_user(request)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("Không có thao tác này.")
    doc = _visible_or_404(user, pk)
    if not is_available(user, doc, spec):
        messages.error(request, unavailable_reason(user, doc, spec))
        return redirect("documents:detail", pk=doc.pk)
    form = spec.form(user, doc, request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, user, doc, bound=form, bound_slug=spec.slug)
    try:
        spec.run(user, doc, form.cleaned_data)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, spec.done)
    if selectors.document_detail(user, doc.pk) is None:
        return redirect("documents:worklist")
    return redirect("documents:detail", pk=doc.pk)


@require_http_methods(["GET", "POST"])
def delegations(request: HttpRequest) -> HttpResponse:
    """A leader hands their routing to a deputy for a period, and can take it back."""
    user = current_user(request)
    may_delegate = can(user, "documents.delegate")
    form = DelegationForm(user=user)
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                given = get_object_or_404(
                    Delegation, pk=_int(request.POST.get("revoke")), from_user=user
                )
                services.delegation_revoke(actor=user, delegation=given)
                messages.success(request, "Đã thu hồi ủy quyền.")
                return redirect("documents:delegations")
            form = DelegationForm(request.POST, user=user)
            if form.is_valid():
                d = form.cleaned_data
                services.delegation_create(
                    actor=user,
                    to_user=d["to_user"],
                    start_date=d["start_date"],
                    end_date=d["end_date"],
                    note=d["note"],
                )
                messages.success(request, f"Đã ủy quyền cho {d['to_user']}.")
                return redirect("documents:delegations")
        except (DomainError, PermissionDenied) as exc:
            if not may_delegate:
                messages.error(request, error_message(exc))
                return redirect("documents:delegations")
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, error_message(exc))
    form.mark_invalid()
    context = {
        "form": form,
        "may_delegate": may_delegate,
        "given": Delegation.objects.filter(from_user=user).select_related("to_user")[:50],
        "received": Delegation.objects.filter(to_user=user).select_related("from_user")[:50],
        "today": access.today(),
    }
    return render(request, "documents/delegations.html", context)


def _int(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else 0
