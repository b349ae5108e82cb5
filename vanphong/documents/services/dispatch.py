"""Arrivals from another organisation on this node, and replies that answer incoming documents.

Called by the outgoing-documents services (vanphong.drafting): the sender's văn thư issues a
document, and each recipient organisation served here gets it in its incoming register at once.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, Role, Secrecy, User
from vanphong.core.policy import can
from vanphong.core.text import nfc
from vanphong.documents import access
from vanphong.documents.models import (
    Channel,
    DocumentFile,
    EventAction,
    FileRole,
    IncomingDocument,
    Status,
    WorkKind,
)
from vanphong.documents.services.common import lock, notify_after_commit, open_item, record
from vanphong.documents.services.registration import code_key, register_for
from vanphong.numbering.services import number_allocate
from vanphong.signing.tasks import validate_blob_once

if TYPE_CHECKING:
    from vanphong.drafting.models import OutgoingDocument


def incoming_receive_internal(
    *,
    actor: User,
    outgoing: OutgoingDocument,
    recipient_org: Organisation,
    today: date | None = None,
) -> IncomingDocument:
    """Register an issued outgoing document as an arrival of `recipient_org` (same node).

    The số đến comes from the recipient's own incoming register; its văn thư get the
    "present to leadership" work item, exactly as after a paper registration.
    """
    if not recipient_org.served_here:
        raise DomainError(f"{recipient_org.full_name} không dùng hệ thống này.")
    pdf = outgoing.pdf_to_send  # the signed PDF; None while a required signature is missing
    if pdf is None or not outgoing.notation:
        raise DomainError("Chỉ gửi được văn bản đã ban hành, có đủ chữ ký số theo quy định.")
    today = today or access.today()
    clerks = list(
        User.objects.filter(
            organisation=recipient_org, is_active=True, roles__role=Role.VAN_THU
        ).distinct()
    )
    withheld = outgoing.secrecy > Secrecy.NONE and settings.NETWORK_ZONE == "connected"
    with transaction.atomic():
        register = register_for(
            organisation_id=recipient_org.pk, secrecy=outgoing.secrecy, chosen=None
        )
        allocated = number_allocate(register=register, on_date=today)
        doc = IncomingDocument.objects.create(
            organisation=recipient_org,
            register=register,
            period_key=allocated.period_key,
            arrival_number=allocated.number,
            arrival_date=today,
            channel=Channel.ELECTRONIC,
            sender=outgoing.organisation,
            code_notation=nfc(outgoing.notation),
            code_key=code_key(outgoing.notation),
            document_date=outgoing.issue_date or today,
            doc_type=outgoing.doc_type,
            summary="" if withheld else outgoing.summary,
            signer_name=outgoing.signer.full_name,
            page_count=outgoing.page_count,
            urgency=outgoing.urgency,
            secrecy=outgoing.secrecy,
            content_withheld=withheld,
            registered_by=actor,
            notes=f"Nhận trong hệ thống từ {outgoing.organisation.full_name}.",
        )
        if not withheld:
            DocumentFile.objects.create(
                document=doc,
                blob_id=pdf.pk,
                name=f"{outgoing.notation.replace('/', '_')}.pdf",
                role=FileRole.ORIGINAL,
                uploaded_by=actor,
            )
            blob_id = pdf.pk  # its signatures are checked and shown on the arrival's page
            transaction.on_commit(lambda: validate_blob_once(blob_id), robust=True)
        for clerk in clerks:
            if clerk.clearance >= doc.secrecy:
                open_item(doc=doc, user=clerk, kind=WorkKind.PRESENT, by=actor)
        record(
            actor=actor,
            doc=doc,
            action=EventAction.REGISTER,
            from_status="",
            note=f"Nhận trong hệ thống: {outgoing.notation} của {outgoing.organisation.full_name}",
            data={"register": register.name, "number": allocated.number, "outgoing": outgoing.pk},
        )
    notify_after_commit(
        user_ids=[c.pk for c in clerks],
        doc=doc,
        kind="arrival",
        title=f"Văn bản đến mới {outgoing.notation} từ {outgoing.organisation.full_name}",
    )
    return doc


def incoming_link_reply(
    *, actor: User, incoming: IncomingDocument | int, reference: str, handler: User | None
) -> IncomingDocument:
    """Note the reply on the incoming document; if `handler` handles it now, report it done."""
    from vanphong.documents.services.routing import incoming_complete

    with transaction.atomic():
        doc = lock(incoming)
        if (
            handler is not None
            and doc.status == Status.IN_PROGRESS
            and can(handler, "documents.handle", doc)
        ):
            return incoming_complete(
                actor=handler,
                document=doc,
                note=f"Đã có văn bản trả lời {reference} (tự động khi ban hành).",
                reply_reference=reference,
            )
        joined = f"{doc.reply_reference}; {reference}" if doc.reply_reference else reference
        doc.reply_reference = joined[:200]
        doc.save(update_fields=["reply_reference", "updated_at"])
        record(
            actor=actor,
            doc=doc,
            action=EventAction.PROGRESS,
            from_status=doc.status,
            note=f"Đã có văn bản trả lời {reference}.",
            data={"reply": reference},
        )
    return doc
