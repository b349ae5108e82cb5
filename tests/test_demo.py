"""The demo documents: realistic, in every state, made by the real services, loaded once."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from pypdf import PdfReader

from vanphong.core.audit import audit_verify
from vanphong.documents import demo_corpus
from vanphong.documents.demo import load_demo_documents
from vanphong.documents.demo_pdf import PdfDocument, render
from vanphong.documents.models import (
    DocumentEvent,
    DocumentFile,
    IncomingDocument,
    Status,
    WorkItem,
    WorkKind,
)


@pytest.fixture
def loaded(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    return load_demo_documents(count=60)


def test_loading_twice_keeps_the_count_shows_every_status_and_the_audit_chain_holds(loaded, demo):
    first = IncomingDocument.objects.count()
    assert loaded == first >= 60
    assert load_demo_documents(count=60) == 0
    assert IncomingDocument.objects.count() == first
    statuses = set(
        IncomingDocument.objects.filter(organisation=demo.orgs["vptu"]).values_list(
            "status", flat=True
        )
    )
    assert statuses == set(Status.values)
    assert DocumentEvent.objects.filter(action="register").count() == first
    assert DocumentEvent.objects.filter(action="close").exists()
    assert audit_verify().ok


def test_the_demo_has_overdue_due_soon_informational_and_secret_documents(loaded, demo):
    today = date.today()
    open_items = WorkItem.objects.filter(kind=WorkKind.HANDLE, status__in=["open", "active"])
    assert open_items.filter(due_date__lt=today).exists()
    assert open_items.filter(due_date__gte=today).exists()
    assert WorkItem.objects.filter(kind=WorkKind.INFO, user__username="chuyenvien").exists()
    secret = IncomingDocument.objects.filter(secrecy__gt=0)
    assert secret.exists()
    # connected network (the default): a secret document keeps only its register entry
    assert all(d.content_withheld and d.summary == "" for d in secret)
    assert not DocumentFile.objects.filter(document__in=secret).exists()
    assert not secret.exclude(status=Status.REGISTERED).exists()
    assert DocumentFile.objects.exclude(document__in=secret).exists()
    assert IncomingDocument.objects.filter(organisation=demo.orgs["btctu"]).exists()
    assert IncomingDocument.objects.filter(organisation=demo.orgs["xa-an-binh"]).exists()


def test_no_two_demo_people_share_a_name(demo):
    from vanphong.core.demo import PEOPLE
    from vanphong.core.models import User

    names = [p.full_name for p in PEOPLE]
    assert len(names) == len(set(names))
    assert User.objects.get(username="luutru").full_name == "Trịnh Thị Phương"
    assert User.objects.get(username="truongphong").full_name == "Vũ Thị Lan"


def test_numbers_follow_the_party_and_the_state_forms():
    vptw = next(s for s in demo_corpus.SENDERS if s.issuer == "VPTW")
    ubnd = next(s for s in demo_corpus.SENDERS if s.issuer == "UBND")
    assert demo_corpus.code_notation(vptw, "Công văn", "CV", 123) == "123-CV/VPTW"
    assert demo_corpus.code_notation(vptw, "Hướng dẫn", "HD", 5) == "05-HD/VPTW"
    assert demo_corpus.code_notation(ubnd, "Báo cáo", "BC", 45) == "45/BC-UBND"
    assert demo_corpus.code_notation(ubnd, "Công văn", "CV", 45).startswith("45/UBND-")


def test_a_generated_pdf_is_an_a4_party_document_in_vietnamese():
    rng = random.Random(1)
    spec = demo_corpus.SENDERS[1]
    data, pages = render(
        PdfDocument(
            party=True,
            header=spec.header,
            code_notation="123-CV/VPTW",
            place="Hà Nội",
            issued=date(2026, 3, 5),
            type_name="Công văn",
            summary=demo_corpus.summary_for("Công văn", rng, date(2026, 3, 5)),
            recipient="Văn phòng Tỉnh ủy",
            paragraphs=demo_corpus.body_paragraphs(rng, date(2026, 3, 5), "Văn phòng Tỉnh ủy"),
            signer_authority="T/L BAN BÍ THƯ",
            signer_position="CHÁNH VĂN PHÒNG",
            signer_name="Tạ Đức Hậu",
        )
    )
    reader = PdfReader(io.BytesIO(data))
    assert pages == len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "Số 123-CV/VPTW", "ngày 05 tháng 03 năm 2026"):
        assert expected in text
