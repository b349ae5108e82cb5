"""Worker jobs of the archive app: run a digitisation batch, resume batches after a crash."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from vanphong.archive import processing


@db_task()
def run_batch(batch_id: int) -> int:
    return processing.run_batch(batch_id)


@db_periodic_task(crontab(minute="*/10"))
def resume_batches() -> int:
    """Batches with waiting items nobody holds (a worker died, or the queue was lost)."""
    ids = processing.resumable_batches()
    for batch_id in ids:
        run_batch(batch_id)
    return len(ids)
