"""The indexing outbox: rows written in the caller's transaction, drained by the worker."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from vanphong.search.models import Outbox


def enqueue(kind: str, object_id: int) -> None:
    Outbox.objects.create(kind=kind, object_id=object_id)
    transaction.on_commit(_wake_worker)


def enqueue_many(kind: str, object_ids: Iterable[int]) -> int:
    rows = [Outbox(kind=kind, object_id=pk) for pk in object_ids]
    Outbox.objects.bulk_create(rows, batch_size=1000)
    if rows:
        transaction.on_commit(_wake_worker)
    return len(rows)


def _wake_worker() -> None:
    from vanphong.search.tasks import drain_outbox

    drain_outbox()
