"""API endpoints for incoming documents (router mounted at /api/v1/incoming).

Thin like the pages: reads go through the selectors (the policy scope in SQL), writes through
the services. A document the caller may not see answers 404, so its existence is not revealed.
Before a routing action the state machine is checked on the visible document, so a move that
does not fit the current state answers 400 with the reason, whoever asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Form, Query, Router, UploadedFile
from ninja.params import P, PathEx, QueryEx
from ninja.responses import Status as Reply

from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, Unit, User
from vanphong.core.policy import require
from vanphong.core.text import nfc
from vanphong.documents import selectors, services, workflow
from vanphong.documents.api_schemas import (
    REGISTER_TAB,
    AssignHandlerIn,
    AssignmentIn,
    CancelIn,
    CompleteIn,
    DocumentOut,
    DocumentPageOut,
    DocumentTypeOut,
    DuplicateOut,
    ErrorOut,
    ExtendIn,
    ForwardIn,
    ListQuery,
    NoteIn,
    PresentIn,
    RegisterIn,
    SenderOut,
    ValidationOut,
    doc_type_out,
    document_out,
    ref_out,
    row_out,
    sender_out,
    work_row_out,
)
from vanphong.documents.models import DocumentType, EventAction, IncomingDocument
from vanphong.files.store import open_blob
from vanphong.numbering.models import Register

router = Router()

DocId = PathEx[int, P(alias="id", description="Mã văn bản đến")]

A = EventAction
_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationOut,
}
_ACTION_RESPONSES: dict[int, Any] = {200: DocumentOut, **_ERRORS}
_DOWNLOAD_DOC = {
    "responses": {
        "200": {
            "description": "Nội dung tệp",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    }
}


# --- helpers ------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _visible(actor: User, pk: int) -> IncomingDocument:
    """The document if the caller may see it; 404 otherwise (existence not revealed)."""
    doc = selectors.document_detail(actor, pk)
    if doc is None:
        raise Http404("Không tìm thấy văn bản hoặc đồng chí không có quyền xem.")
    return doc


def _respond(actor: User, pk: int, fallback: IncomingDocument) -> DocumentOut:
    """The document as it is now, read again through the selectors."""
    return document_out(actor, selectors.document_detail(actor, pk) or fallback)


def _user(pk: int, field: str) -> User:
    user = User.objects.select_related("unit").filter(pk=pk).first()
    if user is None:
        raise DomainError(f"Không tìm thấy người dùng có mã {pk}.", field=field)
    return user


def _users(ids: Sequence[int], field: str) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    found = {u.pk: u for u in User.objects.select_related("unit").filter(pk__in=wanted)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise DomainError(f"Không tìm thấy người dùng có mã {', '.join(missing)}.", field=field)
    return [found[i] for i in wanted]


def _unit(pk: int, field: str) -> Unit:
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise DomainError(f"Không tìm thấy đơn vị có mã {pk}.", field=field)
    return unit


def _units(ids: Sequence[int], field: str) -> list[Unit]:
    wanted = list(dict.fromkeys(ids))
    found = {u.pk: u for u in Unit.objects.filter(pk__in=wanted)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise DomainError(f"Không tìm thấy đơn vị có mã {', '.join(missing)}.", field=field)
    return [found[i] for i in wanted]


def _sender(data: RegisterIn) -> Organisation:
    if data.sender_id is not None:
        org = Organisation.objects.filter(pk=data.sender_id).first()
        if org is None:
            raise DomainError(
                f"Không tìm thấy cơ quan gửi có mã {data.sender_id} trong danh bạ.",
                field="sender_id",
            )
        return org
    identifier = (data.sender_identifier or "").strip().upper()
    org = Organisation.objects.filter(identifier=identifier).first()
    if org is None:
        raise DomainError(
            f"Không có cơ quan gửi mang mã định danh {identifier} trong danh bạ.",
            field="sender_identifier",
        )
    return org


def _doc_type(data: RegisterIn) -> DocumentType:
    if data.doc_type_id is not None:
        found = DocumentType.objects.filter(pk=data.doc_type_id, is_active=True).first()
        if found is None:
            raise DomainError(
                f"Không tìm thấy loại văn bản có mã {data.doc_type_id}.", field="doc_type_id"
            )
        return found
    name = nfc(data.doc_type or "").strip()
    active = DocumentType.objects.filter(is_active=True)
    found = active.filter(name=name).first() or active.filter(name__iexact=name).first()
    if found is None:
        raise DomainError(f"Không có loại văn bản “{name}”.", field="doc_type")
    return found


def _register(register_id: int | None) -> Register | None:
    if register_id is None:
        return None
    register = Register.objects.filter(pk=register_id).first()
    if register is None:
        raise DomainError(f"Không tìm thấy sổ có mã {register_id}.", field="register_id")
    return register


def _act(
    request: HttpRequest,
    pk: int,
    action: str | None,
    run: Callable[[User, IncomingDocument], IncomingDocument | None],
) -> DocumentOut:
    """Visible (else 404) → state machine (else 400) → the service (policy 403, rules 400)."""
    actor = _actor(request)
    doc = _visible(actor, pk)
    if action is not None:
        workflow.check(doc, action)
    updated = run(actor, doc)
    return _respond(actor, pk, updated or doc)


def _files(files: list[UploadedFile] | None) -> list[DjangoUploadedFile]:
    return list(files or [])


# --- reference data -----------------------------------------------------------------------


@router.get(
    "/senders",
    response={200: list[SenderOut], 401: ErrorOut},
    summary="Tìm cơ quan gửi trong danh bạ",
    description="Tìm theo tên, tên viết tắt hoặc mã định danh; không phân biệt dấu tiếng Việt.",
)
def sender_search(
    request: HttpRequest,
    q: QueryEx[str, P(description="Từ khóa")] = "",
    limit: QueryEx[int, P(ge=1, le=50, description="Số kết quả tối đa")] = 12,
) -> list[SenderOut]:
    return [sender_out(org) for org in selectors.sender_suggestions(q, limit=limit)]


@router.get(
    "/document-types",
    response={200: list[DocumentTypeOut], 401: ErrorOut},
    summary="Danh mục loại văn bản",
    description="Các loại văn bản đang dùng, với chữ viết tắt dùng trong số ký hiệu.",
)
def document_types(request: HttpRequest) -> list[DocumentTypeOut]:
    return [doc_type_out(t) for t in DocumentType.objects.filter(is_active=True)]


# --- register, list, read -----------------------------------------------------------------


@router.post(
    "",
    response={201: DocumentOut, 409: DuplicateOut, **_ERRORS},
    summary="Vào sổ văn bản đến",
    description=(
        "Văn thư vào sổ một văn bản đến (biểu mẫu multipart, kèm không hoặc nhiều tệp `files`). "
        "Nếu trùng cơ quan gửi, số ký hiệu và ngày văn bản với văn bản đã vào sổ, trả về 409 "
        "cùng các văn bản trước đó; gửi lại với `duplicate_reason` để vẫn vào sổ."
    ),
)
def register(
    request: HttpRequest,
    data: Form[RegisterIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Reply[DocumentOut | DuplicateOut]:
    actor = _actor(request)
    incoming = services.IncomingData(
        sender=_sender(data),
        code_notation=data.code_notation,
        document_date=data.document_date,
        doc_type=_doc_type(data),
        summary=data.summary,
        arrival_date=data.arrival_date,
        signer_name=data.signer_name,
        page_count=data.page_count,
        urgency=data.urgency,
        secrecy=data.secrecy,
        due_date=data.due_date,
        notes=data.notes,
        channel=data.channel,
        register=_register(data.register_id),
        files=_files(files),
    )
    try:
        doc = services.incoming_register(
            actor=actor, data=incoming, duplicate_reason=data.duplicate_reason
        )
    except services.DuplicateFound as duplicate:
        return Reply(
            409,
            DuplicateOut(
                detail=duplicate.message,
                field=duplicate.field,
                earlier=[ref_out(d) for d in duplicate.earlier],
            ),
        )
    return Reply(201, _respond(actor, doc.pk, doc))


@router.get(
    "",
    response={200: DocumentPageOut, 401: ErrorOut, 422: ValidationOut},
    summary="Danh sách văn bản đến",
    description=(
        "Danh sách công việc của người dùng theo `tab` (chờ xử lý, đang xử lý, sắp đến hạn, quá "
        "hạn, đã hoàn thành, để biết) hoặc `tab=register` cho sổ văn bản đến trong phạm vi được "
        "xem. Mỗi trang 25 dòng; `has_next` cho biết còn trang sau (không đếm tổng số)."
    ),
)
def document_list(request: HttpRequest, params: Query[ListQuery]) -> DocumentPageOut:
    actor = _actor(request)
    filters = params.filters()
    if params.tab == REGISTER_TAB:
        page = selectors.register_list(actor, filters, params.page)
        items = [row_out(doc) for doc in page.rows]
    else:
        page = selectors.worklist_page(actor, params.tab, filters, params.page)
        items = [work_row_out(item) for item in page.rows]
    return DocumentPageOut(items=items, page=page.number, has_next=page.has_next)


@router.get(
    "/{int:id}",
    response={200: DocumentOut, **_ERRORS},
    summary="Xem văn bản đến",
    description=(
        "Thông tin văn bản, lịch sử xử lý, người tham gia và tệp đính kèm. Văn bản người dùng "
        "không được xem trả về 404. Mỗi lần xem văn bản mật được ghi nhật ký."
    ),
)
def document_detail(request: HttpRequest, pk: DocId) -> DocumentOut:
    actor = _actor(request)
    doc = _visible(actor, pk)
    services.secret_access_record(actor=actor, document=doc, what="view")
    return document_out(actor, doc)


@router.get(
    "/{int:id}/files/{int:file_id}",
    response={**_ERRORS},
    summary="Tải tệp đính kèm",
    description="Tải một tệp của văn bản. Mỗi lần tải tệp văn bản mật được ghi nhật ký.",
    url_name="incoming_file_download",
    openapi_extra=_DOWNLOAD_DOC,
)
def file_download(request: HttpRequest, pk: DocId, file_id: int) -> FileResponse:
    actor = _actor(request)
    doc = _visible(actor, pk)
    require(actor, "documents.download", doc, "Đồng chí không được tải tệp của văn bản này.")
    stored = doc.files.select_related("blob").filter(pk=file_id).first()
    if stored is None:
        raise Http404("Không tìm thấy tệp.")
    try:
        handle = open_blob(stored.blob)
    except FileNotFoundError:
        raise Http404("Tệp không còn trong kho lưu trữ.") from None
    services.secret_access_record(actor=actor, document=doc, what="download")
    return FileResponse(
        handle, as_attachment=True, filename=stored.name, content_type=stored.blob.content_type
    )


# --- routing actions ----------------------------------------------------------------------


@router.post(
    "/{int:id}/present",
    response=_ACTION_RESPONSES,
    summary="Trình lãnh đạo",
    description="Văn thư trình văn bản lên lãnh đạo văn phòng hoặc Thường trực để cho ý kiến.",
)
def present(request: HttpRequest, pk: DocId, body: PresentIn) -> DocumentOut:
    to = _user(body.to_user_id, "to_user_id")
    return _act(
        request,
        pk,
        A.PRESENT,
        lambda actor, doc: services.incoming_present(
            actor=actor, document=doc, to=to, note=body.note
        ),
    )


@router.post(
    "/{int:id}/return-to-clerk",
    response=_ACTION_RESPONSES,
    summary="Trả lại văn thư",
    description="Lãnh đạo trả văn bản đã trình về văn thư, kèm lý do.",
)
def return_to_clerk(request: HttpRequest, pk: DocId, body: NoteIn) -> DocumentOut:
    return _act(
        request,
        pk,
        A.RETURN_TO_CLERK,
        lambda actor, doc: services.incoming_return_to_clerk(
            actor=actor, document=doc, note=body.note
        ),
    )


def _plan(body: AssignmentIn) -> services.Assignment:
    return services.Assignment(
        direction=body.direction,
        lead_unit=_unit(body.lead_unit_id, "lead_unit_id") if body.lead_unit_id else None,
        lead_user=_user(body.lead_user_id, "lead_user_id") if body.lead_user_id else None,
        co_units=_units(body.co_unit_ids, "co_unit_ids"),
        co_users=_users(body.co_user_ids, "co_user_ids"),
        info_users=_users(body.info_user_ids, "info_user_ids"),
        due_date=body.due_date,
    )


@router.post(
    "/{int:id}/route",
    response=_ACTION_RESPONSES,
    summary="Cho ý kiến chỉ đạo, giao xử lý",
    description=(
        "Lãnh đạo ghi ý kiến chỉ đạo và giao: đúng một nơi chủ trì (`lead_unit_id` hoặc "
        "`lead_user_id`), đơn vị và người phối hợp, người nhận để biết, hạn xử lý."
    ),
)
def route(request: HttpRequest, pk: DocId, body: AssignmentIn) -> DocumentOut:
    plan = _plan(body)
    return _act(
        request,
        pk,
        A.ROUTE,
        lambda actor, doc: services.incoming_route(actor=actor, document=doc, plan=plan),
    )


@router.post(
    "/{int:id}/reassign",
    response=_ACTION_RESPONSES,
    summary="Giao lại",
    description="Lãnh đạo thay đổi việc giao xử lý đã quyết định trước đó.",
)
def reassign(request: HttpRequest, pk: DocId, body: AssignmentIn) -> DocumentOut:
    plan = _plan(body)
    return _act(
        request,
        pk,
        A.REASSIGN,
        lambda actor, doc: services.incoming_reassign(actor=actor, document=doc, plan=plan),
    )


@router.post(
    "/{int:id}/assign-handler",
    response=_ACTION_RESPONSES,
    summary="Phân công chuyên viên xử lý",
    description="Lãnh đạo đơn vị chủ trì phân công chuyên viên xử lý chính và người phối hợp.",
)
def assign_handler(request: HttpRequest, pk: DocId, body: AssignHandlerIn) -> DocumentOut:
    handler = _user(body.handler_id, "handler_id")
    co_users = _users(body.co_user_ids, "co_user_ids")
    return _act(
        request,
        pk,
        A.ASSIGN_HANDLER,
        lambda actor, doc: services.incoming_assign_handler(
            actor=actor, document=doc, handler=handler, note=body.note, co_users=co_users
        ),
    )


@router.post(
    "/{int:id}/forward",
    response=_ACTION_RESPONSES,
    summary="Chuyển đơn vị khác chủ trì",
    description=(
        "Lãnh đạo đơn vị chủ trì (hoặc lãnh đạo văn phòng) chuyển văn bản sang đơn vị khác."
    ),
)
def forward(request: HttpRequest, pk: DocId, body: ForwardIn) -> DocumentOut:
    to_unit = _unit(body.to_unit_id, "to_unit_id")
    return _act(
        request,
        pk,
        A.FORWARD,
        lambda actor, doc: services.incoming_forward(
            actor=actor, document=doc, to_unit=to_unit, note=body.note
        ),
    )


@router.post(
    "/{int:id}/start",
    response=_ACTION_RESPONSES,
    summary="Nhận xử lý",
    description="Chuyên viên xử lý chính bắt đầu xử lý (chuyển sang danh sách đang xử lý).",
)
def start(request: HttpRequest, pk: DocId) -> DocumentOut:
    return _act(
        request,
        pk,
        A.START,
        lambda actor, doc: services.incoming_start(actor=actor, document=doc),
    )


@router.post(
    "/{int:id}/progress",
    response=_ACTION_RESPONSES,
    summary="Cập nhật tiến độ xử lý",
    description="Biểu mẫu multipart: nội dung tiến độ `note` và không hoặc nhiều tệp `files`.",
)
def progress(
    request: HttpRequest,
    pk: DocId,
    note: Form[str] = "",
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> DocumentOut:
    uploads = _files(files)
    return _act(
        request,
        pk,
        A.PROGRESS,
        lambda actor, doc: services.incoming_progress(
            actor=actor, document=doc, note=note, files=uploads
        ),
    )


@router.post(
    "/{int:id}/co-done",
    response=_ACTION_RESPONSES,
    summary="Hoàn thành phần phối hợp",
    description="Người phối hợp báo đã xong phần việc của mình.",
)
def co_done(request: HttpRequest, pk: DocId, body: NoteIn) -> DocumentOut:
    return _act(
        request,
        pk,
        A.CO_DONE,
        lambda actor, doc: services.incoming_co_done(actor=actor, document=doc, note=body.note),
    )


@router.post(
    "/{int:id}/complete",
    response=_ACTION_RESPONSES,
    summary="Báo cáo hoàn thành xử lý",
    description="Chuyên viên xử lý chính báo hoàn thành; lãnh đạo đã giao xem xét và kết thúc.",
)
def complete(request: HttpRequest, pk: DocId, body: CompleteIn) -> DocumentOut:
    return _act(
        request,
        pk,
        A.COMPLETE,
        lambda actor, doc: services.incoming_complete(
            actor=actor, document=doc, note=body.note, reply_reference=body.reply_reference
        ),
    )


@router.post(
    "/{int:id}/return",
    response=_ACTION_RESPONSES,
    summary="Trả lại, yêu cầu xử lý lại",
    description="Lãnh đạo trả kết quả về chuyên viên để xử lý tiếp, kèm yêu cầu.",
)
def return_for_rework(request: HttpRequest, pk: DocId, body: NoteIn) -> DocumentOut:
    return _act(
        request,
        pk,
        A.RETURN,
        lambda actor, doc: services.incoming_return(actor=actor, document=doc, note=body.note),
    )


@router.post(
    "/{int:id}/extend",
    response=_ACTION_RESPONSES,
    summary="Gia hạn xử lý",
    description="Lãnh đạo đặt hạn xử lý mới, muộn hơn hạn hiện tại.",
)
def extend(request: HttpRequest, pk: DocId, body: ExtendIn) -> DocumentOut:
    return _act(
        request,
        pk,
        A.EXTEND,
        lambda actor, doc: services.incoming_extend(
            actor=actor, document=doc, due_date=body.due_date, note=body.note
        ),
    )


@router.post(
    "/{int:id}/close",
    response=_ACTION_RESPONSES,
    summary="Kết thúc văn bản",
    description="Lãnh đạo kết thúc việc xử lý (sau khi có kết quả, hoặc lưu để biết).",
)
def close(request: HttpRequest, pk: DocId, body: NoteIn) -> DocumentOut:
    return _act(
        request,
        pk,
        A.CLOSE,
        lambda actor, doc: services.incoming_close(actor=actor, document=doc, note=body.note),
    )


@router.post(
    "/{int:id}/cancel",
    response=_ACTION_RESPONSES,
    summary="Hủy vào sổ",
    description="Văn thư hủy một văn bản chưa giao xử lý; số đến vẫn giữ trong sổ, ghi “hủy”.",
)
def cancel(request: HttpRequest, pk: DocId, body: CancelIn) -> DocumentOut:
    return _act(
        request,
        pk,
        A.CANCEL,
        lambda actor, doc: services.incoming_cancel(actor=actor, document=doc, reason=body.reason),
    )


def _mark_read(actor: User, doc: IncomingDocument) -> None:
    services.incoming_mark_read(actor=actor, document=doc)


@router.post(
    "/{int:id}/mark-read",
    response=_ACTION_RESPONSES,
    summary="Đánh dấu đã xem (để biết)",
    description="Người nhận văn bản để biết đánh dấu đã xem.",
)
def mark_read(request: HttpRequest, pk: DocId) -> DocumentOut:
    return _act(request, pk, None, _mark_read)
