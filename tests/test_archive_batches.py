"""Digitisation batches: a ZIP of scans with a CSV, one real OCR of a generated Vietnamese scan,
bad files among good ones (each failing with its own Vietnamese reason while the batch goes on),
idempotent re-import, a server folder with a retried item, and a crashed worker's batch resumed."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import Demo, pdf_bytes
from tests.test_ocr import scan_png
from vanphong.archive import processing, services, sources
from vanphong.archive.metadata import parse_csv
from vanphong.archive.models import (
    ArchiveRecord,
    BatchItem,
    BatchStatus,
    BatchTarget,
    ItemStatus,
    RecordFileRole,
)
from vanphong.core.errors import DomainError
from vanphong.core.models import Role, User
from vanphong.documents.models import IncomingDocument
from vanphong.files.models import BlobText, ExtractMethod, ExtractStatus

CSV = (
    "Tên tệp,CodeNotation,Ngày văn bản,TypeName,Trích yếu,Số trang,Cơ quan ban hành,Hồ sơ,"
    "Maintenance\n"
    "trang-1.png,05-CT/TU,12/10/1998,Chỉ thị,Về việc quán triệt nghị quyết,1,Tỉnh ủy,"
    "HS-1998-01,Vĩnh viễn\n"
    "ngay-sai.pdf,07-CV/TU,31/02/2020,Công văn,Ngày không tồn tại,1,Tỉnh ủy,HS-2020-02,10 năm\n"
    "khong-co.pdf,09-TB/TU,01/01/2001,Thông báo,Tệp không có trong lô,1,Tỉnh ủy,HS-2001-03,\n"
)


def clerk(demo: Demo) -> User:
    """The archive clerk (cán bộ lưu trữ) of the Văn phòng Tỉnh ủy, from the demo data."""
    user = demo.user("luutru")
    assert user.has_role(Role.LUU_TRU)
    return user


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes("Mat khau"))).pages:
        writer.add_page(page)
    writer.encrypt("matkhau")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def huge_png_header(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG that declares 30,000×30,000 pixels (refused before any pixel is decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def two_page_tiff() -> bytes:
    pages = [Image.new("L", (300, 200), 255) for _ in range(2)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], dpi=(200, 200))
    return out.getvalue()


def bad_and_good_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scans/trang-1.png", scan_png())
        archive.writestr("ban-danh-may.pdf", pdf_bytes("Bao cao tong ket cong tac luu tru " * 3))
        archive.writestr("nhieu-trang.tif", two_page_tiff())
        archive.writestr("ngay-sai.pdf", pdf_bytes("Ngay sai trong CSV"))
        archive.writestr("hong.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
        archive.writestr("khoa.pdf", encrypted_pdf())
        archive.writestr("anh-khong-lo.png", huge_png_header())
        archive.writestr("ghi-chu.txt", "không phải bản quét")
        archive.writestr("long/nhau.zip", b"PK\x03\x04 nested")
        archive.writestr("../../etc/vuot-thu-muc.pdf", pdf_bytes("Path traversal"))
        archive.writestr("bom.pdf", b"\x00" * (20 * 1024 * 1024))  # ratio ~1000:1
        archive.writestr(".DS_Store", b"\x00\x00")
        archive.writestr("mo-ta.csv", CSV)
    return out.getvalue()


def upload(data: bytes, name: str = "so-hoa-1998.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def items_by_name(batch_id: int) -> dict[str, BatchItem]:
    return {i.name: i for i in BatchItem.objects.filter(batch_id=batch_id)}


def test_a_zip_of_scans_with_bad_files_among_good_ones(
    demo: Demo, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = clerk(demo)
    zip_data = bad_and_good_zip()
    with django_capture_on_commit_callbacks(execute=True):
        created = services.batch_create_from_zip(
            actor=user, upload=upload(zip_data), options=services.BatchOptions()
        )
    batch = created.batch
    batch.refresh_from_db()
    items = items_by_name(batch.pk)
    assert ".DS_Store" not in items and "mo-ta.csv" not in items
    assert batch.total == len(items) == 11
    assert batch.status == BatchStatus.PARTIAL

    # the real OCR of a generated Vietnamese scan, with the CSV's archive metadata
    scan = items["scans/trang-1.png"]
    assert scan.status == ItemStatus.DONE, scan.error
    record = ArchiveRecord.objects.get(pk=scan.record_id)
    assert (record.code_notation, record.type_name, record.file_notation) == (
        "05-CT/TU",
        "Chỉ thị",
        "HS-1998-01",
    )
    assert record.issued_date == dt.date(1998, 10, 12) and record.maintenance == "Vĩnh viễn"
    state = BlobText.objects.get(blob_id=scan.blob_id)
    assert state.method == ExtractMethod.OCR and state.searchable is not None
    assert "quán triệt nghị quyết" in state.text

    typed = items["ban-danh-may.pdf"]
    assert typed.status == ItemStatus.DONE, typed.error
    assert BlobText.objects.get(blob_id=typed.blob_id).method == ExtractMethod.PDF_TEXT

    tiff = items["nhieu-trang.tif"]
    assert tiff.status == ItemStatus.DONE, tiff.error
    files = {f.role: f for f in ArchiveRecord.objects.get(pk=tiff.record_id).files.all()}
    assert files[RecordFileRole.SCAN].blob.content_type == "image/tiff"
    assert files[RecordFileRole.PDF].blob.content_type == "application/pdf"
    assert tiff.blob_id == files[RecordFileRole.PDF].blob_id
    assert BlobText.objects.get(blob_id=tiff.blob_id).pages == 2

    reasons = {
        "ngay-sai.pdf": "Dòng 3 của CSV: ngày văn bản “31/02/2020” không hợp lệ",
        "hong.pdf": "PDF bị hỏng",
        "khoa.pdf": "mật khẩu",
        "anh-khong-lo.png": "Ảnh quá lớn",
        "ghi-chu.txt": "Không phải bản quét",
        "long/nhau.zip": "Tệp nén nằm trong tệp nén",
        "../../etc/vuot-thu-muc.pdf": "không an toàn",
        "bom.pdf": "ZIP bomb",
    }
    for name, reason in reasons.items():
        assert items[name].status == ItemStatus.FAILED, name
        assert reason in items[name].error, (name, items[name].error)
    assert not items["ngay-sai.pdf"].retryable
    assert any("không có tệp “khong-co.pdf”" in w for w in batch.warnings)
    assert ArchiveRecord.objects.filter(batch=batch).count() == 3
    assert not (Path(settings.ARCHIVE_STAGING_DIR).parent / "etc").exists()

    # the same ZIP again: the same batch, nothing duplicated
    again = services.batch_create_from_zip(
        actor=user, upload=upload(zip_data, "lan-hai.zip"), options=services.BatchOptions()
    )
    assert again.reused and again.batch.pk == batch.pk
    # the same scans in another ZIP (no CSV): recognised by their hash, no new record
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr(
            "ban-sao/ban-danh-may.pdf",
            zipfile.ZipFile(io.BytesIO(zip_data)).read("ban-danh-may.pdf"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.batch_create_from_zip(
            actor=user, upload=upload(other.getvalue()), options=services.BatchOptions()
        ).batch
    item = BatchItem.objects.get(batch=copy)
    assert item.status == ItemStatus.DUPLICATE and item.record_id == typed.record_id
    assert ArchiveRecord.objects.count() == 3


def test_folder_import_a_failed_item_retried_and_a_crashed_worker_resumed(
    demo: Demo, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ARCHIVE_IMPORT_ROOT = str(tmp_path)
    folder = tmp_path / "2024" / "phong-1"
    folder.mkdir(parents=True)
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        (folder / name).write_bytes(pdf_bytes(f"Van ban luu tru {name} " * 4))
    user = clerk(demo)
    with pytest.raises(DomainError, match="Chỉ được nhập thư mục nằm trong"):
        services.batch_create_from_folder(
            actor=user, folder="../../etc", options=services.BatchOptions()
        )
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        batch = services.batch_create_from_folder(
            actor=user, folder="2024/phong-1", options=services.BatchOptions()
        ).batch
    items = items_by_name(batch.pk)
    # a worker died while holding item a; another still holds item c
    BatchItem.objects.filter(pk=items["a.pdf"].pk).update(
        claimed_at=timezone.now() - dt.timedelta(hours=3)
    )
    BatchItem.objects.filter(pk=items["c.pdf"].pk).update(claimed_at=timezone.now())
    saved = (folder / "b.pdf").read_bytes()
    (folder / "b.pdf").unlink()
    assert processing.resumable_batches() == []  # too recent to be called stale
    assert processing.run_batch(batch.pk) == 2
    items = items_by_name(batch.pk)
    assert items["a.pdf"].status == ItemStatus.DONE
    assert items["b.pdf"].status == ItemStatus.FAILED
    assert "Không tìm thấy tệp trong thư mục" in items["b.pdf"].error
    assert items["c.pdf"].status == ItemStatus.PENDING  # held by the other worker

    BatchItem.objects.filter(pk=items["c.pdf"].pk).update(claimed_at=None)
    processing.run_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PARTIAL

    (folder / "b.pdf").write_bytes(saved)
    client = demo.client("luutru")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/luu-tru/so-hoa/{batch.pk}/thu-lai/", {"item": items["b.pdf"].pk})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert BatchItem.objects.get(pk=items["b.pdf"].pk).status == ItemStatus.DONE
    assert batch.status == BatchStatus.DONE
    assert ArchiveRecord.objects.filter(batch=batch).count() == 3
    history = batch.events.filter(item__isnull=True).values_list("from_status", "to_status")
    assert list(history) == [
        ("", BatchStatus.QUEUED),
        (BatchStatus.QUEUED, BatchStatus.RUNNING),
        (BatchStatus.RUNNING, BatchStatus.PARTIAL),
        (BatchStatus.PARTIAL, BatchStatus.RUNNING),
        (BatchStatus.RUNNING, BatchStatus.DONE),
    ]
    page = client.get(f"/luu-tru/so-hoa/{batch.pk}/")
    assert page.status_code == 200 and "3 / 3" in page.content.decode()


def test_an_incoming_batch_registers_documents_with_their_scans(
    demo: Demo, django_capture_on_commit_callbacks: Any
) -> None:
    vanthu = demo.user("vanthu")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("cv-12.pdf", pdf_bytes("Cong van ve viec tong ket nam " * 4))
        archive.writestr("thieu.pdf", pdf_bytes("Thieu so ky hieu " * 4))
    csv = (
        "FileName;CodeNotation;IssuedDate;TypeName;Subject;PageAmount\n"
        "cv-12.pdf;12-CV/VPTW;2026/01/05;Công văn;V/v tổng kết năm;1\n"
        "thieu.pdf;;2026/01/05;Công văn;Không có số ký hiệu;1\n"
    )
    options = services.BatchOptions(
        target=BatchTarget.INCOMING,
        default_sender=demo.orgs["vptw"],
        csv=SimpleUploadedFile("mo-ta.csv", csv.encode("utf-8-sig")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_create_from_zip(
            actor=vanthu, upload=upload(out.getvalue()), options=options
        ).batch
    items = items_by_name(batch.pk)
    assert items["cv-12.pdf"].status == ItemStatus.DONE, items["cv-12.pdf"].error
    doc = IncomingDocument.objects.get(pk=items["cv-12.pdf"].incoming_id)
    assert (doc.code_notation, doc.sender_id, doc.summary) == (
        "12-CV/VPTW",
        demo.orgs["vptw"].pk,
        "V/v tổng kết năm",
    )
    assert doc.files.get().blob_id == items["cv-12.pdf"].blob_id
    assert BlobText.objects.get(blob_id=doc.files.get().blob_id).status == ExtractStatus.DONE
    assert "Thiếu số ký hiệu" in items["thieu.pdf"].error

    # an archive clerk may not register incoming documents
    with pytest.raises(Exception, match="Chỉ văn thư"):
        services.batch_create_from_zip(
            actor=clerk(demo), upload=upload(out.getvalue(), "x.zip"), options=options
        )


def test_csv_headers_in_vietnamese_without_marks_or_edxml_names() -> None:
    data = (
        "ten tep,So ky hieu,ngay van ban,loai,trich yeu,so trang,co quan ban hanh,ho so,"
        "thoi han bao quan,Ghi chú\n"
        "a.pdf,01-NQ/TU,5/3/1998,NQ,Công tác văn thư,x,Tinh uy,HS-01,20 năm,?\n"
    ).encode("cp1258")
    meta = parse_csv(data, today=dt.date(2026, 1, 1))
    row = meta.for_member("thu-muc/a.pdf")
    assert row is not None and row.values["code_notation"] == "01-NQ/TU"
    assert row.values["subject"] == "Công tác văn thư"
    assert row.values["issued_date"] == "1998-03-05"
    assert "số trang “x” không phải số nguyên dương" in row.error
    assert any("Windows-1258" in w for w in meta.warnings)
    assert any("Cột “Ghi chú”" in w for w in meta.warnings)


def test_zip_names_that_escape_are_refused_and_nothing_is_written() -> None:
    for name in ("../x.pdf", "/etc/x.pdf", "a/../../x.pdf", "C:\\x.pdf", "a\\..\\x.pdf"):
        assert sources.unsafe_name(name), name
    assert not sources.unsafe_name("ho-so/1998/trang..1.pdf")


def test_the_batch_form_and_its_progress_poll(
    demo: Demo, django_capture_on_commit_callbacks: Any
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.pdf", pdf_bytes("Bien ban ban giao tai lieu " * 4))
    client = demo.client("luutru")
    page = client.get("/luu-tru/so-hoa/")
    assert page.status_code == 200 and "Nhập một lô bản quét" in page.content.decode()
    assert 'value="incoming"' not in page.content.decode()  # only the văn thư registers arrivals
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/luu-tru/so-hoa/",
            {"source": "zip", "archive": upload(out.getvalue()), "target": "archive", "secrecy": 0},
        )
    assert response.status_code == 302
    batch_url = response["Location"]
    poll = client.get(batch_url + "tien-do/", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and poll["HX-Refresh"] == "true"
    assert "1 / 1" in poll.content.decode()
    refused = client.post(
        "/luu-tru/so-hoa/", {"source": "folder", "folder": "", "target": "archive", "secrecy": 0}
    )
    assert "Vui lòng nhập đường dẫn thư mục." in refused.content.decode()
