"""Issuance: the number at issuance (never before), the final DOCX and PDF, dispatch, recall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from vanphong.core.audit import Entry
from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import require
from vanphong.documents import access
from vanphong.documents.services.dispatch import incoming_link_reply, incoming_receive_internal
from vanphong.drafting import workflow
from vanphong.drafting.convert import docx_to_pdf, pdf_page_count
from vanphong.drafting.docx_layout import finalize_docx, vn_date_line
from vanphong.drafting.models import (
    Delivery,
    DispatchStatus,
    OutAction,
    OutgoingDocument,
    OutStatus,
    Recipient,
    ReviewStep,
    StepStatus,
    lines_in_order,
)
from vanphong.drafting.services.common import (
    begin,
    check_signer,
    clerk_ids,
    lock,
    notify_after_commit,
    numbering_for,
    record,
)
from vanphong.drafting.services.signatures import status_after_issue
from vanphong.exchange.services.sending import (
    Prepared,
    exchange_enqueue,
    exchange_prepare,
    exchange_refusal,
    exchange_request_recall,
)
from vanphong.files.store import FileBatch, open_blob
from vanphong.numbering.models import Counter, NotationStyle
from vanphong.numbering.services import number_allocate, period_key_for
from vanphong.signing.tasks import validate_blob_once

PDF_TYPE = "application/pdf"


def _check_issuable(doc: OutgoingDocument, issue_date: date, today: date) -> None:
    if doc.is_issued:
        raise DomainError("Văn bản đã ban hành; không sửa, không cấp số lại.")
    if doc.is_numbered:
        raise DomainError(
            f"Văn bản đã được cấp số {doc.notation} và đang chờ ký số; không cấp số lại."
        )
    if doc.status != OutStatus.APPROVED:
        raise DomainError(
            f"Chỉ ban hành văn bản đã được duyệt xong; văn bản đang ở trạng thái "
            f"“{doc.get_status_display()}”."
        )
    latest = doc.versions.order_by("-number").first()
    if latest is None:
        raise DomainError("Văn bản chưa có phiên bản dự thảo nào.")
    approved_last = (
        ReviewStep.objects.filter(document=doc, round=doc.review_round, status=StepStatus.APPROVED)
        .order_by("-order")
        .first()
    )
    if approved_last is not None and approved_last.version_id != latest.pk:
        raise DomainError("Phiên bản cuối chưa được duyệt; hãy trình lại trước khi ban hành.")
    if not doc.recipients.exists():
        raise DomainError("Văn bản chưa có nơi nhận.", field="recipients")
    check_signer(doc)
    if issue_date > today:
        raise DomainError("Ngày ban hành không được sau ngày hôm nay.", field="issue_date")


def outgoing_issue(
    *,
    actor: User,
    document: OutgoingDocument | int,
    issue_date: date | None = None,
    final_pdf: UploadedFile | None = None,
    copies: int | None = None,
    dispatch: bool = True,
) -> OutgoingDocument:
    """Number and date the approved version, make the final PDF, register the issuance.

    The number is taken inside the issuance transaction, so a failure anywhere (LibreOffice
    missing or too slow, a DOCX without the number line) gives it back and leaves the draft
    exactly as it was. LibreOffice takes seconds, so the PDF is made *before* the transaction
    with the number the counter will most likely give; if another issuance took that number in
    the meantime, the PDF is made again inside the transaction with the number actually given.
    """
    today = access.today()
    issue_date = issue_date or today
    prepared = None if final_pdf is not None else _prepare(actor, document, issue_date, today)
    with FileBatch() as batch, transaction.atomic():
        doc = begin(
            actor=actor,
            document=document,
            permission="drafting.issue",
            message="Chỉ văn thư của cơ quan ban hành cấp số và ban hành văn bản.",
        )
        _check_issuable(doc, issue_date, today)
        numbering = numbering_for(doc)
        allocated = number_allocate(register=numbering.register, on_date=issue_date)
        notation = numbering.compose(allocated.number)
        latest = doc.versions.select_related("blob").order_by("-number")[0]
        with open_blob(latest.blob) as handle:
            approved_docx = handle.read()
        date_line = vn_date_line(doc.organisation.place_name, issue_date)
        state = numbering.style == NotationStyle.STATE
        final_docx: bytes | None
        if final_pdf is not None:
            pdf_blob = batch.add(final_pdf)
            if pdf_blob.content_type != PDF_TYPE:
                raise DomainError("Bản cuối tải lên phải là tệp PDF.", field="final_pdf")
            try:
                final_docx = finalize_docx(
                    approved_docx, notation=notation, date_line=date_line, state_style=state
                )
            except DomainError:
                final_docx = None  # the uploaded PDF is the document; the DOCX stays a draft
            with open_blob(pdf_blob) as handle:
                pages = pdf_page_count(handle.read())
        else:
            if prepared is not None and prepared.matches(notation, latest.pk, date_line):
                final_docx, pdf_bytes = prepared.docx, prepared.pdf
            else:
                final_docx = finalize_docx(
                    approved_docx, notation=notation, date_line=date_line, state_style=state
                )
                pdf_bytes = docx_to_pdf(final_docx)
            pdf_blob = batch.add_bytes(pdf_bytes, name=f"{notation}.pdf")
            pages = pdf_page_count(pdf_bytes)
        if final_docx is not None:
            doc.final_docx = batch.add_bytes(final_docx, name=f"{notation}.docx")
        doc.final_pdf = pdf_blob
        doc.page_count = pages
        doc.numbering, doc.period_key, doc.number = (
            numbering,
            allocated.period_key,
            allocated.number,
        )
        doc.notation, doc.issue_date = notation, issue_date
        doc.issued_by, doc.issued_at = actor, timezone.now()
        doc.status = status_after_issue(doc)  # TO_SIGN / TO_SEAL when signatures are required
        if copies is not None:
            if copies < 1:
                raise DomainError("Số bản phải là số dương.", field="copies")
            doc.copies = copies
        doc.save()
        pdf_id = pdf_blob.pk  # its signature check (often: none yet) is shown on the page
        transaction.on_commit(lambda: validate_blob_once(pdf_id), robust=True)
        record(
            actor=actor,
            doc=doc,
            action=OutAction.ISSUE,
            note=f"Số {notation} ngày {issue_date:%d/%m/%Y}",
            data={
                "notation": notation,
                "period": allocated.period_key,
                "version": latest.number,
                "pdf": "uploaded" if final_pdf is not None else "converted",
                "pages": pages,
            },
        )
        if doc.related_id is not None:
            related = lock(doc.related_id)
            record(
                actor=actor,
                doc=related,
                action=OutAction.CORRECTED,
                note=f"{doc.get_relation_display()} bởi văn bản số {notation}",
                data={"by": doc.pk, "relation": doc.relation},
            )
        reference = f"{notation} ngày {issue_date:%d/%m/%Y}"
        for link in doc.replies.select_related("incoming"):
            incoming_link_reply(
                actor=actor, incoming=link.incoming, reference=reference, handler=doc.drafter
            )
        if doc.status != OutStatus.ISSUED:
            _notify_to_sign(doc)
        elif dispatch:
            _dispatch(actor=actor, doc=doc, today=today)
    return doc


def _notify_to_sign(doc: OutgoingDocument) -> None:
    if doc.status == OutStatus.TO_SIGN:
        notify_after_commit(
            user_ids=[doc.signer_id],
            doc=doc,
            title=f"Văn bản số {doc.notation} đã cấp số, chờ đồng chí ký số",
        )
    else:
        notify_after_commit(
            user_ids=clerk_ids(doc.organisation_id),
            doc=doc,
            title=f"Văn bản số {doc.notation} chờ văn thư ký số của cơ quan",
        )


@dataclass(frozen=True)
class _Prepared:
    notation: str
    version_id: int
    date_line: str
    docx: bytes
    pdf: bytes

    def matches(self, notation: str, version_id: int, date_line: str) -> bool:
        return (notation, version_id, date_line) == (
            self.notation,
            self.version_id,
            self.date_line,
        )


def _prepare(
    actor: User, document: OutgoingDocument | int, issue_date: date, today: date
) -> _Prepared:
    """Final DOCX and PDF with the number the counter will give next (no lock, no write).

    Every check of the issuance runs first, so a refusal comes before a slow conversion.
    """
    pk = document if isinstance(document, int) else document.pk
    doc = OutgoingDocument.objects.select_related("organisation").get(pk=pk)
    require(
        actor, "drafting.issue", doc, "Chỉ văn thư của cơ quan ban hành cấp số và ban hành văn bản."
    )
    _check_issuable(doc, issue_date, today)
    numbering = numbering_for(doc)
    key = period_key_for(numbering.register, issue_date)
    last = (
        Counter.objects.filter(register=numbering.register, period_key=key)
        .values_list("last_number", flat=True)
        .first()
    )
    notation = numbering.compose((last or 0) + 1)
    latest = doc.versions.select_related("blob").order_by("-number")[0]
    with open_blob(latest.blob) as handle:
        approved_docx = handle.read()
    date_line = vn_date_line(doc.organisation.place_name, issue_date)
    final_docx = finalize_docx(
        approved_docx,
        notation=notation,
        date_line=date_line,
        state_style=numbering.style == NotationStyle.STATE,
    )
    return _Prepared(notation, latest.pk, date_line, final_docx, docx_to_pdf(final_docx))


def _dispatch(
    *,
    actor: User,
    doc: OutgoingDocument,
    today: date,
    prepared: dict[int, Prepared] | None = None,
) -> dict[str, int]:
    """Send to each pending recipient line; `prepared`: exchange packages built before the
    transaction (`exchange_prepare`), by line."""
    counts = {"delivered": 0, "queued": 0, "paper": 0}
    sent: list[Entry] = []  # the exchange's audit rows, written with the dispatch's own
    # every line, read once: the pending ones are sent, and an exchange package lists them all
    # (with the organisations' parents, which a package built here names)
    recipients = doc.recipients.select_for_update(of=("self",))
    lines = lines_in_order(recipients.select_related("organisation__parent"))
    places = [line.label for line in lines]
    for line in (x for x in lines if x.status == DispatchStatus.PENDING):
        if line.delivery == Delivery.INTERNAL and line.organisation is not None:
            line.incoming = incoming_receive_internal(
                actor=actor, outgoing=doc, recipient_org=line.organisation, today=today
            )
            line.status, line.sent_on, line.sent_method = (
                DispatchStatus.DELIVERED,
                today,
                "Trong hệ thống",
            )
            line.save(update_fields=["incoming", "status", "sent_on", "sent_method"])
            counts["delivered"] += 1
        elif line.delivery == Delivery.EXCHANGE:
            refusal = exchange_refusal(doc)
            if refusal:  # secret, or no identifier: never sent electronically; paper instead
                line.delivery = Delivery.PAPER
                line.save(update_fields=["delivery"])
                record(
                    actor=actor,
                    doc=doc,
                    action=OutAction.DISPATCH,
                    note=f"{line.label}: không gửi liên thông. {refusal}",
                    data={"recipient": line.pk, "exchange_refused": True},
                )
                counts["paper"] += 1
                continue
            package = (prepared or {}).get(line.pk)
            exchange_enqueue(  # → outbox
                actor=actor, doc=doc, line=line, prepared=package, places=places, audit=sent
            )
            line.status = DispatchStatus.QUEUED
            line.save(update_fields=["status"])
            counts["queued"] += 1
        else:
            counts["paper"] += 1
    if counts["delivered"] or counts["queued"]:
        record(actor=actor, doc=doc, action=OutAction.DISPATCH, data=counts, audited=sent)
    return counts


def outgoing_dispatch(*, actor: User, document: OutgoingDocument | int) -> dict[str, int]:
    """Send to the recipients not reached yet (inside the node at once, others queued)."""
    # SQLite: a write transaction holds the whole database from BEGIN, so the exchange packages
    # are built and signed before it (`exchange_prepare`). PostgreSQL only locks the document's
    # row, and building inside saves the second read of the document and its recipients.
    sqlite = connection.vendor == "sqlite"
    prepared = exchange_prepare(actor=actor, document=document) if sqlite else {}
    with transaction.atomic():
        doc = begin(
            actor=actor,
            document=document,
            permission="drafting.issue",
            message="Chỉ văn thư của cơ quan ban hành phát hành văn bản.",
            related=("organisation__parent",),  # the exchange names them (and checks its code)
        )
        if doc.status != OutStatus.ISSUED:
            workflow.check(doc, OutAction.DISPATCH)  # names the missing signature
            raise DomainError("Chỉ phát hành văn bản đã ban hành và chưa bị thu hồi.")
        return _dispatch(actor=actor, doc=doc, today=access.today(), prepared=prepared)


def outgoing_mark_sent_paper(
    *, actor: User, recipient: Recipient | int, sent_on: date, method: str
) -> Recipient:
    """The văn thư notes that a paper copy went out (date and method: bưu điện, giao tay...)."""
    if not method.strip():
        raise DomainError(
            "Vui lòng ghi hình thức gửi (bưu điện, giao trực tiếp...).", field="method"
        )
    with transaction.atomic():
        pk = recipient if isinstance(recipient, int) else recipient.pk
        line = Recipient.objects.select_for_update().get(pk=pk)
        doc = begin(
            actor=actor,
            document=line.document_id,
            permission="drafting.issue",
            message="Chỉ văn thư của cơ quan ban hành ghi nhận gửi văn bản.",
        )
        if not doc.is_issued:
            workflow.check(doc, OutAction.SENT_PAPER)  # names the missing signature
            raise DomainError("Chỉ gửi văn bản đã ban hành.")
        if sent_on > access.today() or (doc.issue_date and sent_on < doc.issue_date):
            raise DomainError("Ngày gửi phải từ ngày ban hành đến hôm nay.", field="sent_on")
        line.status, line.sent_on, line.sent_method = DispatchStatus.SENT, sent_on, method.strip()
        line.save(update_fields=["status", "sent_on", "sent_method"])
        record(
            actor=actor,
            doc=doc,
            action=OutAction.SENT_PAPER,
            note=f"{line.label}: {method.strip()} ngày {sent_on:%d/%m/%Y}",
            data={"recipient": line.pk},
        )
    return line


def outgoing_recall(
    *, actor: User, document: OutgoingDocument | int, reason: str
) -> OutgoingDocument:
    if not reason.strip():
        raise DomainError("Vui lòng ghi lý do thu hồi.", field="reason")
    with transaction.atomic():
        doc = begin(
            actor=actor,
            document=document,
            permission="drafting.recall",
            message="Chỉ văn thư hoặc lãnh đạo văn phòng thu hồi văn bản.",
        )
        workflow.check(doc, OutAction.RECALL)  # also a numbered document awaiting signature
        doc.status, doc.recalled_at = OutStatus.RECALLED, timezone.now()
        doc.recall_reason = reason.strip()[:300]
        doc.save(update_fields=["status", "recalled_at", "recall_reason", "updated_at"])
        record(actor=actor, doc=doc, action=OutAction.RECALL, note=reason.strip())
        exchange_request_recall(actor=actor, doc=doc, reason=reason.strip())  # status 13
    return doc
