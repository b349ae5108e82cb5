"""The hash-chained audit log: one function writes it, one verifies it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from vanphong.core.models import AuditEvent, AuditHead, User

GENESIS = "0" * 64


def _row_hash(
    *,
    prev_hash: str,
    created_at: str,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    data: Any,
    ip: str,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            created_at,
            actor_id,
            actor_name,
            action,
            object_type,
            object_id,
            summary,
            data,
            ip,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@dataclass(frozen=True)
class Entry:
    """One row to append with `audit_record_many`."""

    actor: User | None
    action: str
    obj: models.Model | None = None
    summary: str = ""
    data: dict[str, Any] | None = None
    request: HttpRequest | None = None
    actor_name: str = ""


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one row to the chain. Runs inside the caller's transaction when there is one."""
    entry = Entry(actor, action, obj, summary, data, request, actor_name)
    return audit_record_many([entry])[0]


def audit_record_many(entries: list[Entry]) -> list[AuditEvent]:
    """Append rows to the chain in order, with one lock of the chain head for all of them.

    The head row is locked (SELECT ... FOR UPDATE) until the caller's transaction ends, so the
    chain stays linear under concurrent writers. No savepoint of its own: a failure here fails
    the caller's whole action, which is what an audited write wants.
    """
    if not entries:
        return []
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        created_at = timezone.now()
        prev_hash = head.last_hash or GENESIS
        events = []
        for entry in entries:
            actor, obj = entry.actor, entry.obj
            fields = {
                "created_at": created_at.isoformat(),
                "actor_id": actor.pk if actor is not None and actor.pk else None,
                "actor_name": entry.actor_name or (actor.username if actor is not None else ""),
                "action": entry.action,
                "object_type": obj._meta.label_lower if obj is not None else "",
                "object_id": str(obj.pk) if obj is not None else "",
                "summary": entry.summary[:500],
                "data": json.loads(json.dumps(entry.data or {}, default=str)),
                "ip": _client_ip(entry.request),
            }
            digest = _row_hash(prev_hash=prev_hash, **fields)
            events.append(
                AuditEvent(
                    created_at=created_at,
                    actor_id=fields["actor_id"],
                    actor_name=fields["actor_name"],
                    action=entry.action,
                    object_type=fields["object_type"],
                    object_id=fields["object_id"],
                    summary=fields["summary"],
                    data=fields["data"],
                    ip=fields["ip"],
                    prev_hash=prev_hash,
                    hash=digest,
                )
            )
            prev_hash = digest
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:  # ids come back in insertion order (RETURNING on SQLite >= 3.35 and PostgreSQL)
            AuditEvent.objects.bulk_create(events, batch_size=500)
        AuditHead.objects.filter(pk=head.pk).update(last_id=events[-1].pk, last_hash=prev_hash)
    return events


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    broken_id: int | None = None
    reason: str = ""


def audit_verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Recompute the chain in id order, a chunk at a time; report the first broken row."""
    prev_hash = GENESIS
    rows = 0
    last_id = 0
    queryset = AuditEvent.objects.order_by("id")
    for event in queryset.iterator(chunk_size=chunk_size):
        rows += 1
        if event.prev_hash != prev_hash:
            return VerifyResult(
                False,
                rows,
                event.pk,
                "dòng trước đó đã bị xóa hoặc sửa (prev_hash không khớp)",
            )
        expected = _row_hash(
            prev_hash=event.prev_hash,
            created_at=event.created_at.isoformat(),
            actor_id=event.actor_id,
            actor_name=event.actor_name,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            summary=event.summary,
            data=event.data,
            ip=event.ip,
        )
        if expected != event.hash:
            return VerifyResult(False, rows, event.pk, "nội dung dòng đã bị sửa (hash không khớp)")
        prev_hash = event.hash
        last_id = event.pk
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != last_id or (head.last_hash or GENESIS) != prev_hash):
        return VerifyResult(
            False,
            rows,
            head.last_id or None,
            "dòng cuối của chuỗi đã bị xóa (không khớp với đầu chuỗi đã ghi)",
        )
    return VerifyResult(True, rows)
