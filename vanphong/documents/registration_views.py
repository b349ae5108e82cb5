"""Registration by the văn thư: the form, the duplicate choice, and the sender directory.

Bulk entry of paper arrivals: "Lưu và vào sổ tiếp" keeps the sender, type, dates and channel in
the session, shows the number just given and returns to an empty form ready for the next one.
Nothing is registered while a duplicate warning waits for the clerk's choice. Browsers cannot keep a
chosen file across two requests, so the acceptable files of a refused submit (missing field,
duplicate warning, bad date) are held for the clerk (files.holding) and used by the next submit.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
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
    upload_problem,
)
from vanphong.documents.models import Channel, IncomingDocument, Urgency
from vanphong.documents.web import current_user, error_message, is_partial
from vanphong.files import holding

HELD_FIELD = "held_token"
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
    if request.method == "POST":
        token = request.POST.get(HELD_FIELD, "")
        dropped = [int(v) for v in request.POST.getlist("held_drop") if v.isdigit()]
        if dropped:
            holding.drop_held(user=user, token=token, indexes=dropped)
        held = holding.open_uploads(holding.held_files(user=user, token=token))
        try:
            return _create_post(request, user, token, held)
        finally:
            for upload in held:
                upload.close()
    last = keep = None
    if request.GET.get("tiep") == "1":
        last = request.session.pop(LAST_KEY, None)
        keep = request.session.get(KEEP_KEY)
    form = IncomingForm(user=user, initial=_fresh_initial(keep))
    if keep:
        form.fields["code_notation"].widget.attrs["autofocus"] = True
    return _render_form(request, form, last=last, focus_sender=not keep)


def _create_post(
    request: HttpRequest, user: User, token: str, held: list[UploadedFile]
) -> HttpResponse:
    then = request.POST.get("then", "next")
    form = IncomingForm(request.POST, request.FILES, user=user, held=held)
    choice = DuplicateChoiceForm(request.POST) if request.POST.get("duplicate_choice") else None
    duplicates: list[IncomingDocument] = []
    form_ok = form.is_valid()
    if form_ok and (choice is None or choice.is_valid()):
        try:
            doc, attached = _save(user, form, choice)
        except services.DuplicateFound as found:
            duplicates = found.earlier
        except (DomainError, PermissionDenied) as exc:
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, error_message(exc))
        else:
            holding.release(user=user, token=token)
            return _after_save(request, form, doc, attached, then)
    elif form_ok and choice is not None:
        d = form.cleaned_data
        duplicates = services.find_duplicates(
            actor=user,
            sender=d["sender"],
            code_notation=d["code_notation"],
            document_date=d["document_date"],
        )
    token = _hold_files(request, form, user, token)
    return _render_form(
        request,
        form,
        duplicates=duplicates,
        choice=choice if duplicates else None,
        then=then,
        held_token=token,
    )


def _hold_files(request: HttpRequest, form: IncomingForm, user: User, token: str) -> str:
    """Keep the acceptable files of a refused submit for the next one; returns the hold's token.

    A secret document on a connected network keeps no file at all, not even for a while.
    """
    if form.withheld():
        holding.release(user=user, token=token)
        return ""
    uploads = request.FILES.getlist("attachments")
    if form.has_error("attachments"):
        # the error names the file at fault; the clerk's other files are kept as usual
        uploads = [u for u in uploads if upload_problem(u) is None]
    token, refused = holding.hold_uploads(user=user, token=token, uploads=uploads)
    shown = {str(e) for e in form.non_field_errors()}
    for reason in refused:
        if reason not in shown:
            form.add_error("attachments", reason)
    return token


def _render_form(
    request: HttpRequest,
    form: IncomingForm,
    *,
    duplicates: list[IncomingDocument] | None = None,
    choice: DuplicateChoiceForm | None = None,
    then: str = "next",
    last: dict[str, Any] | None = None,
    focus_sender: bool = False,
    held_token: str = "",
) -> HttpResponse:
    form.mark_invalid()
    context = {
        "form": form,
        "duplicates": duplicates or [],
        "choice": choice,
        "held_token": held_token,
        "held_files": holding.held_files(user=form.user, token=held_token),
        "then": then if then in ("next", "open") else "next",
        "last": last,
        "focus_sender": focus_sender,
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
