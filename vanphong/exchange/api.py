"""API endpoints of the exchange (router mounted at /api/v1/exchange). Thin wrappers over the
services and selectors; the inbox other nodes post to is /lien-thong/inbox/ (views.inbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from vanphong.core.models import User
from vanphong.core.policy import require
from vanphong.documents.models import DocumentType
from vanphong.drafting import selectors as drafting_selectors
from vanphong.exchange import selectors, services
from vanphong.exchange.models import Arrival
from vanphong.numbering.models import Register

router = Router()


class ArrivalOut(Schema):
    id: int
    document_id: str
    sender_identifier: str
    sender: str
    organisation_identifier: str
    code_notation: str
    document_date: dt.date
    summary: str
    state: str
    recall_state: str
    incoming_id: int | None
    received_at: dt.datetime


class ArrivalQuery(Schema):
    state: str = "pending"  # pending (chờ tiếp nhận, or a recall to answer) | decided
    limit: int = 100
    offset: int = 0


class AcceptIn(Schema):
    doc_type_id: int | None = None
    register_id: int | None = None
    due_date: dt.date | None = None
    duplicate_reason: str = ""


class AcceptOut(Schema):
    id: int
    state: str
    incoming_id: int | None
    arrival_number: int | None


class ReasonIn(Schema):
    reason: str


class RecallAnswerIn(Schema):
    accept: bool
    note: str = ""


class StatusOut(Schema):
    code: str
    label: str
    description: str
    at: dt.datetime | None
    received_at: dt.datetime


class DispatchOut(Schema):
    to_identifier: str
    organisation: str
    document_id: str
    delivery_state: str
    attempts: int
    last_error: str
    statuses: list[StatusOut]


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _arrival_out(a: Arrival) -> ArrivalOut:
    return ArrivalOut(
        id=a.pk,
        document_id=a.document_id,
        sender_identifier=a.sender_identifier,
        sender=a.sender.full_name,
        organisation_identifier=a.organisation.identifier,
        code_notation=a.code_notation,
        document_date=a.document_date,
        summary=a.summary,
        state=a.state,
        recall_state=a.recall_state,
        incoming_id=a.incoming_id,
        received_at=a.received_at,
    )


def _arrival(actor: User, pk: int) -> Arrival:
    arrival = selectors.arrival_detail(actor, pk)
    if arrival is None:
        raise Http404("Không tìm thấy văn bản điện tử.")
    return arrival


@router.get("/arrivals", response=list[ArrivalOut], summary="Văn bản điện tử đến")
def arrivals(request: HttpRequest, params: Query[ArrivalQuery]) -> list[ArrivalOut]:
    actor = _actor(request)
    which = "da" if params.state == "decided" else "cho"
    limit = max(1, min(params.limit, 500))
    offset = max(0, params.offset)
    rows = selectors.arrivals(actor, which)[offset : offset + limit]
    return [_arrival_out(a) for a in rows]


@router.post("/arrivals/{pk}/accept", response=AcceptOut, summary="Tiếp nhận, vào sổ")
def accept(request: HttpRequest, pk: int, body: AcceptIn) -> AcceptOut:
    actor = _actor(request)
    arrival = _arrival(actor, pk)
    doc_type = (
        DocumentType.objects.filter(pk=body.doc_type_id).first() if body.doc_type_id else None
    )
    register = Register.objects.filter(pk=body.register_id).first() if body.register_id else None
    doc = services.arrival_accept(
        actor=actor,
        arrival=arrival,
        doc_type=doc_type,
        register=register,
        due_date=body.due_date,
        duplicate_reason=body.duplicate_reason,
    )
    return AcceptOut(
        id=arrival.pk, state="accepted", incoming_id=doc.pk, arrival_number=doc.arrival_number
    )


@router.post("/arrivals/{pk}/refuse", response=AcceptOut, summary="Từ chối tiếp nhận")
def refuse(request: HttpRequest, pk: int, body: ReasonIn) -> AcceptOut:
    actor = _actor(request)
    row = services.arrival_refuse(actor=actor, arrival=_arrival(actor, pk), reason=body.reason)
    return AcceptOut(id=row.pk, state=row.state, incoming_id=None, arrival_number=None)


@router.post("/arrivals/{pk}/recall-answer", response=ArrivalOut, summary="Trả lời thu hồi")
def recall_answer(request: HttpRequest, pk: int, body: RecallAnswerIn) -> ArrivalOut:
    actor = _actor(request)
    row = services.recall_answer(
        actor=actor, arrival=_arrival(actor, pk), accept=body.accept, note=body.note
    )
    return _arrival_out(_arrival(actor, row.pk))


@router.get(
    "/outgoing/{pk}/statuses",
    response=list[DispatchOut],
    summary="Trạng thái liên thông của một văn bản đi",
)
def outgoing_statuses(request: HttpRequest, pk: int) -> list[DispatchOut]:
    actor = _actor(request)
    doc = drafting_selectors.detail(actor, pk)
    if doc is None:
        raise Http404("Không tìm thấy văn bản đi.")
    dispatches = selectors.timeline(actor, doc) or []
    out = []
    for d in dispatches:
        sent: Any = next((m for m in d.messages.all() if m.kind == "document"), None)
        out.append(
            DispatchOut(
                to_identifier=d.to_identifier,
                organisation=d.organisation.full_name,
                document_id=d.document_id,
                delivery_state=sent.state if sent else "",
                attempts=sent.attempts if sent else 0,
                last_error=sent.last_error if sent else "",
                statuses=[
                    StatusOut(
                        code=s.code,
                        label=s.get_code_display(),
                        description=s.description,
                        at=s.at,
                        received_at=s.received_at,
                    )
                    for s in d.statuses.all()
                ],
            )
        )
    return out


@router.post("/deliver", summary="Gửi ngay các gói tin đến hạn (quản trị)")
def deliver_now(request: HttpRequest) -> dict[str, int]:
    actor = _actor(request)
    require(actor, "exchange.manage_directory", None, "Chỉ quản trị hệ thống.")
    return services.deliver_due(limit=10_000)
