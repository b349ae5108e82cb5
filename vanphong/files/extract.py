"""Text extraction, once per stored file: the PDF text layer, DOCX, or OCR for scans and images.

`extract_blob` is idempotent (a finished blob is skipped) and resumable (a run interrupted by a
crash is picked up again by `resume_stale`). Failures are recorded with a Vietnamese message on the
blob's row, shown on the document page; the worker carries on with the next file.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from vanphong.files.models import Blob, BlobText, ExtractMethod, ExtractStatus
from vanphong.files.ocr import OcrFailed, run_ocr
from vanphong.files.storage import BlobMissing, get_storage
from vanphong.files.store import FileBatch

MAX_TEXT_CHARS = 2_000_000
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024
IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff"}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class ExtractionError(Exception):
    """message: Vietnamese, shown to the user."""


def request(blob_ids: list[str]) -> list[str]:
    """Create the pending rows of blobs never seen; returns those that need work."""
    known = set(BlobText.objects.filter(blob_id__in=blob_ids).values_list("blob_id", flat=True))
    new = [BlobText(blob_id=b) for b in blob_ids if b not in known]
    BlobText.objects.bulk_create(new, ignore_conflicts=True)
    return [b.blob_id for b in new]


def _set(blob_id: str, **fields: object) -> None:
    BlobText.objects.filter(blob_id=blob_id).update(updated_at=timezone.now(), **fields)


def extract_blob(blob_id: str) -> BlobText:
    with transaction.atomic():
        row, _ = BlobText.objects.select_for_update().get_or_create(blob_id=blob_id)
        if row.status == ExtractStatus.DONE:
            return row
        BlobText.objects.filter(pk=row.pk).update(
            status=ExtractStatus.RUNNING,
            progress=1,
            error="",
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
    blob = Blob.objects.get(pk=blob_id)
    try:
        method, text, pages, searchable = _extract(blob, lambda p: _set(blob_id, progress=p))
    except ExtractionError as exc:
        _set(blob_id, status=ExtractStatus.FAILED, error=str(exc), progress=0)
    except Exception as exc:  # never let one file stop the worker
        _set(
            blob_id,
            status=ExtractStatus.FAILED,
            progress=0,
            error=f"Lỗi không xác định khi trích xuất nội dung: {type(exc).__name__}: {exc}",
        )
    else:
        _set(
            blob_id,
            status=ExtractStatus.DONE,
            method=method,
            text=text[:MAX_TEXT_CHARS],
            pages=pages,
            searchable=searchable,
            progress=100,
            error="",
        )
    return BlobText.objects.get(pk=blob_id)


def _extract(
    blob: Blob, progress: Callable[[int], None]
) -> tuple[str, str, int | None, Blob | None]:
    try:
        with get_storage().local_copy(blob.sha256) as path:
            return _extract_path(blob, path, progress)
    except BlobMissing:
        raise ExtractionError("Không tìm thấy tệp trong kho lưu trữ (tệp bị mất).") from None


def _extract_path(
    blob: Blob, path: Path, progress: Callable[[int], None]
) -> tuple[str, str, int | None, Blob | None]:
    if blob.content_type == "application/pdf":
        text, pages = pdf_text(path)
        progress(10)
        if pages and len(text.strip()) >= settings.OCR_MIN_CHARS_PER_PAGE * pages:
            return ExtractMethod.PDF_TEXT, text, pages, None
        ocr_text, searchable = _ocr(path, progress, image_dpi=None, name=blob.sha256)
        return ExtractMethod.OCR, ocr_text or text, pages, searchable
    if blob.content_type.endswith("wordprocessingml.document"):
        return ExtractMethod.DOCX, docx_text(path), None, None
    if blob.content_type in IMAGE_TYPES:
        dpi = check_image(path)
        progress(5)
        text, searchable = _ocr(path, progress, image_dpi=dpi, name=blob.sha256)
        return ExtractMethod.OCR, text, 1, searchable
    raise ExtractionError(f"Không trích xuất được nội dung từ định dạng {blob.content_type}.")


def pdf_text(path: Path) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise FileNotDecryptedError
            except (FileNotDecryptedError, NotImplementedError):
                raise ExtractionError(
                    "PDF được đặt mật khẩu: không đọc được nội dung. Hãy đề nghị nơi gửi gửi lại "
                    "bản không đặt mật khẩu."
                ) from None
        pages = len(reader.pages)
        parts = []
        for page in reader.pages:
            parts.append(page.extract_text() or "")
        return "\n".join(parts), pages
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ExtractionError(f"PDF bị hỏng, không đọc được nội dung ({exc}).") from None


def docx_text(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise ExtractionError("Tệp DOCX có nội dung quá lớn, không trích xuất.")
            with archive.open(info) as handle:
                paragraphs, current = [], []
                for _, element in ElementTree.iterparse(handle, events=("end",)):
                    if element.tag == f"{_W}t" and element.text:
                        current.append(element.text)
                    elif element.tag == f"{_W}tab":
                        current.append("\t")
                    elif element.tag == f"{_W}p":
                        paragraphs.append("".join(current))
                        current = []
                        element.clear()
        return "\n".join(paragraphs)
    except ExtractionError:
        raise
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise ExtractionError(f"Tệp DOCX bị hỏng, không đọc được nội dung ({exc}).") from None


def check_image(path: Path) -> int:
    """Refuse decompression bombs before any pixel is decoded; returns the DPI to assume."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            dpi = image.info.get("dpi", (0, 0))[0]
    except Image.DecompressionBombError:
        raise ExtractionError(
            "Ảnh quá lớn (vượt giới hạn an toàn về số điểm ảnh): không nhận dạng chữ."
        ) from None
    except (OSError, ValueError) as exc:
        raise ExtractionError(f"Ảnh bị hỏng, không đọc được ({exc}).") from None
    if width * height > settings.OCR_MAX_PIXELS:
        raise ExtractionError(
            f"Ảnh quá lớn ({width:,}×{height:,} điểm ảnh, tối đa "
            f"{settings.OCR_MAX_PIXELS:,} điểm ảnh): không nhận dạng chữ. Hãy quét lại ở độ "
            "phân giải 300 dpi.".replace(",", ".")
        )
    return int(dpi) if dpi and dpi >= 72 else 300


def _ocr(
    path: Path, progress: Callable[[int], None], *, image_dpi: int | None, name: str
) -> tuple[str, Blob]:
    work = Path(settings.FILE_UPLOAD_TEMP_DIR)
    with tempfile.TemporaryDirectory(dir=work, prefix="ocr-") as tmp:
        output, sidecar = Path(tmp) / "ocr.pdf", Path(tmp) / "ocr.txt"
        progress(15)
        try:
            text = run_ocr(
                path,
                output,
                sidecar,
                image_dpi=image_dpi,
                on_progress=lambda p: progress(15 + int(p * 0.8)),
            )
        except OcrFailed as exc:
            raise ExtractionError(str(exc)) from None
        with FileBatch() as batch, output.open("rb") as handle:
            searchable = batch.add(handle, name=f"{name}-ocr.pdf")
    return text, searchable


def resume_stale(older_than: timedelta = timedelta(hours=1)) -> list[str]:
    """Blobs left pending, or running when a worker died: to be extracted again."""
    cutoff = timezone.now() - older_than
    stale = BlobText.objects.filter(
        status__in=[ExtractStatus.PENDING, ExtractStatus.RUNNING], updated_at__lt=cutoff
    ).values_list("blob_id", flat=True)
    return list(stale[:500])
