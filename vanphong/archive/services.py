"""Every write of the archive app. Views, commands and worker jobs call these functions.

A batch is created in the web request from a listing only (nothing is decompressed there); the
worker then takes the items one by one (`processing.run_batch`). Each state change of a batch or
an item locks its row, checks the transition table and writes a BatchEvent in the same
transaction.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from vanphong.archive import metadata as csv_metadata
from vanphong.archive import sources
from vanphong.archive.models import (
    BATCH_TRANSITIONS,
    ITEM_TRANSITIONS,
    ArchiveRecord,
    BatchEvent,
    BatchItem,
    BatchSource,
    BatchStatus,
    BatchTarget,
    DigitisationBatch,
    ItemStatus,
    RecordFile,
)
from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError, InvalidTransition
from vanphong.core.models import Organisation, Secrecy, User
from vanphong.core.policy import require
from vanphong.core.text import fold
from vanphong.documents import access
from vanphong.documents.models import DocumentType
from vanphong.files.models import Blob
from vanphong.search.indexing import enqueue as search_enqueue
from vanphong.search.models import Kind as SearchKind


@dataclass
class BatchOptions:
    target: str = BatchTarget.ARCHIVE
    secrecy: int = Secrecy.NONE
    default_sender: Organisation | None = None
    default_doc_type: DocumentType | None = None
    csv: UploadedFile | None = None


@dataclass
class Created:
    batch: DigitisationBatch
    reused: bool = False  # the same ZIP and CSV were imported before: that batch is returned


def _check_options(actor: User, options: BatchOptions) -> None:
    require(
        actor,
        "archive.import",
        actor.organisation,
        "Chỉ cán bộ lưu trữ hoặc văn thư của cơ quan mới được số hóa tài liệu.",
    )
    if options.target not in BatchTarget.values:
        raise DomainError("Chọn nhập thành tài liệu lưu trữ hoặc văn bản đến.", field="target")
    if options.target == BatchTarget.INCOMING:
        require(
            actor,
            "archive.import_incoming",
            actor.organisation,
            "Chỉ văn thư mới được nhập bản quét thành văn bản đến.",
        )
    if options.secrecy not in Secrecy.values:
        raise DomainError("Mức độ mật không hợp lệ.", field="secrecy")
    if options.secrecy > actor.clearance:
        raise DomainError("Đồng chí không đủ mức tiếp cận bí mật cho lô này.", field="secrecy")
    if options.secrecy > Secrecy.NONE and settings.NETWORK_ZONE == "connected":
        raise DomainError(
            "Máy chủ đang ở mạng có kết nối: không được lưu bản quét tài liệu mật. Tài liệu mật "
            "chỉ được số hóa trên mạng LAN độc lập.",
            field="secrecy",
        )


def _staging_dir() -> Path:
    path = Path(settings.ARCHIVE_STAGING_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save_upload(upload: UploadedFile) -> tuple[Path, str]:
    """Stream the uploaded ZIP to the staging directory while hashing it."""
    digest = hashlib.sha256()
    fd, name = tempfile.mkstemp(dir=_staging_dir(), prefix="zip-", suffix=".zip")
    size, limit = 0, settings.ARCHIVE_ZIP_MAX_BYTES
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:
                    raise DomainError(
                        f"Tệp ZIP vượt giới hạn {limit // (1024**3)} GB cho một lô.",
                        field="archive",
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), digest.hexdigest()


def _read_csv(upload: UploadedFile | None) -> bytes | None:
    if upload is None:
        return None
    if upload.size is not None and upload.size > sources.CSV_MAX_BYTES:
        raise DomainError("Tệp CSV quá lớn (tối đa 5 MB).", field="csv")
    return b"".join(upload.chunks())


def batch_create_from_zip(*, actor: User, upload: UploadedFile, options: BatchOptions) -> Created:
    _check_options(actor, options)
    csv_bytes = _read_csv(options.csv)
    path, zip_sha = _save_upload(upload)
    try:
        members, inner_csv = sources.zip_members(path)
        csv_data = csv_bytes if csv_bytes is not None else inner_csv
        key = zip_sha + ":" + (hashlib.sha256(csv_data).hexdigest()[:64] if csv_data else "")
        assert actor.organisation_id is not None
        earlier = DigitisationBatch.objects.filter(
            organisation_id=actor.organisation_id, source_key=key
        ).first()
        if earlier is not None:
            path.unlink(missing_ok=True)
            return Created(batch=earlier, reused=True)
        final = _staging_dir() / f"{uuid.uuid4().hex}.zip"
        os.replace(path, final)
        path = final
        batch = _create(
            actor=actor,
            options=options,
            source=BatchSource.ZIP,
            source_name=(upload.name or "tệp.zip")[:500],
            source_key=key,
            staging_path=str(final),
            members=members,
            csv_data=csv_data,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Created(batch=batch)


def batch_create_from_folder(*, actor: User, folder: str, options: BatchOptions) -> Created:
    _check_options(actor, options)
    resolved = sources.resolve_folder(folder)
    members, inner_csv = sources.folder_members(resolved)
    csv_bytes = _read_csv(options.csv)
    batch = _create(
        actor=actor,
        options=options,
        source=BatchSource.FOLDER,
        source_name=str(resolved)[:500],
        source_key="",
        staging_path=str(resolved),
        members=members,
        csv_data=csv_bytes if csv_bytes is not None else inner_csv,
    )
    return Created(batch=batch)


def _create(
    *,
    actor: User,
    options: BatchOptions,
    source: str,
    source_name: str,
    source_key: str,
    staging_path: str,
    members: list[sources.Member],
    csv_data: bytes | None,
) -> DigitisationBatch:
    if not members:
        raise DomainError("Không có tệp nào để nhập trong nguồn đã chọn.", field="archive")
    meta = (
        csv_metadata.parse_csv(csv_data, today=access.today())
        if csv_data
        else csv_metadata.Metadata()
    )
    used: set[int] = set()
    items = []
    for seq, member in enumerate(members, start=1):
        row = meta.for_member(member.name)
        if row is not None:
            used.add(row.line)
        error = member.problem or (row.error if row else "")
        items.append(
            BatchItem(
                seq=seq,
                name=member.name[:500],
                status=ItemStatus.FAILED if error else ItemStatus.PENDING,
                error=error,
                retryable=not error,
                metadata=row.values if row else {},
                csv_line=row.line if row else None,
            )
        )
    warnings = list(meta.warnings)
    for row in meta.rows.values():
        if row.line not in used:
            warnings.append(
                f"Dòng {row.line} của CSV: không có tệp “{row.values['file_name']}” trong lô."
            )
    with transaction.atomic():
        assert actor.organisation_id is not None
        batch = DigitisationBatch.objects.create(
            organisation_id=actor.organisation_id,
            created_by=actor,
            source=source,
            source_name=source_name,
            source_key=source_key,
            staging_path=staging_path,
            target=options.target,
            secrecy=options.secrecy,
            default_sender=options.default_sender,
            default_doc_type=options.default_doc_type,
            total=len(items),
            warnings=warnings[:200],
        )
        for item in items:
            item.batch = batch
        BatchItem.objects.bulk_create(items, batch_size=500)
        BatchEvent.objects.create(
            batch=batch,
            actor=actor,
            to_status=BatchStatus.QUEUED,
            note=f"{len(items)} tệp, nhập thành {BatchTarget(options.target).label.lower()}",
        )
        audit_record(
            actor=actor,
            action="archive.batch_create",
            obj=batch,
            summary=f"Tạo lô số hóa {source_name}",
            data={"items": len(items), "target": options.target, "secrecy": options.secrecy},
        )
        transaction.on_commit(lambda: _enqueue(batch.pk), robust=True)
    return batch


def _enqueue(batch_id: int) -> None:
    from vanphong.archive.tasks import run_batch

    run_batch(batch_id)


def batch_move(
    *, batch: DigitisationBatch | int, to: str, actor: User | None = None, note: str = ""
) -> DigitisationBatch:
    with transaction.atomic():
        pk = batch if isinstance(batch, int) else batch.pk
        locked = DigitisationBatch.objects.select_for_update().get(pk=pk)
        if locked.status == to:
            return locked
        if to not in BATCH_TRANSITIONS[locked.status]:
            raise InvalidTransition(
                f"Lô đang ở trạng thái “{BatchStatus(locked.status).label}”, không chuyển sang "
                f"“{BatchStatus(to).label}” được."
            )
        before = locked.status
        locked.status = to
        locked.finished_at = (
            timezone.now() if to in (BatchStatus.DONE, BatchStatus.PARTIAL) else None
        )
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        BatchEvent.objects.create(
            batch=locked, actor=actor, from_status=before, to_status=to, note=note
        )
    return locked


def item_move(
    *,
    item: BatchItem,
    to: str,
    actor: User | None = None,
    error: str = "",
    note: str = "",
    links: dict[str, object] | None = None,
    **fields: object,
) -> BatchItem:
    """Move a locked item (the caller holds the transaction) and write its history row."""
    if to not in ITEM_TRANSITIONS[item.status]:
        raise InvalidTransition(
            f"Tệp đang ở trạng thái “{ItemStatus(item.status).label}”, không chuyển sang "
            f"“{ItemStatus(to).label}” được."
        )
    before = item.status
    item.status = to
    item.error = error
    item.claimed_at = None
    for name, value in {**(links or {}), **fields}.items():
        setattr(item, name, value)
    item.save()
    BatchEvent.objects.create(
        batch_id=item.batch_id,
        item=item,
        actor=actor,
        from_status=before,
        to_status=to,
        note=(note or error)[:2000],
    )
    return item


def batch_retry(
    *, actor: User, batch: DigitisationBatch, item_ids: Iterable[int] | None = None
) -> int:
    """Put failed items back in the queue (all of them, or those given); returns how many."""
    require(actor, "archive.batch_view", batch)
    require(actor, "archive.import", actor.organisation)
    with transaction.atomic():
        locked = DigitisationBatch.objects.select_for_update().get(pk=batch.pk)
        items = BatchItem.objects.select_for_update().filter(
            batch=locked, status=ItemStatus.FAILED, retryable=True
        )
        if item_ids is not None:
            items = items.filter(pk__in=list(item_ids))
        count = 0
        for item in items.order_by("seq"):
            # a record already made only lacks its OCR: go back to that step
            to = ItemStatus.OCR if (item.record_id or item.incoming_id) else ItemStatus.PENDING
            item_move(item=item, to=to, actor=actor, note="Thử lại")
            count += 1
        if not count:
            raise DomainError("Không có tệp lỗi nào thử lại được trong lô này.")
        if locked.status in (BatchStatus.DONE, BatchStatus.PARTIAL):
            batch_move(
                batch=locked, to=BatchStatus.RUNNING, actor=actor, note=f"Thử lại {count} tệp"
            )
        audit_record(
            actor=actor,
            action="archive.batch_retry",
            obj=locked,
            summary=f"Thử lại {count} tệp lỗi của lô số hóa {locked.pk}",
        )
        transaction.on_commit(lambda: _enqueue(locked.pk), robust=True)
    return count


@dataclass
class RecordData:
    file_notation: str = ""
    code_number: str = ""
    code_notation: str = ""
    issued_date: date | None = None
    type_name: str = ""
    subject: str = ""
    page_amount: int | None = None
    organ_name: str = ""
    maintenance: str = ""

    @classmethod
    def from_metadata(cls, values: dict[str, object]) -> RecordData:
        issued = values.get("issued_date")
        pages = values.get("page_amount")
        return cls(
            file_notation=str(values.get("file_notation", "")),
            code_number=str(values.get("code_number", "")),
            code_notation=str(values.get("code_notation", "")),
            issued_date=date.fromisoformat(str(issued)) if issued else None,
            type_name=str(values.get("type_name", "")),
            subject=str(values.get("subject", "")),
            page_amount=int(str(pages)) if pages else None,
            organ_name=str(values.get("organ_name", "")),
            maintenance=str(values.get("maintenance", "")),
        )


def record_create(
    *,
    actor: User,
    batch: DigitisationBatch,
    data: RecordData,
    files: Sequence[tuple[Blob, str, str]],
) -> ArchiveRecord:
    """An archive record with its files (blob, name, role). The caller holds the transaction."""
    require(actor, "archive.import", actor.organisation)
    text = " ".join(
        [data.code_notation, data.subject, data.type_name, data.organ_name, data.file_notation]
    )
    record = ArchiveRecord.objects.create(
        organisation_id=batch.organisation_id,
        batch=batch,
        file_notation=data.file_notation,
        code_number=data.code_number,
        code_notation=data.code_notation,
        issued_date=data.issued_date,
        type_name=data.type_name,
        subject=data.subject,
        page_amount=data.page_amount,
        organ_name=data.organ_name,
        maintenance=data.maintenance,
        secrecy=batch.secrecy,
        search_text=fold(text),
        created_by=actor,
    )
    for blob, name, role in files:
        RecordFile.objects.get_or_create(
            record=record, blob=blob, defaults={"name": name[:255], "role": role}
        )
    search_enqueue(SearchKind.ARCHIVE, record.pk)  # metadata now, the OCR text when it is ready
    audit_record(
        actor=actor,
        action="archive.record_create",
        obj=record,
        summary=f"Số hóa: {record}",
        data={"batch": batch.pk, "files": [b.sha256 for b, _, _ in files]},
    )
    return record


def record_text_ready(*, record_id: int, pages: int | None) -> None:
    """The OCR of a record's scan is done: keep the page count it found (when the CSV did not
    give one) and queue the record for the search index, whose entry gains the text. The caller
    holds the transaction."""
    if pages:
        ArchiveRecord.objects.filter(pk=record_id, page_amount__isnull=True).update(
            page_amount=pages
        )
    search_enqueue(SearchKind.ARCHIVE, record_id)
