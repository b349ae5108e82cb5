"""Text extraction and OCR on real files: a generated Vietnamese scan read by Tesseract (vie),
a searchable PDF/A kept beside it, and bad files that fail with a clear message."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from vanphong.files import extract
from vanphong.files.models import Blob, BlobText, ExtractMethod, ExtractStatus
from vanphong.files.store import FileBatch, blob_path
from vanphong.search import indexing
from vanphong.search.selectors import SearchParams, search

FONT = Path(__file__).resolve().parent.parent / "vanphong" / "fonts" / "NotoSerif-Regular.ttf"
SENTENCE = "Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy đảng quán triệt nghị quyết"
LINES = [
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    SENTENCE,
    "và báo cáo kết quả thực hiện trước ngày 30 tháng 6 năm 2026.",
    "Đồng chí Bí thư Đảng ủy chịu trách nhiệm tổ chức thực hiện.",
]


def scan_png(lines: list[str] = LINES) -> bytes:
    """An A4 page at 300 dpi with the text rendered like a clean scan."""
    image = Image.new("L", (2480, 1200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 44)
    for i, line in enumerate(lines):
        draw.text((180, 160 + i * 110), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def scan_pdf() -> bytes:
    image = Image.open(io.BytesIO(scan_png()))
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=300)
    return out.getvalue()


def store(data: bytes, name: str) -> Blob:
    with FileBatch() as batch:
        return batch.add_bytes(data, name=name)


@pytest.mark.django_db
def test_a_scanned_vietnamese_page_is_read_and_kept_as_searchable_pdfa() -> None:
    blob = store(scan_pdf(), "scan.pdf")
    row = extract.extract_blob(blob.sha256)
    assert row.status == ExtractStatus.DONE, row.error
    assert row.method == ExtractMethod.OCR
    assert "Thường vụ Tỉnh ủy" in row.text
    assert "quán triệt nghị quyết" in row.text
    assert row.searchable is not None and row.searchable.content_type == "application/pdf"
    pdf = blob_path(row.searchable.sha256).read_bytes()
    assert b"pdfaid:part" in pdf
    assert row.progress == 100


@pytest.mark.django_db
def test_an_image_scan_is_read_too() -> None:
    blob = store(scan_png(), "scan.png")
    row = extract.extract_blob(blob.sha256)
    assert row.status == ExtractStatus.DONE, row.error
    assert "Bí thư Đảng ủy" in row.text


def test_extracting_twice_does_the_work_once(db: Any, make_pdf: Any) -> None:
    blob = store(make_pdf(text="Thong bao ket luan cua Thuong truc Tinh uy " * 3).read(), "a.pdf")
    first = extract.extract_blob(blob.sha256)
    assert first.status == ExtractStatus.DONE and first.method == ExtractMethod.PDF_TEXT
    second = extract.extract_blob(blob.sha256)
    assert second.attempts == first.attempts == 1


def docx_bytes(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats'
        f'.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


def test_docx_text_is_read_without_extra_libraries(db: Any) -> None:
    blob = store(docx_bytes(["Kế hoạch công tác tháng", "Điều động cán bộ"]), "k.docx")
    row = extract.extract_blob(blob.sha256)
    assert row.status == ExtractStatus.DONE, row.error
    assert row.text == "Kế hoạch công tác tháng\nĐiều động cán bộ"


def test_a_password_protected_pdf_gets_a_clear_message(db: Any, make_pdf: Any) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(make_pdf()).pages:
        writer.add_page(page)
    writer.encrypt("matkhau")
    out = io.BytesIO()
    writer.write(out)
    blob = store(out.getvalue(), "khoa.pdf")
    row = extract.extract_blob(blob.sha256)
    assert row.status == ExtractStatus.FAILED
    assert "mật khẩu" in row.error


def test_a_corrupt_pdf_gets_a_clear_message_and_the_next_file_still_works(
    db: Any, make_pdf: Any
) -> None:
    good = store(make_pdf(text="Quyet dinh ve viec thanh lap to cong tac " * 3).read(), "ok.pdf")
    damaged = Blob.objects.create(sha256="0" * 64, size=10, content_type="application/pdf")
    path = blob_path(damaged.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    bad = extract.extract_blob(damaged.sha256)
    assert bad.status == ExtractStatus.FAILED and bad.error
    assert extract.extract_blob(good.sha256).status == ExtractStatus.DONE
    path.unlink()


def test_a_30000_pixel_square_image_is_refused_before_decoding(db: Any) -> None:
    image = Image.new("1", (30_000, 30_000), 1)
    out = io.BytesIO()
    image.save(out, format="PNG")
    del image
    blob = store(out.getvalue(), "khong-lo.png")
    row = extract.extract_blob(blob.sha256)
    assert row.status == ExtractStatus.FAILED
    assert "Ảnh quá lớn" in row.error


def test_a_scan_attached_to_a_document_becomes_searchable(
    demo: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upload = SimpleUploadedFile("scan.pdf", scan_pdf(), content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        doc = demo.register_incoming(summary="Công văn của Tỉnh ủy", files=[upload])
    # the callbacks ran: outbox drained, extraction queued and run, the document re-indexed
    indexing.drain()
    assert BlobText.objects.get(blob_id=doc.files.get().blob_id).status == ExtractStatus.DONE
    page = search(demo.user("vanthu"), SearchParams(q='"quan triet nghi quyet"'))
    assert [h.object_id for h in page.hits] == [doc.pk]
    assert "<mark>" in str(page.hits[0].snippet)
