"""Issuance: final DOCX and PDF, LibreOffice failures, immutability, recall, corrections,
dispatch inside the node, paper, exchange queue, and replies to incoming documents."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from pypdf import PdfReader

from tests.conftest import pdf_bytes
from tests.outgoing_support import approved_draft, configure, docx_of
from vanphong.core.errors import DomainError
from vanphong.core.policy import filter_visible
from vanphong.documents.models import IncomingDocument, Status, WorkKind
from vanphong.documents.services import (
    Assignment,
    incoming_assign_handler,
    incoming_route,
)
from vanphong.drafting.models import (
    DispatchStatus,
    OutAction,
    OutStatus,
    Relation,
    ReplyLink,
)
from vanphong.drafting.services import (
    RecipientLine,
    draft_upload_version,
    outgoing_dispatch,
    outgoing_issue,
    outgoing_mark_sent_paper,
    outgoing_recall,
)
from vanphong.files.store import open_blob
from vanphong.numbering.models import Counter


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("ban-cuoi.pdf", pdf_bytes("Ban cuoi"), content_type="application/pdf")


def test_issuing_converts_the_numbered_docx_to_a_pdf_with_vietnamese_text(demo: Any) -> None:
    configure(demo)
    doc = approved_draft(demo)
    doc = outgoing_issue(actor=demo.user("vanthu"), document=doc)
    assert doc.status == OutStatus.ISSUED and doc.notation == "01-CV/VPTU"
    final = docx_of(doc.final_docx)
    assert "Số 01-CV/VPTU" in [p.text for p in final.tables[0].rows[0].cells[0].paragraphs]
    with open_blob(doc.final_pdf) as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = reader.pages[0].extract_text()
    assert "Số 01-CV/VPTU" in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "DỰ THẢO" not in text
    assert doc.page_count == len(reader.pages)


@override_settings(SOFFICE_PATH="/nonexistent/soffice")
def test_a_missing_libreoffice_leaves_the_draft_as_it_was(demo: Any) -> None:
    configure(demo)
    doc = approved_draft(demo)
    with pytest.raises(DomainError, match="chưa cài LibreOffice"):
        outgoing_issue(actor=demo.user("vanthu"), document=doc)
    doc.refresh_from_db()
    assert doc.status == OutStatus.APPROVED and doc.number is None and doc.final_pdf is None
    assert Counter.objects.filter(register__kind="outgoing", last_number__gt=0).count() == 0


def test_a_conversion_that_takes_too_long_is_stopped_and_nothing_is_numbered(
    demo: Any, tmp_path: Any
) -> None:
    configure(demo)
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    doc = approved_draft(demo)
    with (
        override_settings(SOFFICE_PATH=str(slow), CONVERT_TIMEOUT=1),
        pytest.raises(DomainError, match="quá 1 giây"),
    ):
        outgoing_issue(actor=demo.user("vanthu"), document=doc)
    doc.refresh_from_db()
    assert doc.status == OutStatus.APPROVED and doc.number is None


def test_an_issued_document_cannot_be_issued_again_or_changed(demo: Any) -> None:
    configure(demo)
    doc = outgoing_issue(actor=demo.user("vanthu"), document=approved_draft(demo), final_pdf=_pdf())
    with pytest.raises(DomainError, match="đã ban hành"):
        outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=_pdf())
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        draft_upload_version(
            actor=demo.user("chuyenvien"),
            document=doc,
            file=SimpleUploadedFile("x.docx", b"PK"),
        )


def test_only_the_clerk_issues(demo: Any) -> None:
    from django.core.exceptions import PermissionDenied

    configure(demo)
    with pytest.raises(PermissionDenied):
        outgoing_issue(actor=demo.user("lanhdao"), document=approved_draft(demo), final_pdf=_pdf())


def test_a_recall_marks_the_document_and_a_correction_links_to_the_original(demo: Any) -> None:
    configure(demo)
    clerk = demo.user("vanthu")
    original = outgoing_issue(actor=clerk, document=approved_draft(demo), final_pdf=_pdf())
    fix = approved_draft(
        demo,
        summary="V/v đính chính Công văn số 01-CV/VPTU",
        relation=Relation.CORRECTS,
        related=original,
    )
    fix = outgoing_issue(actor=clerk, document=fix, final_pdf=_pdf())
    assert fix.related == original and fix.notation == "02-CV/VPTU"
    assert original.events.filter(action=OutAction.CORRECTED).exists()
    with pytest.raises(DomainError, match="lý do"):
        outgoing_recall(actor=clerk, document=original, reason="")
    recalled = outgoing_recall(actor=clerk, document=original, reason="Ban hành nhầm")
    assert recalled.status == OutStatus.RECALLED
    with pytest.raises(DomainError):
        outgoing_recall(actor=clerk, document=original, reason="lần hai")


def test_recipients_inside_the_node_find_it_in_their_incoming_register(demo: Any) -> None:
    configure(demo)
    doc = approved_draft(
        demo,
        recipients=[
            RecipientLine(organisation=demo.orgs["btctu"]),
            RecipientLine(organisation=demo.orgs["vptw"]),
            RecipientLine(label="Báo Hòa Bình Xanh", delivery="paper"),
        ],
    )
    doc = outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=_pdf())
    lines = {line.label: line for line in doc.recipients.all()}
    inside = lines["Ban Tổ chức Tỉnh ủy"]
    assert inside.status == DispatchStatus.DELIVERED
    arrival = inside.incoming
    assert arrival.organisation == demo.orgs["btctu"] and arrival.arrival_number == 1
    assert arrival.code_notation == "01-CV/VPTU" and arrival.sender == demo.orgs["vptu"]
    assert arrival.files.count() == 1
    clerk = demo.user("vanthubtc")
    visible = filter_visible(clerk, "documents.incoming", IncomingDocument.objects.all())
    assert arrival in visible
    assert arrival.work_items.filter(user=clerk, kind=WorkKind.PRESENT).exists()
    assert lines["Văn phòng Trung ương Đảng"].status == DispatchStatus.QUEUED
    paper = lines["Báo Hòa Bình Xanh"]
    assert paper.status == DispatchStatus.PENDING
    outgoing_mark_sent_paper(
        actor=demo.user("vanthu"), recipient=paper, sent_on=dt.date.today(), method="Bưu điện"
    )
    paper.refresh_from_db()
    assert paper.status == DispatchStatus.SENT and paper.sent_method == "Bưu điện"
    assert outgoing_dispatch(actor=demo.user("vanthu"), document=doc) == {
        "delivered": 0,
        "queued": 0,
        "paper": 0,
    }


def test_a_reply_completes_the_incoming_document_its_drafter_handles(demo: Any) -> None:
    configure(demo)
    incoming = demo.register_incoming()
    incoming_route(
        actor=demo.user("lanhdao"),
        document=incoming,
        plan=Assignment(lead_unit=demo.unit("Phòng Tổng hợp")),
    )
    incoming_assign_handler(
        actor=demo.user("truongphong"), document=incoming, handler=demo.user("chuyenvien")
    )
    other = demo.register_incoming()
    incoming_route(
        actor=demo.user("lanhdao"),
        document=other,
        plan=Assignment(lead_unit=demo.unit("Phòng Đảng vụ"), info_users=[demo.user("chuyenvien")]),
    )
    doc = approved_draft(demo, replies_to=[incoming, other])
    outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=_pdf())
    incoming.refresh_from_db()
    other.refresh_from_db()
    assert incoming.status == Status.DONE
    assert incoming.reply_reference.startswith("01-CV/VPTU ngày ")
    assert other.status == Status.ASSIGNED and other.reply_reference.startswith("01-CV/VPTU")
    assert set(ReplyLink.objects.filter(outgoing=doc).values_list("incoming_id", flat=True)) == {
        incoming.pk,
        other.pk,
    }
    assert incoming.reply_links.get().outgoing == doc


def test_a_number_taken_while_libreoffice_runs_is_converted_again_with_the_right_number(
    demo: Any, monkeypatch: Any
) -> None:
    import vanphong.drafting.services.issuance as issuance

    configure(demo)
    first = approved_draft(demo)
    second = approved_draft(demo, summary="V/v khác")
    real = issuance.docx_to_pdf
    calls: list[int] = []

    def racing(data: bytes, *, timeout: int | None = None) -> bytes:
        calls.append(1)
        if len(calls) == 1:  # another văn thư issues while the first conversion runs
            outgoing_issue(actor=demo.user("vanthu2"), document=second, final_pdf=_pdf())
        return real(data, timeout=timeout)

    monkeypatch.setattr(issuance, "docx_to_pdf", racing)
    doc = outgoing_issue(actor=demo.user("vanthu"), document=first)
    assert len(calls) == 2
    assert doc.notation == "02-CV/VPTU"
    with open_blob(doc.final_pdf) as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "Số 02-CV/VPTU" in text and "Số 01-CV/VPTU" not in text
