"""Registering an incoming document: clear Vietnamese refusals, nothing half-saved, files by
content, one stored copy per file, duplicates, and the sender directory."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import pdf_bytes
from vanphong.core.errors import DomainError
from vanphong.core.models import AuditEvent, Organisation
from vanphong.documents import services
from vanphong.documents.models import DocumentFile, EventAction, IncomingDocument, Status
from vanphong.files.models import Blob
from vanphong.files.store import blob_path
from vanphong.numbering.models import Counter

TODAY = dt.date.today()


@pytest.fixture
def store(settings, tmp_path) -> dict[str, Path]:
    """Blobs and upload temp files in a private directory, so leftovers can be counted."""
    media, temp = tmp_path / "media", tmp_path / "upload-tmp"
    temp.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    return {"media": media, "temp": temp}


def _files_under(path: Path) -> set[str]:
    return (
        {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()}
        if path.exists()
        else set()
    )


def _state(store: dict[str, Path]) -> tuple[Any, ...]:
    return (
        sorted(IncomingDocument.objects.values_list("pk", flat=True)),
        sorted(Blob.objects.values_list("sha256", flat=True)),
        DocumentFile.objects.count(),
        sorted(Counter.objects.values_list("register_id", "period_key", "last_number")),
        _files_under(store["media"] / "blobs"),
        _files_under(store["temp"]),
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def docx_bytes(text: str = "Nội dung văn bản") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            f"{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def image_bytes(fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bao-cao.txt", "không phải văn bản Word")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


# --- refusals that leave nothing behind ----------------------------------------------------

Overrides = Callable[[Any], dict[str, Any]]
REFUSALS: list[tuple[str, Overrides, str, str | None]] = [
    (
        "missing code notation",
        lambda demo: {"code_notation": "   "},
        "Vui lòng nhập số và ký hiệu văn bản.",
        "code_notation",
    ),
    ("missing summary", lambda demo: {"summary": "  "}, "Vui lòng nhập trích yếu.", "summary"),
    (
        "document date in the future",
        lambda demo: {"document_date": TODAY + dt.timedelta(days=1)},
        "Ngày văn bản không được sau ngày hôm nay.",
        "document_date",
    ),
    (
        "arrival before the document date",
        lambda demo: {
            "document_date": TODAY - dt.timedelta(days=1),
            "arrival_date": TODAY - dt.timedelta(days=3),
        },
        "Ngày văn bản không được sau ngày đến.",
        "document_date",
    ),
    (
        "arrival in the future",
        lambda demo: {"arrival_date": TODAY + dt.timedelta(days=1)},
        "Ngày đến không được sau ngày hôm nay.",
        "arrival_date",
    ),
    (
        "deadline before arrival",
        lambda demo: {"due_date": TODAY - dt.timedelta(days=1)},
        "Hạn xử lý không được trước ngày đến.",
        "due_date",
    ),
    (
        "unknown sender",
        lambda demo: {
            "sender": Organisation(level=demo.orgs["vptw"].level, full_name="Cơ quan lạ")
        },
        "Cơ quan gửi không có trong danh bạ.",
        "sender",
    ),
    (
        "empty file",
        lambda demo: {"files": [upload("rong.pdf", b"")]},
        "rỗng",
        None,
    ),
    (
        "corrupt PDF",
        lambda demo: {"files": [upload("hong.pdf", b"%PDF-1.4 garbage")]},
        "là PDF bị hỏng",
        None,
    ),
    (
        "EXE named .pdf",
        lambda demo: {"files": [upload("van-ban.pdf", EXE)]},
        "không đúng định dạng cho phép",
        None,
    ),
    (
        "ZIP named .pdf",
        lambda demo: {"files": [upload("van-ban.pdf", zip_bytes())]},
        "không đúng định dạng cho phép",
        None,
    ),
    (
        "text named .pdf",
        lambda demo: {"files": [upload("van-ban.pdf", "Công văn gửi kèm".encode())]},
        "không đúng định dạng cho phép",
        None,
    ),
    (
        "a good file then a bad one",
        lambda demo: {"files": [upload("tot.pdf", pdf_bytes("tệp tốt")), upload("xau.pdf", EXE)]},
        "không đúng định dạng cho phép",
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "overrides", "message", "field"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_bad_input_is_refused_clearly_and_nothing_is_half_saved(
    demo, store, case, overrides, message, field
):
    before = _state(store)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        demo.register_incoming(**overrides(demo))
    assert message in caught.value.message
    if field is not None:
        assert caught.value.field == field
    assert _state(store) == before
    assert not IncomingDocument.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_an_inactive_sender_is_refused(demo, store):
    sender = demo.orgs["hu-lac-thuy"]
    sender.is_active = False
    sender.save()
    before = _state(store)
    with pytest.raises(DomainError) as caught:
        demo.register_incoming(sender=sender)
    assert caught.value.message == "Cơ quan gửi đã ngừng hoạt động trong danh bạ."
    assert _state(store) == before


def test_a_sender_deactivated_after_the_form_was_loaded_is_refused(demo, store):
    sender = demo.orgs["snv"]
    Organisation.objects.filter(pk=sender.pk).update(is_active=False)
    with pytest.raises(DomainError, match="ngừng hoạt động"):
        demo.register_incoming(sender=sender)


def test_a_file_over_the_size_limit_is_refused_and_the_number_is_kept(demo, store, settings):
    content = pdf_bytes("tệp lớn", pages=3)
    settings.UPLOAD_MAX_BYTES = len(content) - 1
    first = demo.register_incoming()
    before = _state(store)
    with pytest.raises(DomainError, match="vượt quá dung lượng cho phép"):
        demo.register_incoming(files=[upload("lon.pdf", content)])
    assert _state(store) == before
    settings.UPLOAD_MAX_BYTES = len(content)
    second = demo.register_incoming(files=[upload("lon.pdf", content)])
    assert second.arrival_number == first.arrival_number + 1


def test_only_a_clerk_registers(demo, store):
    before = _state(store)
    with pytest.raises(PermissionDenied) as caught:
        demo.register_incoming(clerk="chuyenvien")
    assert "Chỉ văn thư" in str(caught.value)
    assert _state(store) == before


# --- accepted files -----------------------------------------------------------------------

ACCEPTED = [
    ("van-ban.pdf", lambda: pdf_bytes("Công văn"), "application/pdf"),
    (
        "du-thao.docx",
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("anh-chup.png", lambda: image_bytes("PNG"), "image/png"),
    ("ban-quet.jpg", lambda: image_bytes("JPEG"), "image/jpeg"),
    ("ban-quet.tif", lambda: image_bytes("TIFF"), "image/tiff"),
    ("ten-sai-duoi.txt", lambda: pdf_bytes("PDF mang đuôi .txt"), "application/pdf"),
]


@pytest.mark.parametrize(("name", "build", "mime"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_an_allowed_file_is_accepted_by_its_content(demo, store, name, build, mime):
    content = build()
    doc = demo.register_incoming(files=[upload(name, content)])
    stored = doc.files.get()
    assert stored.name == name
    assert stored.blob.content_type == mime
    assert stored.blob.size == len(content)
    assert blob_path(stored.blob.sha256).read_bytes() == content
    assert _files_under(store["temp"]) == set()


def test_the_same_file_for_two_documents_is_stored_once(demo, store):
    content = pdf_bytes("Một tệp cho hai văn bản")
    first = demo.register_incoming(files=[upload("a.pdf", content)])
    second = demo.register_incoming(files=[upload("b.pdf", content)])
    assert Blob.objects.count() == 1
    blob = Blob.objects.get()
    assert first.files.get().blob == blob and second.files.get().blob == blob
    assert len(_files_under(store["media"] / "blobs")) == 1


def test_a_failed_registration_keeps_a_file_another_document_already_uses(demo, store):
    content = pdf_bytes("Tệp dùng chung")
    demo.register_incoming(files=[upload("a.pdf", content)])
    blob = Blob.objects.get()
    with pytest.raises(DomainError):
        demo.register_incoming(files=[upload("a.pdf", content), upload("x.pdf", EXE)])
    assert Blob.objects.get() == blob
    assert blob_path(blob.sha256).read_bytes() == content


# --- duplicates ---------------------------------------------------------------------------


def test_the_same_sender_notation_and_date_is_flagged_as_a_duplicate(demo, store):
    sender, date = demo.orgs["tu"], TODAY - dt.timedelta(days=3)
    first = demo.register_incoming(sender=sender, code_notation="Số 05-CT/TU", document_date=date)
    before = _state(store)
    with pytest.raises(services.DuplicateFound) as caught:
        demo.register_incoming(sender=sender, code_notation="05-CT/TU", document_date=date)
    assert [d.pk for d in caught.value.earlier] == [first.pk]
    assert f"số đến {first.arrival_number}" in caught.value.message
    assert caught.value.field == "code_notation"
    assert _state(store) == before


@pytest.mark.parametrize("variant", ["05-CT/TU", "Số: 05-CT/TU", "số 05 - ct/tu", " 05-CT/TU "])
def test_notation_variants_are_recognised_as_the_same(demo, variant):
    date = TODAY - dt.timedelta(days=3)
    demo.register_incoming(sender=demo.orgs["tu"], code_notation="Số 05-CT/TU", document_date=date)
    with pytest.raises(services.DuplicateFound):
        demo.register_incoming(sender=demo.orgs["tu"], code_notation=variant, document_date=date)


def test_another_date_sender_or_number_is_not_a_duplicate(demo):
    date = TODAY - dt.timedelta(days=3)
    demo.register_incoming(sender=demo.orgs["tu"], code_notation="05-CT/TU", document_date=date)
    demo.register_incoming(
        sender=demo.orgs["tu"], code_notation="05-CT/TU", document_date=date - dt.timedelta(1)
    )
    demo.register_incoming(sender=demo.orgs["vptw"], code_notation="05-CT/TU", document_date=date)
    demo.register_incoming(sender=demo.orgs["tu"], code_notation="50-CT/TU", document_date=date)
    assert IncomingDocument.objects.count() == 4


def test_a_cancelled_entry_does_not_count_as_a_duplicate(demo):
    date = TODAY - dt.timedelta(days=3)
    first = demo.register_incoming(code_notation="07-CV/VPTW", document_date=date)
    services.incoming_cancel(actor=demo.user("vanthu"), document=first, reason="Nhầm sổ")
    again = demo.register_incoming(code_notation="07-CV/VPTW", document_date=date)
    assert again.duplicate_of is None


def test_a_duplicate_is_registered_anyway_with_a_reason(demo):
    date = TODAY - dt.timedelta(days=3)
    first = demo.register_incoming(code_notation="Số 05-CT/TU", document_date=date)
    doc = services.incoming_register(
        actor=demo.user("vanthu"),
        data=services.IncomingData(
            sender=first.sender,
            code_notation="05-CT/TU",
            document_date=date,
            doc_type=demo.doc_type(),
            summary="Bản gửi lại kèm phụ lục",
        ),
        duplicate_reason="Cơ quan gửi bổ sung phụ lục",
    )
    assert doc.arrival_number == first.arrival_number + 1
    assert doc.duplicate_of == first
    assert doc.duplicate_reason == "Cơ quan gửi bổ sung phụ lục"
    event = doc.events.get(action=EventAction.REGISTER)
    assert "Cơ quan gửi bổ sung phụ lục" in event.note


def test_a_second_copy_is_attached_to_the_earlier_entry_without_a_new_number(demo, store):
    date = TODAY - dt.timedelta(days=3)
    first = demo.register_incoming(code_notation="09-CV/VPTW", document_date=date)
    counters = sorted(Counter.objects.values_list("register_id", "period_key", "last_number"))
    doc = services.incoming_attach_copy(
        actor=demo.user("vanthu"),
        original=first,
        channel="electronic",
        files=[upload("ban-dien-tu.pdf", pdf_bytes("Bản điện tử"))],
    )
    assert doc.pk == first.pk
    assert IncomingDocument.objects.count() == 1
    assert doc.files.get().name == "ban-dien-tu.pdf"
    event = doc.events.get(action=EventAction.LINK_DUPLICATE)
    assert event.note == "Nhận thêm bản điện tử của cùng văn bản"
    assert event.data["files"] == ["ban-dien-tu.pdf"]
    assert sorted(Counter.objects.values_list("register_id", "period_key", "last_number")) == (
        counters
    )


def test_a_copy_cannot_be_attached_to_a_cancelled_entry(demo, store):
    first = demo.register_incoming()
    services.incoming_cancel(actor=demo.user("vanthu"), document=first, reason="Nhầm")
    before = _state(store)
    with pytest.raises(DomainError, match="đã bị hủy vào sổ"):
        services.incoming_attach_copy(
            actor=demo.user("vanthu"),
            original=first,
            channel="paper",
            files=[upload("ban-giay.pdf", pdf_bytes("Bản giấy"))],
        )
    assert _state(store) == before


def test_a_new_entry_marked_as_a_duplicate_is_cancelled_and_linked(demo):
    first = demo.register_incoming(code_notation="11-CV/VPTW")
    second = demo.register_incoming(code_notation="12-CV/VPTW")
    doc = services.incoming_link_duplicate(
        actor=demo.user("vanthu"), document=second, original=first
    )
    assert doc.status == Status.CANCELLED
    assert doc.duplicate_of == first
    assert doc.cancel_reason == f"Trùng với số đến {first.arrival_number}"
    with pytest.raises(DomainError, match="Văn bản gốc không hợp lệ"):
        services.incoming_link_duplicate(actor=demo.user("vanthu"), document=first, original=first)


# --- the sender directory -----------------------------------------------------------------


def test_a_clerk_adds_a_sender_with_a_valid_identifier(demo):
    org = services.sender_create(
        actor=demo.user("vanthu"),
        full_name="Sở Giáo dục và Đào tạo tỉnh Hòa Bình Xanh",
        short_name="Sở GD&ĐT",
        identifier="000.00.07.h45",
    )
    assert org.identifier == "000.00.07.H45"
    assert org.level.code == "ngoai"
    assert AuditEvent.objects.filter(action="core.sender_created", object_id=str(org.pk)).exists()


@pytest.mark.parametrize(
    "identifier",
    [
        "000-00-07-H45",
        "000..07.H45",
        ".000.07",
        "000.07.",
        "000.07 H45",
        "ĐU.07",
        "000.00.07.H45/1",
        "000.00.07.H45.000.00.07.H45.000.0012",
    ],
)
def test_a_sender_identifier_in_the_wrong_format_is_refused(demo, identifier):
    with pytest.raises(DomainError) as caught:
        services.sender_create(
            actor=demo.user("vanthu"), full_name="Cơ quan thử nghiệm", identifier=identifier
        )
    assert caught.value.field == "identifier"
    assert "Mã định danh" in caught.value.message
    assert not Organisation.objects.filter(full_name="Cơ quan thử nghiệm").exists()


def test_a_sender_identifier_already_in_the_directory_is_refused(demo):
    with pytest.raises(DomainError, match="đã có trong danh bạ"):
        services.sender_create(
            actor=demo.user("vanthu"), full_name="Trùng mã", identifier="000.00.01.a01"
        )


def test_adding_a_sender_with_the_same_name_returns_the_existing_one(demo):
    first = services.sender_create(actor=demo.user("vanthu"), full_name="Báo Hòa Bình Xanh")
    again = services.sender_create(actor=demo.user("vanthu"), full_name="Báo  Hòa Bình Xanh")
    assert again.pk == first.pk


def test_only_a_clerk_or_an_administrator_adds_senders(demo):
    with pytest.raises(DomainError, match="Chỉ văn thư hoặc quản trị"):
        services.sender_create(actor=demo.user("chuyenvien"), full_name="Cơ quan mới")
    org = services.sender_create(actor=demo.user("admin"), full_name="Cơ quan mới")
    assert org.pk


def test_a_sender_name_that_is_too_short_or_too_long_is_refused(demo):
    with pytest.raises(DomainError, match="quá ngắn"):
        services.sender_create(actor=demo.user("vanthu"), full_name="AB")
    with pytest.raises(DomainError, match="quá dài"):
        services.sender_create(actor=demo.user("vanthu"), full_name="Cơ quan " * 40)
