"""Worker jobs of the search app (thin: the work is in `indexing`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from vanphong.search import indexing


@db_task()
def drain_outbox() -> int:
    """Woken after commits (debounced, see `search.outbox`): index until the outbox is empty."""
    return indexing.drain(limit=None)


@db_periodic_task(crontab(minute="*"))
def drain_outbox_periodically() -> int:
    """Catch-up if a wake-up was lost (worker down when the document was saved)."""
    return indexing.drain(limit=None)
