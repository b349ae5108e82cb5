"""Worker jobs of the files app: text extraction (with OCR) and re-indexing what used the file."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from vanphong.files import extract
from vanphong.files.models import ExtractStatus


@db_task()
def extract_text(blob_id: str) -> str:
    row = extract.extract_blob(blob_id)
    if row.status == ExtractStatus.DONE:
        from vanphong.search.indexing import reindex_blob_users

        reindex_blob_users(blob_id)
    return row.status


@db_periodic_task(crontab(minute="*/10"))
def resume_extractions() -> int:
    stale = extract.resume_stale()
    for blob_id in stale:
        extract_text(blob_id)
    return len(stale)


@db_periodic_task(crontab(minute="41"))
def purge_held_uploads() -> int:
    """Delete the files held for a refused form once they have expired (files.holding)."""
    from vanphong.files.holding import purge_expired

    return purge_expired()
