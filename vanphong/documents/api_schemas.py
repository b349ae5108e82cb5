"""Typed request and response schemas of the incoming-documents API, and their builders.

The builders turn rows already read through the selectors into schemas; they never query
IncomingDocument themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator, model_validator

from vanphong.core.models import Organisation, Unit, User
from vanphong.core.policy import can
from vanphong.documents import selectors
from vanphong.documents.models import (
    DocumentEvent,
    DocumentFile,
    DocumentType,
    IncomingDocument,
    Status,
    WorkItem,
)

REGISTER_TAB = "register"
TAB_CHOICES = [*selectors.TABS, REGISTER_TAB]
SORT_CHOICES = list(selectors.SORTS)


class _BlankIsNone(Schema):
    """Form and query values arrive as strings: an empty optional field means "not given"."""

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name
        if value == "" and name is not None:
            field = cls.model_fields.get(name)
            if field is not None and field.default is None and not field.is_required():
                return None
        return value


# --- references ---------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    username: str
    full_name: str


class UnitOut(Schema):
    id: int
    name: str


class SenderOut(Schema):
    id: int
    full_name: str
    short_name: str
    identifier: str = Field(description="Mã định danh (QĐ 20/2020/QĐ-TTg), có thể trống")


class DocumentTypeOut(Schema):
    id: int
    name: str
    abbr: str


class DocumentRefOut(Schema):
    """An earlier entry of the register (for duplicates)."""

    id: int
    arrival_number: int
    arrival_date: date
    code_notation: str


# --- documents ----------------------------------------------------------------------------


class WorkOut(Schema):
    """The reader's own part in the document (work lists only)."""

    kind: str
    kind_label: str
    status: str
    status_label: str
    due_date: date | None
    created_at: datetime


class DocumentRowOut(Schema):
    id: int
    arrival_number: int
    arrival_date: date
    channel: str
    sender: SenderOut
    code_notation: str
    document_date: date
    doc_type: DocumentTypeOut
    summary: str = Field(description="Trích yếu; “Văn bản mật” khi hệ thống không lưu nội dung")
    urgency: int
    urgency_label: str
    secrecy: int
    secrecy_label: str
    status: str
    status_label: str
    due_date: date | None
    lead_unit: UnitOut | None
    handler: PersonOut | None
    work: WorkOut | None = None


class EventOut(Schema):
    at: datetime
    actor: PersonOut
    on_behalf_of: PersonOut | None = Field(description="Lãnh đạo ủy quyền, khi xử lý thay")
    action: str
    action_label: str
    from_status: str
    to_status: str
    note: str


class ParticipantOut(Schema):
    user: PersonOut
    kind: str
    kind_label: str
    status: str
    status_label: str
    due_date: date | None
    unit: UnitOut | None
    done_at: datetime | None


class FileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    role: str
    role_label: str
    uploaded_at: datetime
    url: str = Field(description="Đường dẫn tải tệp qua API")


class DocumentOut(DocumentRowOut):
    register_name: str = Field(description="Sổ văn bản đến")
    received_at: datetime
    signer_name: str
    page_count: int | None
    content_withheld: bool = Field(
        description="Văn bản mật trên mạng kết nối: chỉ lưu số, ngày, nơi gửi, số ký hiệu"
    )
    notes: str
    registered_by: PersonOut
    presented_to: PersonOut | None
    direction: str = Field(description="Ý kiến chỉ đạo")
    routed_by: PersonOut | None
    lead_user: PersonOut | None
    duplicate_of: DocumentRefOut | None
    duplicate_reason: str
    reply_reference: str
    completed_at: datetime | None
    completed_on_time: bool | None
    cancel_reason: str
    history: list[EventOut]
    participants: list[ParticipantOut]
    files: list[FileOut]


class DocumentPageOut(Schema):
    items: list[DocumentRowOut]
    page: int
    has_next: bool


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class ValidationOut(Schema):
    detail: str
    errors: list[dict[str, Any]] = Field(description="Chi tiết từng trường không hợp lệ")


class DuplicateOut(Schema):
    detail: str = Field(description="Thông báo trùng văn bản, bằng tiếng Việt")
    field: str | None = None
    earlier: list[DocumentRefOut]


# --- inputs -------------------------------------------------------------------------------


class RegisterIn(_BlankIsNone):
    """Metadata of the incoming register (sổ văn bản đến)."""

    sender_id: int | None = Field(None, description="Mã cơ quan gửi trong danh bạ")
    sender_identifier: str | None = Field(
        None, description="Hoặc mã định danh cơ quan gửi, ví dụ 000.00.00.G22"
    )
    code_notation: str = Field(description="Số và ký hiệu, ví dụ 05-CT/TU")
    document_date: date = Field(description="Ngày văn bản (YYYY-MM-DD)")
    doc_type_id: int | None = Field(None, description="Mã loại văn bản")
    doc_type: str | None = Field(None, description="Hoặc tên loại văn bản, ví dụ Công văn")
    summary: str = Field("", description="Trích yếu")
    arrival_date: date | None = Field(None, description="Ngày đến; mặc định hôm nay")
    signer_name: str = ""
    page_count: int | None = None
    urgency: int = Field(0, ge=0, le=4, description="0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc")
    secrecy: int = Field(0, ge=0, le=3, description="0 thường, 1 mật, 2 tối mật, 3 tuyệt mật")
    due_date: date | None = Field(None, description="Hạn xử lý")
    notes: str = ""
    channel: Literal["paper", "electronic"] = "paper"
    register_id: int | None = Field(None, description="Sổ văn bản đến; mặc định theo độ mật")
    duplicate_reason: str = Field("", description="Lý do vẫn vào sổ khi bị báo trùng")

    @model_validator(mode="after")
    def _one_sender_and_type(self) -> RegisterIn:
        if self.sender_id is None and not (self.sender_identifier or "").strip():
            raise ValueError("Cần sender_id hoặc sender_identifier (cơ quan gửi).")
        if self.doc_type_id is None and not (self.doc_type or "").strip():
            raise ValueError("Cần doc_type_id hoặc doc_type (loại văn bản).")
        return self


class ListQuery(_BlankIsNone):
    tab: str = Field(
        "cho_xu_ly",
        description="Danh sách công việc (" + ", ".join(selectors.TABS) + ") hoặc "
        f"“{REGISTER_TAB}” cho toàn bộ sổ văn bản đến được xem",
        json_schema_extra={"enum": [*TAB_CHOICES]},
    )
    date_from: date | None = Field(None, description="Ngày đến từ")
    date_to: date | None = Field(None, description="Ngày đến tới")
    sender_id: int | None = None
    doc_type_id: int | None = None
    urgency: int | None = Field(None, ge=0, le=4)
    unit_id: int | None = Field(None, description="Đơn vị chủ trì")
    status: Status | None = None
    q: str = Field("", description="Tìm trong số ký hiệu và trích yếu")
    sort: str = Field("moi_nhat", json_schema_extra={"enum": [*SORT_CHOICES]})
    page: int = Field(1, ge=1)

    @field_validator("tab")
    @classmethod
    def _known_tab(cls, value: str) -> str:
        if value not in TAB_CHOICES:
            raise ValueError("Danh sách không hợp lệ; chọn một trong: " + ", ".join(TAB_CHOICES))
        return value

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value not in SORT_CHOICES:
            raise ValueError(
                "Cách sắp xếp không hợp lệ; chọn một trong: " + ", ".join(SORT_CHOICES)
            )
        return value

    def filters(self) -> selectors.ListFilters:
        return selectors.ListFilters(
            date_from=self.date_from,
            date_to=self.date_to,
            sender_id=self.sender_id,
            doc_type_id=self.doc_type_id,
            urgency=self.urgency,
            unit_id=self.unit_id,
            status=self.status.value if self.status else None,
            text=self.q,
            sort=self.sort,
        )


class NoteIn(Schema):
    note: str = Field("", description="Ghi chú, ý kiến")


class PresentIn(NoteIn):
    to_user_id: int = Field(description="Lãnh đạo nhận trình")


class AssignmentIn(Schema):
    """Ý kiến chỉ đạo: đúng một nơi chủ trì (đơn vị hoặc người), phối hợp, để biết, hạn."""

    direction: str = Field("", description="Ý kiến chỉ đạo")
    lead_unit_id: int | None = Field(None, description="Đơn vị chủ trì")
    lead_user_id: int | None = Field(None, description="Hoặc người chủ trì, xử lý chính")
    co_unit_ids: list[int] = Field(default_factory=list, description="Đơn vị phối hợp")
    co_user_ids: list[int] = Field(default_factory=list, description="Người phối hợp")
    info_user_ids: list[int] = Field(default_factory=list, description="Người nhận để biết")
    due_date: date | None = Field(None, description="Hạn xử lý")


class AssignHandlerIn(NoteIn):
    handler_id: int = Field(description="Chuyên viên xử lý chính, thuộc đơn vị chủ trì")
    co_user_ids: list[int] = Field(default_factory=list, description="Người phối hợp trong đơn vị")


class ForwardIn(NoteIn):
    to_unit_id: int = Field(description="Đơn vị nhận chủ trì mới")


class CompleteIn(NoteIn):
    reply_reference: str = Field("", description="Văn bản trả lời (số ký hiệu), nếu có")


class ExtendIn(NoteIn):
    due_date: date = Field(description="Hạn xử lý mới")


class CancelIn(Schema):
    reason: str = Field("", description="Lý do hủy vào sổ")


# --- builders -----------------------------------------------------------------------------


def person_out(user: User | None) -> PersonOut | None:
    if user is None:
        return None
    return PersonOut(id=user.pk, username=user.username, full_name=user.full_name)


def unit_out(unit: Unit | None) -> UnitOut | None:
    return UnitOut(id=unit.pk, name=unit.name) if unit is not None else None


def sender_out(org: Organisation) -> SenderOut:
    return SenderOut(
        id=org.pk, full_name=org.full_name, short_name=org.short_name, identifier=org.identifier
    )


def doc_type_out(doc_type: DocumentType) -> DocumentTypeOut:
    return DocumentTypeOut(id=doc_type.pk, name=doc_type.name, abbr=doc_type.abbr)


def ref_out(doc: IncomingDocument) -> DocumentRefOut:
    return DocumentRefOut(
        id=doc.pk,
        arrival_number=doc.arrival_number,
        arrival_date=doc.arrival_date,
        code_notation=doc.code_notation,
    )


def _row_fields(doc: IncomingDocument) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "arrival_number": doc.arrival_number,
        "arrival_date": doc.arrival_date,
        "channel": doc.channel,
        "sender": sender_out(doc.sender),
        "code_notation": doc.code_notation,
        "document_date": doc.document_date,
        "doc_type": doc_type_out(doc.doc_type),
        "summary": doc.display_summary,
        "urgency": doc.urgency,
        "urgency_label": doc.get_urgency_display(),
        "secrecy": doc.secrecy,
        "secrecy_label": doc.get_secrecy_display(),
        "status": doc.status,
        "status_label": doc.get_status_display(),
        "due_date": doc.due_date,
        "lead_unit": unit_out(doc.lead_unit),
        "handler": person_out(doc.handler),
    }


def row_out(doc: IncomingDocument) -> DocumentRowOut:
    return DocumentRowOut(**_row_fields(doc))


def work_row_out(item: WorkItem) -> DocumentRowOut:
    work = WorkOut(
        kind=item.kind,
        kind_label=item.get_kind_display(),
        status=item.status,
        status_label=item.get_status_display(),
        due_date=item.due_date,
        created_at=item.created_at,
    )
    return DocumentRowOut(**_row_fields(item.document), work=work)


def event_out(event: DocumentEvent) -> EventOut:
    actor = person_out(event.actor)
    assert actor is not None
    return EventOut(
        at=event.at,
        actor=actor,
        on_behalf_of=person_out(event.on_behalf_of),
        action=event.action,
        action_label=event.get_action_display(),
        from_status=event.from_status,
        to_status=event.to_status,
        note=event.note,
    )


def participant_out(item: WorkItem) -> ParticipantOut:
    user = person_out(item.user)
    assert user is not None
    return ParticipantOut(
        user=user,
        kind=item.kind,
        kind_label=item.get_kind_display(),
        status=item.status,
        status_label=item.get_status_display(),
        due_date=item.due_date,
        unit=unit_out(item.unit),
        done_at=item.done_at,
    )


def file_out(doc: IncomingDocument, stored: DocumentFile) -> FileOut:
    return FileOut(
        id=stored.pk,
        name=stored.name,
        size=stored.blob.size,
        content_type=stored.blob.content_type,
        sha256=stored.blob.sha256,
        role=stored.role,
        role_label=stored.get_role_display(),
        uploaded_at=stored.uploaded_at,
        url=reverse("api:incoming_file_download", kwargs={"id": doc.pk, "file_id": stored.pk}),
    )


def document_out(viewer: User, doc: IncomingDocument) -> DocumentOut:
    """The full document: metadata, history (timeline), participants and files."""
    registered_by = person_out(doc.registered_by)
    assert registered_by is not None
    earlier = doc.duplicate_of
    if earlier is not None and not can(viewer, "documents.view", earlier):
        earlier = None  # the earlier entry may be one the viewer is not allowed to see
    files = doc.files.select_related("blob").order_by("uploaded_at", "id")
    return DocumentOut(
        **_row_fields(doc),
        register_name=doc.register.name,
        received_at=doc.received_at,
        signer_name=doc.signer_name,
        page_count=doc.page_count,
        content_withheld=doc.content_withheld,
        notes=doc.notes,
        registered_by=registered_by,
        presented_to=person_out(doc.presented_to),
        direction=doc.direction,
        routed_by=person_out(doc.routed_by),
        lead_user=person_out(doc.lead_user),
        duplicate_of=ref_out(earlier) if earlier is not None else None,
        duplicate_reason=doc.duplicate_reason,
        reply_reference=doc.reply_reference,
        completed_at=doc.completed_at,
        completed_on_time=doc.completed_on_time,
        cancel_reason=doc.cancel_reason,
        history=[event_out(e) for e in selectors.timeline(doc)],
        participants=[participant_out(i) for i in selectors.participants(doc)],
        files=[file_out(doc, f) for f in files],
    )
