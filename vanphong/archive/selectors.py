"""Reads of the archive app, filtered by the policy scopes in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from vanphong.archive.models import (
    ArchiveRecord,
    BatchItem,
    DigitisationBatch,
    ItemStatus,
    RecordFile,
)
from vanphong.core.models import User
from vanphong.core.policy import filter_visible
from vanphong.core.text import fold
from vanphong.files.models import BlobText, ExtractStatus

PAGE_SIZE = 50


def records(user: User, q: str = "") -> QuerySet[ArchiveRecord]:
    qs = filter_visible(user, "archive.records", ArchiveRecord.objects.all())
    for word in fold(q).split()[:8]:
        qs = qs.filter(search_text__contains=word)
    return qs.order_by("-id")


def records_page(user: User, q: str, page: int) -> tuple[list[ArchiveRecord], bool]:
    """One page, fetched with one row more to know whether there is a next page (no COUNT)."""
    start = (page - 1) * PAGE_SIZE
    rows = list(records(user, q)[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def record_detail(user: User, pk: int) -> ArchiveRecord | None:
    return records(user).filter(pk=pk).select_related("batch", "created_by").first()


@dataclass
class FileState:
    file: RecordFile
    state: BlobText | None


def record_files(record: ArchiveRecord) -> list[FileState]:
    files = list(record.files.select_related("blob"))
    states = BlobText.objects.select_related("searchable").in_bulk([f.blob_id for f in files])
    return [FileState(file=f, state=states.get(f.blob_id)) for f in files]


def batches(user: User) -> QuerySet[DigitisationBatch]:
    qs = filter_visible(user, "archive.batches", DigitisationBatch.objects.all())
    return qs.select_related("created_by").order_by("-id")


def batch_detail(user: User, pk: int) -> DigitisationBatch | None:
    return batches(user).filter(pk=pk).first()


@dataclass
class Progress:
    total: int
    pending: int
    ocr: int
    done: int
    duplicate: int
    failed: int
    ocr_running: BlobText | None

    @property
    def processed(self) -> int:
        return self.done + self.duplicate + self.failed

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100

    @property
    def busy(self) -> bool:
        return bool(self.pending or self.ocr)


def batch_progress(batch: DigitisationBatch) -> Progress:
    counts = dict(
        BatchItem.objects.filter(batch=batch)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    running = (
        BlobText.objects.filter(
            blob_id__in=BatchItem.objects.filter(batch=batch, status=ItemStatus.OCR).values(
                "blob_id"
            ),
            status=ExtractStatus.RUNNING,
        )
        .order_by("-updated_at")
        .first()
    )
    return Progress(
        total=batch.total,
        pending=counts.get(ItemStatus.PENDING, 0),
        ocr=counts.get(ItemStatus.OCR, 0),
        done=counts.get(ItemStatus.DONE, 0),
        duplicate=counts.get(ItemStatus.DUPLICATE, 0),
        failed=counts.get(ItemStatus.FAILED, 0),
        ocr_running=running,
    )


def batch_items(
    batch: DigitisationBatch, *, status: str = "", page: int = 1, size: int = 100
) -> tuple[list[BatchItem], bool]:
    qs = BatchItem.objects.filter(batch=batch).select_related("record", "incoming")
    if status:
        qs = qs.filter(status=status)
    start = (page - 1) * size
    rows = list(qs.order_by("seq")[start : start + size + 1])
    return rows[:size], len(rows) > size
