"""API of the outgoing documents (router mounted at /api/v1/outgoing), under the same policy.

Reads go through the selectors (the policy scope in SQL); a document the caller may not see
answers 404. Writes call the services: a refusal by the policy is 403, a rule is 400 with the
Vietnamese reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status as Reply

from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, User
from vanphong.core.policy import filter_visible
from vanphong.documents.models import DocumentType, IncomingDocument
from vanphong.drafting import selectors, services
from vanphong.drafting.models import DraftVersion, OutgoingDocument, ReviewStep
from vanphong.drafting.services import DraftData, RecipientLine
from vanphong.files.store import open_blob
from vanphong.signing.services import AgentRequest

router = Router()


class ErrorOut(Schema):
    detail: str
    field: str | None = None


_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class RecipientIn(Schema):
    organisation_id: int | None = None
    label: str = ""
    delivery: str = ""


class DraftIn(Schema):
    doc_type_id: int
    summary: str
    body: str = ""
    signer_id: int
    authority: str = ""
    signer_title: str = ""
    authority_body: str = ""
    urgency: int = 0
    secrecy: int = 0
    recipients: list[RecipientIn]
    replies_to: list[int] = []
    relation: str = ""
    related_id: int | None = None
    copies: int = 1


class CommentIn(Schema):
    comment: str = ""


class RecallIn(Schema):
    reason: str


class SignIn(Schema):
    passphrase: str = ""


class AgentCompleteIn(Schema):
    pending_id: str
    response: dict[str, Any]


class AgentOut(Schema):
    """The signer's key is on a USB token: hand `payload` to vanphong-signer on their PC
    (POST http://127.0.0.1:8765/sign) and post its answer to /sign/complete."""

    pending_id: str
    payload: dict[str, Any]


class VersionOut(Schema):
    number: int
    name: str
    generated: bool
    note: str
    uploaded_by: str
    uploaded_at: datetime


class StepOut(Schema):
    round: int
    order: int
    label: str
    reviewer: str
    status: str
    comment: str
    version: int | None
    decided_at: datetime | None


class RecipientOut(Schema):
    id: int
    label: str
    organisation_id: int | None
    delivery: str
    status: str
    sent_on: date | None
    incoming_id: int | None


class OutgoingOut(Schema):
    id: int
    status: str
    status_label: str
    doc_type: str
    summary: str
    drafter: str
    signer: str
    authority: str
    notation: str
    number: int | None
    issue_date: date | None
    page_count: int | None
    recipients: list[RecipientOut]
    versions: list[VersionOut]
    review: list[StepOut]
    replies_to: list[int]
    relation: str
    related_id: int | None
    requires_signer_signature: bool
    requires_organisation_signature: bool


class OutgoingRow(Schema):
    id: int
    status: str
    doc_type: str
    summary: str
    notation: str
    issue_date: date | None


class ListQuery(Schema):
    ds: str = "da-ban-hanh"
    q: str = ""
    limit: int = 50
    offset: int = 0


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _visible(actor: User, pk: int) -> OutgoingDocument:
    doc = selectors.detail(actor, pk)
    if doc is None:
        raise Http404("Không tìm thấy văn bản hoặc đồng chí không có quyền xem.")
    return doc


def _out(actor: User, pk: int) -> OutgoingOut:
    doc = _visible(actor, pk)
    need = services.signature_requirement(doc)
    steps = ReviewStep.objects.filter(document=doc).select_related("reviewer", "version")
    return OutgoingOut(
        id=doc.pk,
        status=doc.status,
        status_label=doc.get_status_display(),
        doc_type=doc.doc_type.name,
        summary=doc.summary,
        drafter=doc.drafter.full_name,
        signer=doc.signer.full_name,
        authority=doc.authority,
        notation=doc.notation,
        number=doc.number,
        issue_date=doc.issue_date,
        page_count=doc.page_count,
        recipients=[
            RecipientOut(
                id=r.pk,
                label=r.label,
                organisation_id=r.organisation_id,
                delivery=r.delivery,
                status=r.status,
                sent_on=r.sent_on,
                incoming_id=r.incoming_id,
            )
            for r in doc.recipients.all()
        ],
        versions=[
            VersionOut(
                number=v.number,
                name=v.name,
                generated=v.generated,
                note=v.note,
                uploaded_by=v.uploaded_by.full_name,
                uploaded_at=v.uploaded_at,
            )
            for v in doc.versions.select_related("uploaded_by")
        ],
        review=[
            StepOut(
                round=s.round,
                order=s.order,
                label=s.label,
                reviewer=s.reviewer.full_name,
                status=s.status,
                comment=s.comment,
                version=s.version.number if s.version else None,
                decided_at=s.decided_at,
            )
            for s in steps
        ],
        replies_to=list(doc.replies.values_list("incoming_id", flat=True)),
        relation=doc.relation,
        related_id=doc.related_id,
        requires_signer_signature=need.signer,
        requires_organisation_signature=need.organisation,
    )


def _one(model: type, pk: int | None, field: str, label: str) -> object:
    found = model.objects.filter(pk=pk).first() if pk is not None else None  # type: ignore[attr-defined]
    if found is None:
        raise DomainError(f"Không tìm thấy {label} có mã {pk}.", field=field)
    return found


@router.post("", response={201: OutgoingOut, **_ERRORS}, summary="Tạo dự thảo văn bản đi")
def create(request: HttpRequest, body: DraftIn) -> Reply[OutgoingOut]:
    actor = _actor(request)
    visible_incoming = filter_visible(actor, "documents.incoming", IncomingDocument.objects.all())
    replies = list(visible_incoming.filter(pk__in=body.replies_to))
    if len(replies) != len(set(body.replies_to)):
        raise DomainError(
            "Có văn bản đến không tìm thấy hoặc đồng chí không xem được.", field="replies_to"
        )
    related = selectors.detail(actor, body.related_id) if body.related_id else None
    data = DraftData(
        doc_type=_one(DocumentType, body.doc_type_id, "doc_type_id", "loại văn bản"),  # type: ignore[arg-type]
        summary=body.summary,
        body=body.body,
        signer=_one(User, body.signer_id, "signer_id", "người ký"),  # type: ignore[arg-type]
        authority=body.authority,
        signer_title=body.signer_title,
        authority_body=body.authority_body,
        urgency=body.urgency,
        secrecy=body.secrecy,
        recipients=[
            RecipientLine(
                label=r.label,
                delivery=r.delivery,
                organisation=_one(Organisation, r.organisation_id, "recipients", "cơ quan")  # type: ignore[arg-type]
                if r.organisation_id
                else None,
            )
            for r in body.recipients
        ],
        replies_to=replies,
        relation=body.relation,
        related=related,
        copies=body.copies,
    )
    doc = services.draft_create(actor=actor, data=data)
    return Reply(201, _out(actor, doc.pk))


@router.get("", response={200: list[OutgoingRow], 401: ErrorOut}, summary="Danh sách văn bản đi")
def listing(request: HttpRequest, query: Query[ListQuery]) -> list[OutgoingRow]:
    actor = _actor(request)
    limit = max(1, min(query.limit, 200))
    docs = selectors.listing(actor, query.ds, query.q)[query.offset : query.offset + limit]
    return [
        OutgoingRow(
            id=d.pk,
            status=d.status,
            doc_type=d.doc_type.name,
            summary=d.summary,
            notation=d.notation,
            issue_date=d.issue_date,
        )
        for d in docs
    ]


@router.get("/{int:pk}", response={200: OutgoingOut, **_ERRORS}, summary="Chi tiết văn bản đi")
def get(request: HttpRequest, pk: int) -> OutgoingOut:
    return _out(_actor(request), pk)


@router.post(
    "/{int:pk}/versions", response={201: OutgoingOut, **_ERRORS}, summary="Tải lên phiên bản"
)
def upload_version(
    request: HttpRequest, pk: int, file: File[UploadedFile], note: Form[str] = ""
) -> Reply[OutgoingOut]:
    actor = _actor(request)
    services.draft_upload_version(actor=actor, document=_visible(actor, pk), file=file, note=note)
    return Reply(201, _out(actor, pk))


@router.get("/{int:pk}/versions/{int:number}", summary="Tải phiên bản DOCX")
def download_version(request: HttpRequest, pk: int, number: int) -> FileResponse:
    doc = _visible(_actor(request), pk)
    version = DraftVersion.objects.filter(document=doc, number=number).first()
    if version is None:
        raise Http404("Không có phiên bản này.")
    return FileResponse(
        open_blob(version.blob),
        as_attachment=True,
        filename=f"du-thao-{doc.pk}-v{number}.docx",
        content_type=version.blob.content_type,
    )


@router.post("/{int:pk}/submit", response={200: OutgoingOut, **_ERRORS}, summary="Trình duyệt")
def submit(request: HttpRequest, pk: int, body: CommentIn) -> OutgoingOut:
    actor = _actor(request)
    services.draft_submit(actor=actor, document=_visible(actor, pk), note=body.comment)
    return _out(actor, pk)


@router.post("/{int:pk}/approve", response={200: OutgoingOut, **_ERRORS}, summary="Duyệt")
def approve(request: HttpRequest, pk: int, body: CommentIn) -> OutgoingOut:
    actor = _actor(request)
    services.review_approve(actor=actor, document=_visible(actor, pk), comment=body.comment)
    return _out(actor, pk)


@router.post("/{int:pk}/return", response={200: OutgoingOut, **_ERRORS}, summary="Trả lại")
def return_(request: HttpRequest, pk: int, body: CommentIn) -> OutgoingOut:
    actor = _actor(request)
    services.review_return(actor=actor, document=_visible(actor, pk), comment=body.comment)
    return _out(actor, pk)


@router.post(
    "/{int:pk}/issue",
    response={200: OutgoingOut, **_ERRORS},
    summary="Cấp số và ban hành",
    description="Văn thư cấp số, ghi số và ngày vào DOCX, chuyển PDF (hoặc dùng `final_pdf` "
    "tải lên), rồi gửi đến nơi nhận trong hệ thống. Nếu loại văn bản phải ký số, văn bản chuyển "
    "sang `to_sign` (hoặc `to_seal`) và chỉ được gửi sau khi đủ chữ ký (`sign`, `seal`).",
)
def issue(
    request: HttpRequest,
    pk: int,
    issue_date: Form[date | None] = None,
    copies: Form[int | None] = None,
    final_pdf: File[UploadedFile] = None,  # type: ignore[assignment]
) -> OutgoingOut:
    actor = _actor(request)
    services.outgoing_issue(
        actor=actor,
        document=_visible(actor, pk),
        issue_date=issue_date,
        copies=copies,
        final_pdf=final_pdf,
    )
    return _out(actor, pk)


@router.post(
    "/{int:pk}/sign",
    response={200: OutgoingOut, 202: AgentOut, **_ERRORS},
    summary="Người ký ký số bản đã cấp số",
    description="Chỉ người ký của văn bản, khi văn bản ở trạng thái `to_sign`. Khóa trên máy "
    "chủ (PKCS#12/PKCS#11) ký ngay (200); `passphrase` là mật khẩu/PIN khi cấu hình ký số "
    "không lưu nó. USB token trên máy người ký: 202 với yêu cầu cho chương trình ký.",
)
def sign(request: HttpRequest, pk: int, body: SignIn) -> Any:
    actor = _actor(request)
    result = services.outgoing_sign(
        actor=actor, document=_visible(actor, pk), secret=body.passphrase
    )
    if isinstance(result, AgentRequest):
        return Reply(202, AgentOut(pending_id=result.pending_id, payload=result.payload))
    return _out(actor, pk)


@router.post(
    "/{int:pk}/sign/complete",
    response={200: OutgoingOut, **_ERRORS},
    summary="Hoàn tất chữ ký từ chương trình ký",
)
def sign_complete(request: HttpRequest, pk: int, body: AgentCompleteIn) -> OutgoingOut:
    actor = _actor(request)
    services.outgoing_sign_complete(
        actor=actor,
        document=_visible(actor, pk),
        pending_id=body.pending_id,
        response=body.response,
    )
    return _out(actor, pk)


@router.post(
    "/{int:pk}/sign/upload",
    response={200: OutgoingOut, **_ERRORS},
    summary="Tải lên bản đã ký số ở nơi khác",
    description="Bản PDF đã cấp số (tải ở `/numbered.pdf`) được ký thêm bằng công cụ khác; "
    "phải giữ nguyên bản đã cấp số làm phiên bản đầu và chữ ký dùng chứng thư đã đăng ký.",
)
def sign_upload(request: HttpRequest, pk: int, file: File[UploadedFile]) -> OutgoingOut:
    actor = _actor(request)
    services.outgoing_sign_upload(actor=actor, document=_visible(actor, pk), file=file)
    return _out(actor, pk)


@router.post(
    "/{int:pk}/seal",
    response={200: OutgoingOut, **_ERRORS},
    summary="Văn thư ký số của cơ quan và phát hành",
)
def seal(request: HttpRequest, pk: int, body: SignIn) -> OutgoingOut:
    actor = _actor(request)
    services.outgoing_seal(actor=actor, document=_visible(actor, pk), secret=body.passphrase)
    return _out(actor, pk)


@router.post(
    "/{int:pk}/dispatch",
    response={200: OutgoingOut, **_ERRORS},
    summary="Gửi đến nơi nhận chưa gửi",
    description="Bị từ chối khi văn bản còn thiếu chữ ký số bắt buộc.",
)
def dispatch(request: HttpRequest, pk: int) -> OutgoingOut:
    actor = _actor(request)
    services.outgoing_dispatch(actor=actor, document=_visible(actor, pk))
    return _out(actor, pk)


@router.post("/{int:pk}/recall", response={200: OutgoingOut, **_ERRORS}, summary="Thu hồi")
def recall(request: HttpRequest, pk: int, body: RecallIn) -> OutgoingOut:
    actor = _actor(request)
    services.outgoing_recall(actor=actor, document=_visible(actor, pk), reason=body.reason)
    return _out(actor, pk)


@router.get("/{int:pk}/final.pdf", summary="Bản PDF đã ban hành")
def final_pdf(request: HttpRequest, pk: int) -> FileResponse:
    doc = _visible(_actor(request), pk)
    if doc.final_pdf is None:
        raise Http404("Văn bản chưa ban hành.")
    return FileResponse(
        open_blob(doc.final_pdf),
        filename=f"{doc.notation.replace('/', '_')}.pdf",
        content_type="application/pdf",
    )


@router.get("/{int:pk}/numbered.pdf", summary="Bản PDF đã cấp số, trước khi ký")
def numbered_pdf(request: HttpRequest, pk: int) -> FileResponse:
    doc = _visible(_actor(request), pk)
    blob = doc.numbered_pdf or (doc.final_pdf if doc.status == "to_sign" else None)
    if blob is None:
        raise Http404("Văn bản chưa cấp số hoặc không có bản chưa ký.")
    return FileResponse(
        open_blob(blob),
        filename=f"{doc.notation.replace('/', '_')}-chua-ky.pdf",
        content_type="application/pdf",
    )
