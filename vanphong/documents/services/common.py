"""Pieces every incoming-document service shares: locking, history, work items, files."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from vanphong.core.audit import Entry, audit_record, audit_record_many
from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import require
from vanphong.documents import access, workflow
from vanphong.documents.models import (
    DocumentEvent,
    DocumentFile,
    FileRole,
    IncomingDocument,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from vanphong.files.store import FileBatch
from vanphong.search.indexing import enqueue as search_enqueue
from vanphong.search.indexing import enqueue_many as search_enqueue_many
from vanphong.search.models import Kind as SearchKind


def lock(document: IncomingDocument | int) -> IncomingDocument:
    pk = document if isinstance(document, int) else document.pk
    return IncomingDocument.objects.select_for_update().get(pk=pk)


def begin(
    *, actor: User, document: IncomingDocument | int, permission: str, action: str
) -> tuple[IncomingDocument, str]:
    """Lock the row, check the policy and the state machine; return (row, next status).

    Someone who may see the document learns why a step is not possible in its current state
    (InvalidTransition) before being told the step is not theirs; others learn nothing.
    """
    doc = lock(document)
    require(actor, "documents.view", doc)
    target = workflow.check(doc, action)
    require(actor, permission, doc)
    return doc, target


RecordListener = Callable[[DocumentEvent], None]
_record_listeners: list[RecordListener] = []


def on_record(listener: RecordListener) -> RecordListener:
    """Call `listener` with every history row, inside the transaction that writes it.

    Lets another app follow the workflow without `documents` importing it (the exchange app
    sends status packages 04, 05, 06 this way). Listeners must be cheap and must not fail
    for documents that are not theirs."""
    if listener not in _record_listeners:
        _record_listeners.append(listener)
    return listener


def record(
    *,
    actor: User,
    doc: IncomingDocument,
    action: str,
    from_status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    summary: str = "",
) -> DocumentEvent:
    """History row + audit row, in the caller's transaction; the document is queued for the
    search index in the same transaction (every write of a document goes through here)."""
    behalf = access.acting_for(actor) if action in _ROUTER_ACTIONS else None
    event = DocumentEvent.objects.create(
        document=doc,
        actor=actor,
        on_behalf_of=behalf,
        action=action,
        from_status=from_status,
        to_status=doc.status,
        note=note,
        data=data or {},
    )
    search_enqueue(SearchKind.INCOMING, doc.pk)
    audit_record(
        actor=actor,
        action=f"incoming.{action}",
        obj=doc,
        summary=summary or f"{event.get_action_display()}: số đến {doc.arrival_number}",
        data={"from": from_status, "to": doc.status, **(data or {})},
    )
    for listener in _record_listeners:
        listener(event)
    return event


def record_many(
    *, actor: User, rows: Sequence[tuple[IncomingDocument, str, dict[str, Any]]]
) -> list[DocumentEvent]:
    """`record` for many new documents at once (batch registration): (document, action, data)
    per row, no previous status, multi-row inserts, one lock of the audit chain."""
    events = [
        DocumentEvent(
            document=doc,
            actor=actor,
            action=action,
            from_status="",
            to_status=doc.status,
            data=data,
        )
        for doc, action, data in rows
    ]
    DocumentEvent.objects.bulk_create(events, batch_size=500)
    search_enqueue_many(SearchKind.INCOMING, [doc.pk for doc, _, _ in rows])
    audit_record_many(
        [
            Entry(
                actor=actor,
                action=f"incoming.{event.action}",
                obj=doc,
                summary=f"{event.get_action_display()}: số đến {doc.arrival_number}",
                data={"from": "", "to": doc.status, **data},
            )
            for event, (doc, _, data) in zip(events, rows, strict=True)
        ]
    )
    for event in events:  # the same listeners as `record` (e.g. exchange status packages)
        for listener in _record_listeners:
            listener(event)
    return events


_ROUTER_ACTIONS = {"route", "reassign", "extend", "return", "close"}


def save_status(doc: IncomingDocument, status: str, *extra_fields: str) -> None:
    doc.status = status
    doc.save(update_fields=["status", "updated_at", *extra_fields])


def open_item(
    *,
    doc: IncomingDocument,
    user: User,
    kind: str,
    by: User | None,
    due: Any = None,
    unit_id: int | None = None,
    status: str = WorkStatus.OPEN,
) -> WorkItem:
    item = WorkItem.objects.filter(document=doc, user=user, kind=kind).first()
    if item is None:
        return WorkItem.objects.create(
            document=doc,
            user=user,
            kind=kind,
            status=status,
            due_date=due,
            secrecy=doc.secrecy,
            assigned_by=by,
            unit_id=unit_id,
        )
    item.status, item.due_date, item.done_at = status, due, None
    item.assigned_by, item.unit_id, item.secrecy = by, unit_id, doc.secrecy
    item.save(update_fields=["status", "due_date", "done_at", "assigned_by", "unit", "secrecy"])
    return item


def finish_items(
    doc: IncomingDocument, kinds: Iterable[str] | None = None, users: Sequence[int] | None = None
) -> int:
    items = WorkItem.objects.filter(document=doc).exclude(status=WorkStatus.DONE)
    if kinds is not None:
        items = items.filter(kind__in=list(kinds))
    else:
        items = items.exclude(kind=WorkKind.INFO)
    if users is not None:
        items = items.filter(user_id__in=list(users))
    return items.update(status=WorkStatus.DONE, done_at=timezone.now())


def check_clearance(doc: IncomingDocument, people: Iterable[User]) -> None:
    short = [p for p in people if p.clearance < doc.secrecy]
    if short:
        names = ", ".join(p.full_name or p.username for p in short)
        raise DomainError(
            f"Văn bản “{doc.get_secrecy_display()}”: {names} không đủ mức tiếp cận bí mật "
            "để được giao."
        )


def attach_files(
    *,
    actor: User,
    doc: IncomingDocument,
    files: Sequence[UploadedFile],
    role: str,
    batch: FileBatch,
) -> list[DocumentFile]:
    if files and doc.content_withheld:
        raise DomainError(
            "Văn bản mật trên mạng kết nối: hệ thống không lưu tệp. Bản giấy được quản lý "
            "theo quy định bảo vệ bí mật nhà nước."
        )
    stored = []
    for upload in files:
        blob = batch.add(upload)
        stored.append(
            DocumentFile.objects.create(
                document=doc,
                blob=blob,
                name=(upload.name or "tệp")[:255],
                role=role,
                uploaded_by=actor,
            )
        )
    return stored


def notify_after_commit(
    *, user_ids: Iterable[int], doc: IncomingDocument, title: str, kind: str
) -> None:
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return
    from vanphong.notifications.tasks import notify_users

    doc_id = doc.pk
    transaction.on_commit(
        lambda: notify_users(user_ids=ids, title=title, kind=kind, document_id=doc_id)
    )


__all__ = ["FileRole"]
