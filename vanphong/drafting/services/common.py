"""Locking, history and checks shared by the outgoing services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q

from vanphong.core.audit import Entry, audit_record_many
from vanphong.core.errors import DomainError
from vanphong.core.models import Role, User
from vanphong.core.policy import require
from vanphong.drafting.models import (
    OutgoingDocument,
    OutgoingEvent,
    SigningAuthority,
)
from vanphong.numbering.models import OutgoingNumbering


def lock(document: OutgoingDocument | int, related: tuple[str, ...] = ()) -> OutgoingDocument:
    """The document's row, locked; `related`: rows read with it (not locked)."""
    pk = document if isinstance(document, int) else document.pk
    rows = OutgoingDocument.objects.select_for_update(of=("self",))
    if related:
        rows = rows.select_related(*related)
    return rows.get(pk=pk)


def begin(
    *,
    actor: User,
    document: OutgoingDocument | int,
    permission: str,
    message: str,
    related: tuple[str, ...] = (),
) -> OutgoingDocument:
    doc = lock(document, related)
    require(actor, permission, doc, message)
    return doc


def record(
    *,
    actor: User,
    doc: OutgoingDocument,
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    audited: Iterable[Entry] = (),
) -> OutgoingEvent:
    """The history row and its audit row; `audited`: audit rows of the same action written
    before it, with one lock of the chain (the exchange's packages of a dispatch)."""
    event = OutgoingEvent.objects.create(
        document=doc, actor=actor, action=action, note=note, data=data or {}
    )
    entry = Entry(
        actor=actor,
        action=f"outgoing.{action}",
        obj=doc,
        summary=f"{event.get_action_display()}: {doc}",
        data={"status": doc.status, **(data or {})},
    )
    audit_record_many([*audited, entry])
    return event


def check_signer(doc: OutgoingDocument) -> SigningAuthority:
    """The signer must hold the authority configured for this type (or for every type)."""
    found = (
        SigningAuthority.objects.filter(
            Q(doc_type__isnull=True) | Q(doc_type_id=doc.doc_type_id),
            organisation_id=doc.organisation_id,
            user_id=doc.signer_id,
            authority=doc.authority,
        )
        .order_by("doc_type_id")
        .first()
    )
    if found is None:
        label = doc.get_authority_display()
        raise DomainError(
            f"{doc.signer.full_name} chưa được giao thẩm quyền ký “{label}” đối với "
            f"{doc.doc_type.name.lower()} của {doc.organisation.full_name}.",
            field="signer",
        )
    return found


def numbering_for(doc: OutgoingDocument) -> OutgoingNumbering:
    """The counter of (issuer, type); a secret document uses a secret counter if one exists."""
    candidates = OutgoingNumbering.objects.select_related("register__organisation").filter(
        register__organisation_id=doc.organisation_id,
        register__is_active=True,
        doc_types=doc.doc_type,
    )
    secret = [n for n in candidates if n.register.for_secret]
    normal = [n for n in candidates if not n.register.for_secret]
    chosen = (secret if doc.secrecy > 0 and secret else normal) or secret
    if not chosen:
        raise DomainError(
            f"Chưa cấu hình bộ đếm số cho {doc.doc_type.name.lower()} của "
            f"{doc.organisation.full_name}. Quản trị cần khai báo trước khi ban hành."
        )
    return sorted(chosen, key=lambda n: n.pk)[0]


def notify_after_commit(*, user_ids: Iterable[int], doc: OutgoingDocument, title: str) -> None:
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return
    from vanphong.drafting.tasks import notify_outgoing

    doc_id = doc.pk
    transaction.on_commit(
        lambda: notify_outgoing(user_ids=ids, title=title, kind="outgoing", document_id=doc_id)
    )


def clerk_ids(organisation_id: int) -> list[int]:
    return list(
        User.objects.filter(
            organisation_id=organisation_id, is_active=True, roles__role=Role.VAN_THU
        ).values_list("pk", flat=True)
    )
