"""Pages of the outgoing documents: lists, new draft, detail with every action, register export."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanphong.core.errors import DomainError
from vanphong.core.policy import can, require
from vanphong.documents import access
from vanphong.documents.exports import parse_range
from vanphong.documents.web import current_user, error_message
from vanphong.drafting import exports, selectors, services
from vanphong.drafting.forms import (
    CommentForm,
    DraftForm,
    IssueForm,
    PaperForm,
    RecallForm,
    TemplateForm,
    VersionForm,
)
from vanphong.drafting.models import (
    Delivery,
    DispatchStatus,
    DocxTemplate,
    DraftVersion,
    OutStatus,
    ReviewStep,
)
from vanphong.drafting.render import TEMPLATE_FIELDS
from vanphong.drafting.services.signatures import sign_view
from vanphong.files.store import iter_blob
from vanphong.signing.services import AgentRequest


@require_GET
def outgoing_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    which = request.GET.get("ds", "")
    if which not in selectors.LISTS:
        waiting = (k for k in ("cho-duyet", "cho-ky-so") if selectors.listing(user, k).exists())
        which = next(waiting, "da-ban-hanh")
    docs = selectors.listing(user, which, request.GET.get("q", ""))[:200]
    return render(
        request,
        "drafting/list.html",
        {
            "docs": docs,
            "which": which,
            "lists": selectors.LISTS,
            "can_create": can(user, "drafting.create"),
            "can_export": can(user, "drafting.export_register", user.organisation),
            "can_configure": can(user, "drafting.configure", user.organisation),
            "q": request.GET.get("q", ""),
        },
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, "drafting.create", None, "Đồng chí không có quyền soạn thảo văn bản đi.")
    form = DraftForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            doc = services.draft_create(actor=user, data=form.to_data())
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Đã tạo dự thảo và phiên bản 1 theo thể thức văn bản Đảng.")
            return redirect("drafting:detail", pk=doc.pk)
    return render(request, "drafting/create.html", {"form": form})


def _doc_or_404(request: HttpRequest, pk: int) -> Any:
    doc = selectors.detail(current_user(request), pk)
    if doc is None:
        raise Http404("Không tìm thấy văn bản hoặc đồng chí không có quyền xem.")
    return doc


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    doc = _doc_or_404(request, pk)
    steps = ReviewStep.objects.filter(document=doc).select_related("reviewer", "version")
    return render(
        request,
        "drafting/detail.html",
        {
            "doc": doc,
            "versions": doc.versions.select_related("uploaded_by").order_by("-number"),
            "steps": steps.order_by("-round", "order"),
            "events": doc.events.select_related("actor"),
            "recipients": doc.recipients.select_related("incoming", "organisation"),
            "replies": doc.replies.select_related("incoming"),
            "corrections": doc.corrections.all(),
            "can_edit": can(user, "drafting.edit", doc),
            "can_review": can(user, "drafting.review", doc),
            "can_issue": can(user, "drafting.issue", doc) and doc.status == OutStatus.APPROVED,
            "can_dispatch": can(user, "drafting.issue", doc) and doc.status == OutStatus.ISSUED,
            # the button reaches only these (a paper copy is marked sent by hand): hide it once
            # nothing is left for it to send
            "has_unsent": doc.recipients.filter(status=DispatchStatus.PENDING)
            .exclude(delivery=Delivery.PAPER)
            .exists(),
            "can_recall": can(user, "drafting.recall", doc)
            and doc.status in (OutStatus.ISSUED, OutStatus.TO_SIGN, OutStatus.TO_SEAL),
            "sign": sign_view(user, doc),
            "version_form": VersionForm(),
            "comment_form": CommentForm(),
            "issue_form": IssueForm(initial={"issue_date": access.today(), "copies": doc.copies}),
            "recall_form": RecallForm(),
            "today": access.today(),
            "PAPER": Delivery.PAPER,
            "PENDING": DispatchStatus.PENDING,
        },
    )


@require_POST
def action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = current_user(request)
    doc = _doc_or_404(request, pk)
    post, files = request.POST, request.FILES
    try:
        if name == "phien-ban":
            form: Any = VersionForm(post, files)
            if not form.is_valid():
                raise DomainError("Vui lòng chọn tệp DOCX.")
            version = services.draft_upload_version(
                actor=user,
                document=doc,
                file=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
            done = f"Đã lưu phiên bản {version.number}."
        elif name == "trinh":
            services.draft_submit(actor=user, document=doc, note=post.get("comment", ""))
            done = "Đã trình duyệt."
        elif name == "duyet":
            services.review_approve(actor=user, document=doc, comment=post.get("comment", ""))
            done = "Đã duyệt."
        elif name == "tra-lai":
            services.review_return(actor=user, document=doc, comment=post.get("comment", ""))
            done = "Đã trả lại người soạn thảo."
        elif name == "ban-hanh":
            form = IssueForm(post, files)
            if not form.is_valid():
                raise DomainError("Ngày ban hành hoặc số bản không hợp lệ.")
            issued = services.outgoing_issue(
                actor=user,
                document=doc,
                issue_date=form.cleaned_data["issue_date"],
                final_pdf=form.cleaned_data["final_pdf"],
                copies=form.cleaned_data["copies"],
            )
            if issued.status == OutStatus.TO_SIGN:
                done = (
                    f"Đã cấp số {issued.notation}. Văn bản chờ {issued.signer.full_name} ký số; "
                    "chưa gửi đến nơi nhận."
                )
            elif issued.status == OutStatus.TO_SEAL:
                done = (
                    f"Đã cấp số {issued.notation}. Văn bản chờ văn thư ký số của cơ quan; chưa "
                    "gửi đến nơi nhận."
                )
            else:
                done = (
                    f"Đã ban hành văn bản số {issued.notation} và gửi đến nơi nhận trong hệ thống."
                )
        elif name == "ky-so":
            result = services.outgoing_sign(
                actor=user, document=doc, secret=post.get("passphrase", "")
            )
            if isinstance(result, AgentRequest):
                return render(
                    request,
                    "drafting/sign_agent.html",
                    {
                        "doc": doc,
                        "payload": result.payload,
                        "agent_url": settings.SIGNING_AGENT_URL,
                    },
                )
            done = _signed_message(result)
        elif name == "ky-so-tai-len":
            upload = files.get("file")
            if upload is None:
                raise DomainError("Vui lòng chọn tệp PDF đã ký số.")
            done = _signed_message(
                services.outgoing_sign_upload(actor=user, document=doc, file=upload)
            )
        elif name == "ky-so-co-quan":
            services.outgoing_seal(actor=user, document=doc, secret=post.get("passphrase", ""))
            done = "Đã ký số của cơ quan; văn bản đã ban hành và gửi đến nơi nhận trong hệ thống."
        elif name == "phat-hanh":
            counts = services.outgoing_dispatch(actor=user, document=doc)
            done = (
                f"Đã gửi trong hệ thống: {counts['delivered']} nơi; chờ liên thông: "
                f"{counts['queued']} nơi."
            )
        elif name == "gui-giay":
            form = PaperForm(post)
            if not form.is_valid():
                raise DomainError("Vui lòng nhập ngày gửi và hình thức gửi.")
            line = doc.recipients.filter(pk=form.cleaned_data["recipient"]).first()
            if line is None:
                raise Http404("Không có nơi nhận này.")
            services.outgoing_mark_sent_paper(
                actor=user,
                recipient=line,
                sent_on=form.cleaned_data["sent_on"],
                method=form.cleaned_data["method"],
            )
            done = f"Đã ghi nhận gửi bản giấy đến {line.label}."
        elif name == "thu-hoi":
            services.outgoing_recall(actor=user, document=doc, reason=post.get("reason", ""))
            done = "Đã thu hồi văn bản."
        else:
            raise Http404("Không có thao tác này.")
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, done)
    return redirect("drafting:detail", pk=doc.pk)


def _signed_message(doc: Any) -> str:
    if doc.status == OutStatus.TO_SEAL:
        return "Đã ký số; văn bản chờ văn thư ký số của cơ quan để phát hành."
    return "Đã ký số; văn bản đã ban hành và gửi đến nơi nhận trong hệ thống."


@require_POST
def sign_complete(request: HttpRequest, pk: int) -> JsonResponse:
    """The page relays the desk agent's answer here (interrupted signing of the numbered PDF)."""
    import json

    user = current_user(request)
    doc = _doc_or_404(request, pk)
    try:
        body = json.loads(request.body or b"{}")
        signed = services.outgoing_sign_complete(
            actor=user,
            document=doc,
            pending_id=str(body.get("pending_id", "")),
            response=dict(body.get("response") or {}),
        )
    except (ValueError, TypeError):
        return JsonResponse({"error": "Dữ liệu gửi lên không đúng định dạng."}, status=400)
    except (DomainError, PermissionDenied) as exc:
        return JsonResponse({"error": error_message(exc)}, status=400)
    messages.success(request, _signed_message(signed))
    return JsonResponse({"url": reverse("drafting:detail", args=[doc.pk])})


@require_GET
def version_download(request: HttpRequest, pk: int, number: int) -> FileResponse:
    doc = _doc_or_404(request, pk)
    version = DraftVersion.objects.filter(document=doc, number=number).first()
    if version is None:
        raise Http404("Không có phiên bản này.")
    return FileResponse(
        iter_blob(version.blob),
        as_attachment=True,
        filename=f"du-thao-{doc.pk}-v{version.number}.docx",
        content_type=version.blob.content_type,
    )


@require_GET
def final_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    doc = _doc_or_404(request, pk)
    blob = doc.final_pdf if fmt == "pdf" else doc.final_docx if fmt == "docx" else None
    if fmt == "chua-ky":  # the numbered PDF before the signatures
        blob, fmt = doc.numbered_pdf or (doc.final_pdf if doc.status == "to_sign" else None), "pdf"
    if blob is None:
        raise Http404("Văn bản chưa có bản cuối dạng này.")
    name = doc.notation.replace("/", "_")
    return FileResponse(
        iter_blob(blob),
        as_attachment=fmt == "docx",
        filename=f"{name}.{fmt}",
        content_type=blob.content_type,
    )


@require_GET
def export_register(request: HttpRequest, fmt: str) -> HttpResponseBase:
    user = current_user(request)
    require(
        user,
        "drafting.export_register",
        user.organisation,
        "Đồng chí không có quyền in, xuất sổ văn bản đi.",
    )
    try:
        date_from, date_to = parse_range(
            request.GET.get("tu_ngay"), request.GET.get("den_ngay"), access.today()
        )
        result = exports.outgoing_register_export(
            actor=user, fmt=fmt, date_from=date_from, date_to=date_to, request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("drafting:list")
    return FileResponse(
        result.file,
        as_attachment=True,
        filename=result.filename,
        content_type=result.content_type,
    )


@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    """The office's own DOCX templates per document type (administrators)."""
    user = current_user(request)
    require(user, "drafting.configure", user.organisation, "Chỉ quản trị thay mẫu văn bản.")
    form = TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and user.organisation is not None:
        try:
            services.template_upload(
                actor=user,
                organisation=user.organisation,
                doc_type=form.cleaned_data["doc_type"],
                file=form.cleaned_data["file"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Đã thay mẫu văn bản; dự thảo mới sẽ dùng mẫu này.")
            return redirect("drafting:templates")
    current = DocxTemplate.objects.filter(organisation_id=user.organisation_id or 0).select_related(
        "doc_type", "uploaded_by"
    )
    return render(
        request,
        "drafting/templates.html",
        {"form": form, "current": current, "fields": sorted(TEMPLATE_FIELDS.items())},
    )
