"""The worker side of a digitisation batch: items taken one by one, each step saved.

An item is claimed (claimed_at) before work starts; a claim older than the lease is a crashed
worker's and is taken over, so a batch resumes where it stopped. Storing the scan and creating its
record (or incoming document) happen in one transaction; OCR runs after, through the files app's
extraction (OCRmyPDF + Tesseract `vie`, searchable PDF kept beside the original). Any failure is
recorded on the item with a Vietnamese message and the next item goes on.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vanphong.archive import services, sources
from vanphong.archive.models import (
    BatchItem,
    BatchStatus,
    BatchTarget,
    DigitisationBatch,
    ItemStatus,
    RecordFile,
    RecordFileRole,
)
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, User
from vanphong.core.text import fold
from vanphong.documents.models import DocumentFile, DocumentType
from vanphong.files import extract
from vanphong.files.models import Blob, ExtractStatus
from vanphong.files.storage import get_storage
from vanphong.files.store import FileBatch

log = logging.getLogger(__name__)
SCAN_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/tiff"}


def lease() -> timedelta:
    return timedelta(seconds=settings.OCR_TIMEOUT_SECONDS + 600)


def _claimable(batch_id: int) -> Q:
    stale = timezone.now() - lease()
    return Q(batch_id=batch_id, status__in=[ItemStatus.PENDING, ItemStatus.OCR]) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )


def _claim(item_id: int, batch_id: int) -> BatchItem | None:
    with transaction.atomic():
        item = (
            BatchItem.objects.select_for_update().filter(_claimable(batch_id), pk=item_id).first()
        )
        if item is None:
            return None
        item.claimed_at = timezone.now()
        item.attempts += 1
        item.save(update_fields=["claimed_at", "attempts", "updated_at"])
    return item


def run_batch(batch_id: int, *, limit: int | None = None) -> int:
    """Process the batch's waiting items in order; returns how many were handled."""
    batch = DigitisationBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return 0
    idle = (BatchStatus.QUEUED, BatchStatus.PARTIAL, BatchStatus.DONE)
    if batch.status in idle and BatchItem.objects.filter(_claimable(batch_id)).exists():
        services.batch_move(batch=batch, to=BatchStatus.RUNNING, note="Bắt đầu xử lý")
    done = 0
    while limit is None or done < limit:
        next_id = (
            BatchItem.objects.filter(_claimable(batch_id))
            .order_by("seq")
            .values_list("pk", flat=True)
            .first()
        )
        if next_id is None:
            break
        item = _claim(next_id, batch_id)
        if item is None:
            continue
        process_item(item)
        done += 1
    finish_if_done(batch_id)
    return done


def finish_if_done(batch_id: int) -> None:
    with transaction.atomic():
        batch = DigitisationBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.RUNNING:
            return
        waiting = BatchItem.objects.filter(
            batch_id=batch_id, status__in=[ItemStatus.PENDING, ItemStatus.OCR]
        ).exists()
        if waiting:
            return
        failed = BatchItem.objects.filter(batch_id=batch_id, status=ItemStatus.FAILED).count()
        to = BatchStatus.PARTIAL if failed else BatchStatus.DONE
        services.batch_move(
            batch=batch, to=to, note=f"{failed} tệp lỗi" if failed else "Mọi tệp đã xong"
        )
        if to == BatchStatus.DONE and batch.source == "zip" and batch.staging_path:
            path = batch.staging_path
            transaction.on_commit(lambda: Path(path).unlink(missing_ok=True))


def _fail(item_id: int, message: str) -> None:
    with transaction.atomic():
        item = BatchItem.objects.select_for_update().get(pk=item_id)
        if item.status in (ItemStatus.PENDING, ItemStatus.OCR):
            services.item_move(item=item, to=ItemStatus.FAILED, error=message)


def process_item(item: BatchItem) -> None:
    try:
        if item.status == ItemStatus.PENDING:
            item = _store(item)
        if item.status == ItemStatus.OCR:
            _ocr(item)
    except DomainError as exc:
        _fail(item.pk, exc.message)
    except Exception as exc:  # one bad file never stops the batch
        log.exception("digitisation item %s failed", item.pk)
        _fail(item.pk, f"Lỗi không xác định khi xử lý tệp: {type(exc).__name__}: {exc}")


def _chunks_with_head(item: BatchItem, batch: DigitisationBatch) -> Iterator[bytes]:
    stream = sources.read_member(source=batch.source, location=batch.staging_path, name=item.name)
    first = next(stream, b"")
    if (
        first.startswith((b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b"))
        and b"word/" not in first[:4096]
    ):
        raise DomainError("Tệp nén nằm trong tệp nén: hãy giải nén và nhập thành một lô riêng.")
    yield first
    yield from stream


def _check_scan(blob: Blob) -> None:
    """Refuse what is not a readable scan before any record is made."""
    if blob.content_type not in SCAN_TYPES:
        raise DomainError("Không phải bản quét (chỉ nhận PDF, TIFF, JPEG, PNG).")
    with get_storage().local_copy(blob.sha256) as path:
        try:
            if blob.content_type == "application/pdf":
                extract.pdf_text(path)  # encrypted or unreadable PDFs fail here
            else:
                extract.check_image(path)
        except extract.ExtractionError as exc:
            raise DomainError(str(exc)) from None


def tiff_pages(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as image:
        return int(getattr(image, "n_frames", 1))


def tiff_to_pdf(path: Path) -> bytes:
    """A multi-page TIFF as one PDF (img2pdf: lossless, no re-encoding where possible)."""
    import img2pdf
    from PIL import Image, ImageSequence

    try:
        return bytes(img2pdf.convert(str(path)))
    except Exception:  # unusual TIFF encodings: re-encode each page through Pillow
        out = io.BytesIO()
        with Image.open(path) as image:
            pages = [
                p.convert("RGB") if p.mode not in ("1", "L", "RGB") else p.copy()
                for p in ImageSequence.Iterator(image)
            ]
            dpi = image.info.get("dpi", (300, 300))[0] or 300
        pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
        return out.getvalue()


def _duplicate_of(batch: DigitisationBatch, blob: Blob) -> tuple[str, object] | None:
    if batch.target == BatchTarget.ARCHIVE:
        found = (
            RecordFile.objects.filter(blob=blob, record__organisation_id=batch.organisation_id)
            .select_related("record")
            .first()
        )
        return ("record", found.record) if found else None
    doc_file = (
        DocumentFile.objects.filter(blob=blob, document__organisation_id=batch.organisation_id)
        .select_related("document")
        .first()
    )
    return ("incoming", doc_file.document) if doc_file else None


def _store(item: BatchItem) -> BatchItem:
    batch = DigitisationBatch.objects.select_related("created_by").get(pk=item.batch_id)
    actor = User.objects.get(pk=batch.created_by_id)
    display = item.name.rsplit("/", 1)[-1]
    # One transaction: a refused scan leaves neither a Blob row nor its bytes behind.
    with FileBatch() as files, transaction.atomic():
        blob = files.add_chunks(_chunks_with_head(item, batch), name=display)
        _check_scan(blob)
        duplicate = _duplicate_of(batch, blob)
        if duplicate is not None:
            kind, obj = duplicate
            locked = BatchItem.objects.select_for_update().get(pk=item.pk)
            links: dict[str, object] = {"blob": blob, kind: obj}
            return services.item_move(
                item=locked,
                to=ItemStatus.DUPLICATE,
                note=f"Nội dung đã được nhập trước đây: {obj}",
                links=links,
            )
        stored: list[tuple[Blob, str, str]] = [(blob, display, RecordFileRole.SCAN)]
        ocr_blob = blob
        if blob.content_type == "image/tiff":
            with get_storage().local_copy(blob.sha256) as path:
                if tiff_pages(path) > 1:
                    pdf = files.add_bytes(tiff_to_pdf(path), name=f"{display}.pdf")
                    stored.append((pdf, display.rsplit(".", 1)[0] + ".pdf", RecordFileRole.PDF))
                    ocr_blob = pdf
        with transaction.atomic():
            locked = BatchItem.objects.select_for_update().get(pk=item.pk)
            if locked.status != ItemStatus.PENDING:
                return locked
            if batch.target == BatchTarget.ARCHIVE:
                record = services.record_create(
                    actor=actor,
                    batch=batch,
                    data=services.RecordData.from_metadata(locked.metadata),
                    files=stored,
                )
                return services.item_move(
                    item=locked, to=ItemStatus.OCR, blob=ocr_blob, record=record
                )
            doc = _register_incoming(actor, batch, locked, stored)
            return services.item_move(item=locked, to=ItemStatus.OCR, blob=ocr_blob, incoming=doc)


def _sender(batch: DigitisationBatch, name: str) -> Organisation:
    if name:
        folded = fold(name)
        found = Organisation.objects.filter(is_active=True, search_name__contains=folded)
        for org in found[:20]:
            if folded in (fold(org.full_name), fold(org.short_name)):
                return org
    if batch.default_sender_id:
        return Organisation.objects.get(pk=batch.default_sender_id)
    raise DomainError(
        f"Không tìm thấy cơ quan ban hành “{name}” trong danh bạ; hãy thêm vào danh bạ hoặc chọn "
        "cơ quan gửi mặc định của lô."
        if name
        else "Thiếu cơ quan ban hành: hãy ghi cột “cơ quan ban hành” hoặc chọn cơ quan gửi "
        "mặc định."
    )


def _doc_type(batch: DigitisationBatch, name: str) -> DocumentType:
    if name:
        wanted = fold(name)
        for doc_type in DocumentType.objects.filter(is_active=True):
            if wanted in (fold(doc_type.name), fold(doc_type.abbr)):
                return doc_type
    if batch.default_doc_type_id:
        return DocumentType.objects.get(pk=batch.default_doc_type_id)
    raise DomainError(
        f"Loại văn bản “{name}” không có trong danh mục; hãy chọn loại mặc định của lô."
        if name
        else "Thiếu loại văn bản: hãy ghi cột “loại” hoặc chọn loại mặc định của lô."
    )


def _register_incoming(
    actor: User, batch: DigitisationBatch, item: BatchItem, stored: list[tuple[Blob, str, str]]
) -> object:
    from vanphong.documents.services import IncomingData, incoming_register

    values = item.metadata
    missing = [
        label
        for key, label in (
            ("code_notation", "số ký hiệu"),
            ("issued_date", "ngày văn bản"),
            ("subject", "trích yếu"),
        )
        if not values.get(key)
    ]
    if missing:
        raise DomainError(
            "Thiếu " + ", ".join(missing) + " trong CSV: văn bản đến cần đủ các trường này để "
            "vào sổ."
        )
    data = services.RecordData.from_metadata(values)
    notes = "; ".join(
        part
        for part in (
            f"Hồ sơ: {data.file_notation}" if data.file_notation else "",
            f"Thời hạn bảo quản: {data.maintenance}" if data.maintenance else "",
            f"Số hóa từ lô {batch.pk}, tệp {item.name}",
        )
        if part
    )
    uploads = []
    for blob, name, _ in stored:
        handle = get_storage().open(blob.sha256)
        uploads.append(UploadedFile(file=handle, name=name, size=blob.size))
    try:
        assert data.issued_date is not None
        return incoming_register(
            actor=actor,
            data=IncomingData(
                sender=_sender(batch, data.organ_name),
                code_notation=data.code_notation,
                document_date=data.issued_date,
                doc_type=_doc_type(batch, data.type_name),
                summary=data.subject,
                page_count=data.page_amount,
                secrecy=batch.secrecy,
                notes=notes,
                files=uploads,
            ),
            duplicate_reason=f"Nhập từ lô số hóa {batch.pk}",
        )
    finally:
        for upload in uploads:
            upload.close()


def _ocr(item: BatchItem) -> None:
    assert item.blob_id is not None
    row = extract.extract_blob(item.blob_id)
    if row.status != ExtractStatus.DONE:
        _fail(item.pk, f"Nhận dạng chữ không thành công: {row.error}")
        return
    if item.incoming_id:
        from vanphong.search.indexing import reindex_blob_users

        reindex_blob_users(item.blob_id)
    with transaction.atomic():
        locked = BatchItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != ItemStatus.OCR:
            return
        if locked.record_id:
            services.record_text_ready(record_id=locked.record_id, pages=row.pages)
        services.item_move(item=locked, to=ItemStatus.DONE)


def resumable_batches() -> list[int]:
    stale = timezone.now() - lease()
    quiet = timezone.now() - timedelta(minutes=5)
    ids = (
        BatchItem.objects.filter(
            status__in=[ItemStatus.PENDING, ItemStatus.OCR],
            updated_at__lt=quiet,
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .values_list("batch_id", flat=True)
        .distinct()
    )
    return sorted(set(ids))[:100]
