"""Registration by the văn thư: the form, the duplicate choice, and the sender directory.

Bulk entry of paper arrivals: "Lưu và vào sổ tiếp" keeps the sender, type, dates and channel in
the session, shows the number just given and returns to an empty form ready for the next one.
Nothing is stored while a duplicate warning waits for the clerk's choice; the files are
re-attached with that choice (browsers cannot keep a chosen file across two requests).
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanphong.core.errors import DomainError
from vanphong.core.models import Secrecy, User
from vanphong.core.policy import can, require
from vanphong.core.text import fold
from vanphong.documents import access, selectors, services
from vanphong.documents.forms import (
    DuplicateChoiceForm,
    IncomingForm,
    SenderCreateForm,
    file_names,
)
from vanphong.documents.models import Channel, IncomingDocument, Urgency
from vanphong.documents.web import current_user, error_message, is_partial

KEEP_KEY = "vp_incoming_keep"
LAST_KEY = "vp_incoming_last"
REGISTER_DENIED = "Chỉ văn thư của cơ quan mới được vào sổ văn bản đến."


def _fresh_initial(keep: dict[str, Any] | None) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "arrival_date": access.today(),
        "channel": Channel.PAPER,
        "urgency": Urgency.NORMAL,
        "secrecy": Secrecy.NONE,
    }
    if keep:
        for name in ("sender", "doc_type", "channel"):
            if keep.get(name):
                initial[name] = keep[name]
        for name in ("arrival_date", "document_date"):
            with contextlib.suppress(ValueError):
                initial[name] = date.fromisoformat(str(keep.get(name)))
    return initial


def _save(
    user: User, form: IncomingForm, choice: DuplicateChoiceForm | None
) -> tuple[IncomingDocument, bool]:
    """Register the arrival, or attach it to the earlier entry; (document, attached?)."""
    data = form.to_data()
    if choice is not None and choice.cleaned_data["duplicate_choice"] == "same":
        original = selectors.document_detail(user, choice.cleaned_data["duplicate_of"])
        if original is None:
            raise DomainError("Không tìm thấy văn bản đã vào sổ trước đó.")
        doc = services.incoming_attach_copy(
            actor=user, original=original, channel=data.channel, files=data.files
        )
        return doc, True
    reason = choice.cleaned_data["duplicate_reason"] if choice is not None else ""
    return services.incoming_register(actor=user, data=data, duplicate_reason=reason), False


def _after_save(
    request: HttpRequest, form: IncomingForm, doc: IncomingDocument, attached: bool, then: str
) -> HttpResponse:
    d = form.cleaned_data
    request.session[KEEP_KEY] = {
        "sender": d["sender"].pk,
        "doc_type": d["doc_type"].pk,
        "channel": d["channel"],
        "arrival_date": d["arrival_date"].isoformat(),
        "document_date": d["document_date"].isoformat(),
    }
    if attached:
        text = (
            f"Đã gắn {Channel(d['channel']).label.lower()} vào văn bản số đến "
            f"{doc.arrival_number}; không cấp số đến mới."
        )
    else:
        text = f"Đã vào sổ số đến {doc.arrival_number}."
    if then == "open":
        messages.success(request, text)
        return redirect("documents:detail", pk=doc.pk)
    request.session[LAST_KEY] = {
        "pk": doc.pk,
        "number": doc.arrival_number,
        "code": doc.code_notation,
        "text": text,
    }
    return redirect(f"{reverse('documents:create')}?tiep=1")


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, "documents.register", user.organisation, REGISTER_DENIED)
    duplicates: list[IncomingDocument] = []
    chosen_files: list[str] = []
    last = None
    keep = None
    then = request.POST.get("then", "next") if request.method == "POST" else "next"
    choice: DuplicateChoiceForm | None = None
    if request.method == "POST":
        form = IncomingForm(request.POST, request.FILES, user=user)
        if request.POST.get("duplicate_choice"):
            choice = DuplicateChoiceForm(request.POST)
        form_ok = form.is_valid()
        if form_ok and (choice is None or choice.is_valid()):
            try:
                doc, attached = _save(user, form, choice)
            except services.DuplicateFound as found:
                duplicates = found.earlier
                chosen_files = file_names(form.cleaned_data.get("attachments"))
            except (DomainError, PermissionDenied) as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, error_message(exc))
            else:
                return _after_save(request, form, doc, attached, then)
        elif form_ok and choice is not None:
            d = form.cleaned_data
            duplicates = services.find_duplicates(
                actor=user,
                sender=d["sender"],
                code_notation=d["code_notation"],
                document_date=d["document_date"],
            )
            chosen_files = file_names(d.get("attachments"))
    else:
        if request.GET.get("tiep") == "1":
            last = request.session.pop(LAST_KEY, None)
            keep = request.session.get(KEEP_KEY)
        form = IncomingForm(user=user, initial=_fresh_initial(keep))
    form.mark_invalid()
    if keep and not form.is_bound:
        form.fields["code_notation"].widget.attrs["autofocus"] = True
    context = {
        "form": form,
        "duplicates": duplicates,
        "choice": choice if duplicates else None,
        "chosen_files": chosen_files,
        "then": then if then in ("next", "open") else "next",
        "last": last,
        "focus_sender": not keep and not form.is_bound,
        "show_sender_form": False,
        "sender": form.sender_choice(),
        "withheld": form.withheld(),
        "sender_form": SenderCreateForm(auto_id="id_new_sender_%s"),
    }
    return render(request, "documents/create.html", context)


@require_GET
def sender_search(request: HttpRequest) -> HttpResponse:
    """Suggestions for the sender picker, matched without diacritics ("dang uy" → Đảng ủy)."""
    user = current_user(request)
    query = (request.GET.get("sender_q") or request.GET.get("q") or "").strip()[:100]
    results = selectors.sender_suggestions(query) if fold(query) else []
    context = {
        "results": results,
        "q": query,
        "can_add": can(user, "documents.register", user.organisation),
    }
    return render(request, "documents/_sender_options.html", context)


@require_POST
def sender_create(request: HttpRequest) -> HttpResponse:
    """Add an external sender on the spot; the picker selects it at once."""
    user = current_user(request)
    form = SenderCreateForm(request.POST, auto_id="id_new_sender_%s")
    created = None
    if form.is_valid():
        try:
            created = services.sender_create(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if not is_partial(request):
        if created is not None:
            messages.success(request, f"Đã thêm “{created}” vào danh bạ cơ quan gửi.")
        else:
            errors = [str(e) for errs in form.errors.values() for e in errs]
            messages.error(request, errors[0] if errors else "Không thêm được cơ quan gửi.")
        may_register = can(user, "documents.register", user.organisation)
        return redirect("documents:create" if may_register else "documents:worklist")
    if created is not None:
        form = SenderCreateForm(auto_id="id_new_sender_%s")
    form.mark_invalid()
    response = render(
        request, "documents/_sender_form.html", {"sender_form": form, "created": created}
    )
    if created is not None:
        event = {"vp:sender-created": {"id": created.pk, "label": str(created)}}
        response["HX-Trigger"] = json.dumps(event)  # ASCII-escaped: headers must stay latin-1
    return response
