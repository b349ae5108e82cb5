"""Sender side: an issued document goes to each exchange recipient as one signed package, written
to the outbox in the issuance transaction; a recall asks every recipient for the document back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from vanphong.core.audit import Entry, audit_record, audit_record_many
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, Secrecy, User
from vanphong.core.policy import can
from vanphong.drafting.models import (
    Delivery,
    DispatchStatus,
    OutgoingDocument,
    OutStatus,
    Recipient,
    lines_in_order,
)
from vanphong.exchange import packages
from vanphong.exchange.models import Dispatch, Kind, Message, State, StatusCode, StatusEntry
from vanphong.exchange.services import outbox
from vanphong.files.store import open_blob

SECRET_REFUSAL = (
    "Văn bản mật không được gửi qua liên thông điện tử: Luật Bảo vệ bí mật nhà nước cấm soạn "
    "thảo, lưu giữ, truyền đưa bí mật nhà nước trên mạng kết nối Internet hoặc mạng không được "
    "bảo vệ; theo quy định của Đảng, văn bản “Mật” chỉ được truyền khi đã mã hóa bằng mật mã của "
    "Ban Cơ yếu Chính phủ, văn bản “Tối mật”, “Tuyệt mật” chỉ gửi qua đường cơ yếu. Hãy gửi bản "
    "giấy theo quy định bảo vệ bí mật nhà nước."
)


def exchange_refusal(doc: OutgoingDocument) -> str:
    """Why this document cannot go through the exchange ("" when it can)."""
    if doc.secrecy > Secrecy.NONE:
        return SECRET_REFUSAL
    if not doc.organisation.identifier:
        return (
            f"{doc.organisation.full_name} chưa có mã định danh (QĐ 20/2020/QĐ-TTg) nên chưa gửi "
            "được qua liên thông. Quản trị cần nhập mã định danh của cơ quan."
        )
    return ""


@dataclass(frozen=True)
class Prepared:
    """A recipient's signed package, built before the dispatch transaction; `key` is what it was
    built from (see `_inputs`)."""

    key: tuple[object, ...]
    body: bytes


def _inputs(doc: OutgoingDocument, line: Recipient, places: list[str]) -> tuple[object, ...]:
    """What a package is built from, as far as it can change once the document is issued: the
    document row (any save moves `updated_at`), its final PDF, the list of places it is sent to
    and the recipient organisation."""
    stamp: datetime = doc.updated_at
    return (stamp, doc.status, doc.final_pdf_id, tuple(places), line.pk, line.organisation_id)


def _places(doc: OutgoingDocument) -> list[str]:
    """The "Nơi nhận" of the package: every recipient line, whatever its delivery."""
    return [r.label for r in doc.recipients.all()]


def exchange_prepare(*, actor: User, document: OutgoingDocument | int) -> dict[int, Prepared]:
    """The signed packages of the document's recipients still waiting for the exchange, built
    before the dispatch transaction begins, by recipient line.

    Reading the PDF and signing took most of a dispatch's time, and on SQLite a write
    transaction holds the whole database's lock from BEGIN: a văn thư dispatching one document
    after another kept the outbox worker from ever claiming a row. Nothing is written here; the
    transaction uses a package only when `_inputs` are unchanged (`exchange_enqueue`), and
    builds it again otherwise."""
    pk = document if isinstance(document, int) else document.pk
    related = ("organisation__parent", "doc_type", "signer", "final_pdf")
    try:  # get(), not first(): no ORDER BY to compile (see `lines_in_order`)
        doc = OutgoingDocument.objects.select_related(*related).get(pk=pk)
    except OutgoingDocument.DoesNotExist:
        return {}
    if doc.status != OutStatus.ISSUED:
        return {}
    if exchange_refusal(doc) or not can(actor, "drafting.issue", doc):
        return {}
    # every line (the package lists them all), with the organisation and its parent, which the
    # package names
    lines = lines_in_order(doc.recipients.select_related("organisation__parent"))
    places = [line.label for line in lines]
    prepared = {}
    for line in lines:
        if line.status != DispatchStatus.PENDING or line.delivery != Delivery.EXCHANGE:
            continue
        if line.organisation is not None and line.organisation.identifier:
            body = _build(doc, line.organisation, places)
            if body is not None:
                prepared[line.pk] = Prepared(_inputs(doc, line, places), body)
    return prepared


def _build(doc: OutgoingDocument, recipient: Organisation, places: list[str]) -> bytes | None:
    pdf_blob = doc.pdf_to_send  # None while a required signature is missing
    if pdf_blob is None or not doc.notation or doc.issue_date is None:
        return None
    with open_blob(pdf_blob) as handle:
        pdf = handle.read()
    return packages.build_document(
        doc=doc,
        recipient=recipient,
        attachments=[(packages.file_name(doc.notation), pdf, "application/pdf")],
        to_places=places,
    )


def exchange_enqueue(
    *,
    actor: User,
    doc: OutgoingDocument,
    line: Recipient,
    prepared: Prepared | None = None,
    places: list[str] | None = None,
    audit: list[Entry] | None = None,
) -> Dispatch:
    """Write the signed package for one recipient organisation to the outbox (caller's
    transaction: the issuance); `prepared` is its package built beforehand
    (`exchange_prepare`), used if the document has not changed since; `places`, the labels of
    all its recipient lines when the caller has them; `audit`, a list the audit row is added to
    (the caller writes it in the same transaction), else it is written here. Refuses secret
    documents with the legal reason."""
    refusal = exchange_refusal(doc)
    if refusal:
        raise DomainError(refusal)
    if not doc.has_pdf_to_send or not doc.notation or doc.issue_date is None:
        raise DomainError(
            "Chỉ gửi liên thông văn bản đã ban hành, đủ chữ ký số (có số, ngày và bản PDF cuối)."
        )
    recipient = line.organisation
    if recipient is None or not recipient.identifier:
        raise DomainError(f"Nơi nhận “{line.label}” chưa có mã định danh để gửi liên thông.")
    document_id = packages.document_id_for(doc)
    same = Dispatch.objects.filter(document_id=document_id, to_identifier=recipient.identifier)
    existing = next(iter(same.order_by()[:1]), None)
    if existing is not None:  # dispatch run twice: the outbox already holds the package
        return existing
    places = _places(doc) if places is None else places
    fresh = prepared and prepared.key == _inputs(doc, line, places)
    body = prepared.body if prepared and fresh else _build(doc, recipient, places)
    assert body is not None  # pdf_to_send, notation and issue_date were checked above
    # no savepoint inside the caller's transaction (the issuance): a failure here fails it whole
    with transaction.atomic(savepoint=False):
        dispatch = Dispatch.objects.create(
            outgoing=doc,
            recipient=line,
            organisation=recipient,
            to_identifier=recipient.identifier,
            document_id=document_id,
        )
        outbox.enqueue(
            kind=Kind.DOCUMENT,
            from_identifier=doc.organisation.identifier,
            to_identifier=recipient.identifier,
            document_id=document_id,
            body=body,
            business_type="0",
            dispatch=dispatch,
        )
        entry = Entry(
            actor=actor,
            action="exchange.send",
            obj=dispatch,
            summary=f"Gửi liên thông {doc.notation} tới {recipient.full_name}",
            data={"document_id": document_id, "to": recipient.identifier, "bytes": len(body)},
        )
        if audit is None:
            audit_record_many([entry])
        else:
            audit.append(entry)
    return dispatch


def _withhold_unsent(actor: User, dispatch: Dispatch, reason: str) -> bool:
    """A recalled document whose package is still waiting in the outbox is not sent at all
    (a recall request could otherwise reach the recipient before the document)."""
    unsent = Message.objects.select_for_update().filter(
        dispatch=dispatch, kind=Kind.DOCUMENT, direction="out", state=State.PENDING
    )
    rows = list(unsent)
    if not rows:
        return False
    note = f"Văn bản đã thu hồi trước khi gửi được ({reason.strip()}); không gửi nữa."[:500]
    Message.objects.filter(pk__in=[m.pk for m in rows]).update(
        state=State.FAILED, next_attempt_at=None, claimed_until=None, last_error=note
    )
    audit_record(
        actor=actor,
        action="exchange.withheld",
        obj=dispatch,
        summary=f"Không gửi {dispatch.document_id} tới {dispatch.to_identifier}: đã thu hồi",
    )
    return True


def exchange_request_recall(*, actor: User, doc: OutgoingDocument, reason: str) -> int:
    """Status 13 to every exchange recipient of `doc` (called by the outgoing recall)."""
    sent = 0
    for dispatch in doc.exchange_dispatches.select_related("organisation"):
        with transaction.atomic():
            if _withhold_unsent(actor, dispatch, reason):
                continue  # never left this node: it is simply not sent
            body = packages.build_status(
                sender=doc.organisation,
                to_identifier=dispatch.to_identifier,
                document_id=dispatch.document_id,
                code_notation=doc.notation,
                document_date=doc.issue_date,
                status=StatusCode.RECALL_REQUESTED,
                description=reason.strip()[:500] or "Đề nghị thu hồi văn bản",
                staff=actor.full_name,
            )
            message = outbox.enqueue(
                kind=Kind.STATUS,
                from_identifier=doc.organisation.identifier,
                to_identifier=dispatch.to_identifier,
                document_id=dispatch.document_id,
                body=body,
                status_code=StatusCode.RECALL_REQUESTED,
                dispatch=dispatch,
            )
            StatusEntry.objects.create(
                dispatch=dispatch,
                code=StatusCode.RECALL_REQUESTED,
                description=f"Đã gửi đề nghị thu hồi: {reason.strip()}"[:2000],
                staff=actor.full_name,
                at=timezone.now(),
                message=message,
            )
            audit_record(
                actor=actor,
                action="exchange.recall_request",
                obj=dispatch,
                summary=f"Đề nghị {dispatch.organisation.full_name} thu hồi {doc.notation}",
                data={"document_id": dispatch.document_id, "reason": reason.strip()[:300]},
            )
        sent += 1
    return sent
