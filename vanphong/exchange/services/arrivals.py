"""The văn thư's decisions on electronic arrivals: accept (→ incoming register), refuse, and
answer a recall request from the sender (15 accept / 16 refuse)."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError, InvalidTransition
from vanphong.core.models import User
from vanphong.core.policy import can, require
from vanphong.documents.models import Channel, DocumentType, IncomingDocument, Status
from vanphong.documents.services import IncomingData, incoming_cancel, incoming_register
from vanphong.exchange.models import (
    ARRIVAL_TRANSITIONS,
    Arrival,
    ArrivalState,
    RecallState,
    StatusCode,
)
from vanphong.exchange.services.statuses import emit_status
from vanphong.files.store import open_blob
from vanphong.numbering.models import Register

_DENIED = "Chỉ văn thư của cơ quan nhận mới được tiếp nhận hoặc từ chối văn bản điện tử."


def _begin(actor: User, arrival: Arrival | int, to: str) -> Arrival:
    pk = arrival if isinstance(arrival, int) else arrival.pk
    row = Arrival.objects.select_for_update().select_related("organisation", "sender").get(pk=pk)
    require(actor, "exchange.receive", row, _DENIED)
    if to not in ARRIVAL_TRANSITIONS[row.state]:
        raise InvalidTransition(
            f"Văn bản điện tử đang ở trạng thái “{row.get_state_display()}”, không thể "
            f"chuyển sang “{ArrivalState(to).label}”."
        )
    return row


def guess_doc_type(arrival: Arrival) -> DocumentType | None:
    name = arrival.type_name.strip()
    types = DocumentType.objects.filter(is_active=True)
    if name:
        found = types.filter(name__iexact=name).first()
        if found is not None:
            return found
    return None


def arrival_accept(
    *,
    actor: User,
    arrival: Arrival | int,
    doc_type: DocumentType | None = None,
    register: Register | None = None,
    due_date: date | None = None,
    duplicate_reason: str = "",
) -> IncomingDocument:
    """Register the arrival as an incoming document (channel: electronic) with its files; the
    PDF signatures are checked by the worker after commit; status 03 goes back."""
    with transaction.atomic():
        row = _begin(actor, arrival, ArrivalState.ACCEPTED)
        chosen_type = doc_type or guess_doc_type(row)
        if chosen_type is None:
            raise DomainError(
                f"Loại văn bản “{row.type_name or 'không ghi'}” không có trong danh mục; hãy chọn "
                "loại văn bản.",
                field="doc_type",
            )
        uploads = []
        for item in row.files.select_related("blob"):
            with open_blob(item.blob) as handle:
                uploads.append(SimpleUploadedFile(item.name, handle.read(), item.blob.content_type))
        today = timezone.localdate()
        doc = incoming_register(
            actor=actor,
            data=IncomingData(
                sender=row.sender,
                code_notation=row.code_notation,
                document_date=min(row.document_date, today),
                doc_type=chosen_type,
                summary=row.summary or f"Văn bản {row.code_notation}",
                arrival_date=today,
                signer_name=row.signer_name,
                page_count=row.page_count,
                urgency=row.urgency,
                due_date=due_date if due_date is not None else _due(row, today),
                notes=f"Nhận qua liên thông điện tử (DocumentId {row.document_id}).",
                channel=Channel.ELECTRONIC,
                register=register,
                files=uploads,
            ),
            duplicate_reason=duplicate_reason,
        )
        row.state, row.incoming = ArrivalState.ACCEPTED, doc
        row.decided_by, row.decided_at = actor, timezone.now()
        row.save(update_fields=["state", "incoming", "decided_by", "decided_at"])
        emit_status(
            arrival=row,
            code=StatusCode.REGISTERED,
            description=f"Đã tiếp nhận, vào sổ văn bản đến số {doc.arrival_number}.",
            staff=actor.full_name,
        )
        audit_record(
            actor=actor,
            action="exchange.accept",
            obj=row,
            summary=f"Tiếp nhận văn bản điện tử {row.code_notation}: số đến {doc.arrival_number}",
            data={"document_id": row.document_id, "incoming": doc.pk},
        )
    return doc


def _due(row: Arrival, today: date) -> date | None:
    return row.due_date if row.due_date is not None and row.due_date >= today else None


def arrival_refuse(*, actor: User, arrival: Arrival | int, reason: str) -> Arrival:
    """Refuse the arrival (wrong recipient, incomplete, not signed...): status 02 with the
    reason goes back to the sender."""
    if not reason.strip():
        raise DomainError("Vui lòng ghi lý do từ chối.", field="reason")
    with transaction.atomic():
        row = _begin(actor, arrival, ArrivalState.REFUSED)
        row.state, row.refuse_reason = ArrivalState.REFUSED, reason.strip()[:500]
        row.decided_by, row.decided_at = actor, timezone.now()
        row.save(update_fields=["state", "refuse_reason", "decided_by", "decided_at"])
        emit_status(
            arrival=row,
            code=StatusCode.REFUSED,
            description=f"Từ chối tiếp nhận: {row.refuse_reason}",
            staff=actor.full_name,
        )
        audit_record(
            actor=actor,
            action="exchange.refuse",
            obj=row,
            summary=f"Từ chối văn bản điện tử {row.code_notation}: {row.refuse_reason}"[:500],
            data={"document_id": row.document_id},
        )
    return row


def recall_answer(*, actor: User, arrival: Arrival | int, accept: bool, note: str = "") -> Arrival:
    """Answer the sender's recall request: accept (the arrival is withdrawn; a registered
    incoming document is cancelled, or closed when already being handled) → 15; refuse → 16."""
    if not accept and not note.strip():
        raise DomainError("Vui lòng ghi lý do từ chối thu hồi.", field="note")
    with transaction.atomic():
        pk = arrival if isinstance(arrival, int) else arrival.pk
        row = Arrival.objects.select_for_update().select_related("organisation").get(pk=pk)
        require(actor, "exchange.receive", row, _DENIED)
        if row.recall_state != RecallState.REQUESTED:
            raise InvalidTransition("Không có đề nghị thu hồi nào đang chờ trả lời.")
        reason = note.strip() or row.recall_reason
        if accept:
            _withdraw(actor, row, reason)
            row.recall_state = RecallState.ACCEPTED
        else:
            row.recall_state = RecallState.REFUSED
        row.recall_answer = note.strip()[:500]
        row.save(update_fields=["recall_state", "recall_answer", "state"])
        code = StatusCode.RECALL_ACCEPTED if accept else StatusCode.RECALL_REFUSED
        emit_status(
            arrival=row,
            code=code,
            description=("Đồng ý thu hồi" if accept else f"Từ chối thu hồi: {note.strip()}")[:500],
            staff=actor.full_name,
        )
        audit_record(
            actor=actor,
            action="exchange.recall_accept" if accept else "exchange.recall_refuse",
            obj=row,
            summary=(
                f"{'Đồng ý' if accept else 'Từ chối'} thu hồi văn bản điện tử {row.code_notation}"
            ),
            data={"document_id": row.document_id, "note": note.strip()[:300]},
        )
    return row


def _withdraw(actor: User, row: Arrival, reason: str) -> None:
    text = f"Thu hồi theo đề nghị của nơi gửi: {reason}"[:300]
    if row.incoming_id is not None:
        doc = IncomingDocument.objects.get(pk=row.incoming_id)
        if doc.status in (Status.REGISTERED, Status.PRESENTED):
            incoming_cancel(actor=actor, document=doc, reason=text)
        elif doc.status not in (Status.CANCELLED, Status.CLOSED):
            from vanphong.documents.services import incoming_close

            if not can(actor, "documents.route", doc):
                raise DomainError(
                    "Văn bản đã được giao xử lý: lãnh đạo cần kết thúc văn bản trước, hoặc từ "
                    "chối đề nghị thu hồi kèm lý do."
                )
            incoming_close(actor=actor, document=doc, note=text)
    if ArrivalState.RECALLED in ARRIVAL_TRANSITIONS[row.state]:
        row.state = ArrivalState.RECALLED
