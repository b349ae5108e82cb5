"""The indexing outbox: rows written in the caller's transaction, drained by the worker.

Services call `search.indexing.enqueue(kind, id)` (re-exported from here) inside the transaction
that changes an indexed object: one INSERT, no commit of its own. After the commit the worker is
woken, at most once per `WAKE_DELAY` seconds per process: the drain it schedules runs
`WAKE_DELAY` seconds later and takes every row committed before it starts, so a burst of
registrations costs one queued task (one write to the task queue), not one per document. The
worker's one-minute periodic drain catches up anything a lost wake-up left behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from vanphong.search.models import Outbox

WAKE_DELAY = 1.0  # seconds between two wake-ups from one process

_wake_lock = threading.Lock()
_wake_covered_until = 0.0  # monotonic time before which a scheduled drain has not started yet


def enqueue(kind: str, object_id: int) -> None:
    """Queue one object for (re)indexing in the caller's transaction; idempotent downstream."""
    Outbox.objects.create(kind=kind, object_id=object_id)
    transaction.on_commit(wake_worker)


def enqueue_many(kind: str, object_ids: Iterable[int]) -> int:
    rows = [Outbox(kind=kind, object_id=pk) for pk in object_ids]
    Outbox.objects.bulk_create(rows, batch_size=1000)
    if rows:
        transaction.on_commit(wake_worker)
    return len(rows)


def _immediate() -> bool:
    huey = getattr(settings, "HUEY", {})
    return bool(huey.get("immediate", False)) if isinstance(huey, dict) else False


def wake_worker() -> bool:
    """Schedule a drain unless one scheduled by this process has not started yet.

    Returns True when a task was queued. Called after commit: a skipped wake-up is safe because
    the pending drain starts later than this commit and reads every committed row."""
    from vanphong.search.tasks import drain_outbox

    if _immediate():  # tests and HUEY_IMMEDIATE: the task runs here and now
        drain_outbox()
        return True
    global _wake_covered_until
    now = time.monotonic()
    with _wake_lock:
        if now < _wake_covered_until:
            return False
        _wake_covered_until = now + WAKE_DELAY
    drain_outbox.schedule(delay=WAKE_DELAY)
    return True
