"""The outgoing pages end to end with the test client, and the outgoing register export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import pdf_bytes
from tests.outgoing_support import approved_draft, configure
from vanphong.core.models import AuditEvent
from vanphong.documents.models import IncomingDocument
from vanphong.drafting.models import OutgoingDocument, OutStatus
from vanphong.drafting.services import outgoing_issue, outgoing_recall


def test_a_draft_goes_through_review_and_issue_and_reaches_the_recipient(demo: Any) -> None:
    configure(demo)
    drafter = demo.client("chuyenvien")
    page = drafter.get("/van-ban-di/soan-thao/")
    assert page.status_code == 200 and "Soạn văn bản đi" in page.content.decode()
    response = drafter.post(
        "/van-ban-di/soan-thao/",
        {
            "doc_type": demo.doc_type("Công văn").pk,
            "summary": "V/v chuẩn bị hội nghị sơ kết",
            "body": "Văn phòng Tỉnh ủy đề nghị Ban Tổ chức Tỉnh ủy chuẩn bị báo cáo.",
            "signer": demo.user("lanhdao").pk,
            "authority": "",
            "urgency": 0,
            "secrecy": 0,
            "recipient_orgs": [demo.orgs["btctu"].pk],
            "recipient_text": "Thường trực Tỉnh ủy (để b/c)",
            "copies": 3,
        },
    )
    doc = OutgoingDocument.objects.get(summary="V/v chuẩn bị hội nghị sơ kết")
    assert response.status_code == 302 and response.url == f"/van-ban-di/{doc.pk}/"
    assert drafter.get(f"/van-ban-di/{doc.pk}/phien-ban/1/").status_code == 200
    drafter.post(f"/van-ban-di/{doc.pk}/trinh/", {"comment": ""})
    demo.client("truongphong").post(f"/van-ban-di/{doc.pk}/duyet/", {"comment": "Đồng ý"})
    leader = demo.client("lanhdao")
    assert "Chờ tôi duyệt" in leader.get("/van-ban-di/?ds=cho-duyet").content.decode()
    leader.post(f"/van-ban-di/{doc.pk}/duyet/", {"comment": ""})
    doc.refresh_from_db()
    assert doc.status == OutStatus.APPROVED
    clerk = demo.client("vanthu")
    clerk.post(
        f"/van-ban-di/{doc.pk}/ban-hanh/",
        {
            "issue_date": dt.date.today().strftime("%d/%m/%Y"),
            "copies": 3,
            "final_pdf": SimpleUploadedFile("cuoi.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    doc.refresh_from_db()
    assert doc.status == OutStatus.ISSUED and doc.notation == "01-CV/VPTU"
    detail = clerk.get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert "Cấp số, ban hành" in detail and "Đồng ý" in detail
    arrival = IncomingDocument.objects.get(organisation=demo.orgs["btctu"])
    inbox = demo.client("vanthubtc").get("/van-ban-den/so/").content.decode()
    assert "01-CV/VPTU" in inbox
    arrival_page = demo.client("vanthubtc").get(f"/van-ban-den/{arrival.pk}/").content.decode()
    assert "Nhận trong hệ thống: văn bản số 01-CV/VPTU của Văn phòng Tỉnh ủy" in arrival_page


def _incoming_the_drafter_reads(demo: Any) -> Any:
    """An incoming document routed with the drafter `chuyenvien` among its readers (để biết)."""
    configure(demo)
    from vanphong.documents.services import Assignment, incoming_route

    incoming = demo.register_incoming()
    incoming_route(
        actor=demo.user("lanhdao"),
        document=incoming,
        plan=Assignment(lead_unit=demo.unit("Phòng Đảng vụ"), info_users=[demo.user("chuyenvien")]),
    )
    return incoming


def test_a_draft_created_from_the_form_records_the_incoming_documents_it_answers(
    demo: Any,
) -> None:
    incoming = _incoming_the_drafter_reads(demo)
    response = demo.client("chuyenvien").post(
        "/van-ban-di/soan-thao/",
        {
            "doc_type": demo.doc_type("Công văn").pk,
            "summary": "V/v trả lời văn bản đến",
            "signer": demo.user("lanhdao").pk,
            "urgency": 0,
            "secrecy": 0,
            "copies": 1,
            "recipient_orgs": [demo.orgs["btctu"].pk],
            "replies_to": [incoming.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    doc = OutgoingDocument.objects.get(summary="V/v trả lời văn bản đến")
    assert [link.incoming_id for link in doc.replies.all()] == [incoming.pk]


def test_the_incoming_document_shows_the_reply_that_answers_it(demo: Any) -> None:
    incoming = _incoming_the_drafter_reads(demo)
    doc = approved_draft(demo, replies_to=[incoming])
    pdf = SimpleUploadedFile("cuoi.pdf", pdf_bytes(), "application/pdf")
    outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=pdf)
    page = demo.client("vanthu").get(f"/van-ban-den/{incoming.pk}/").content.decode()
    assert "Trả lời bằng" in page and "công văn số 01-CV/VPTU" in page
    outgoing = demo.client("vanthu").get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert f"số đến {incoming.arrival_number}" in outgoing


def test_the_configuration_is_in_the_admin_site_and_the_setup_command_is_idempotent(
    demo: Any,
) -> None:
    from django.core.management import call_command

    from vanphong.numbering.models import OutgoingNumbering

    call_command("outgoing_setup", verbosity=0)
    first = OutgoingNumbering.objects.count()
    call_command("outgoing_setup", verbosity=0)
    assert OutgoingNumbering.objects.count() == first > 0
    shared = OutgoingNumbering.objects.get(register__organisation=demo.orgs["vptu"], abbr="QĐ")
    assert set(shared.doc_types.values_list("name", flat=True)) == {"Quyết định", "Quy định"}
    admin = demo.client("admin")
    for path in (
        "/quan-tri/numbering/outgoingnumbering/",
        f"/quan-tri/numbering/outgoingnumbering/{shared.pk}/change/",
        "/quan-tri/drafting/reviewchain/",
        "/quan-tri/drafting/signingauthority/",
    ):
        assert admin.get(path).status_code == 200, path


def test_someone_outside_the_document_cannot_open_it(demo: Any) -> None:
    configure(demo)
    doc = approved_draft(demo)
    assert demo.client("chuyenvien2").get(f"/van-ban-di/{doc.pk}/").status_code == 404
    assert demo.client("vanthubtc").get(f"/van-ban-di/{doc.pk}/").status_code == 404


def test_a_refused_action_shows_the_reason_and_changes_nothing(demo: Any) -> None:
    configure(demo)
    doc = approved_draft(demo)
    client = demo.client("vanthu")
    response = client.post(
        f"/van-ban-di/{doc.pk}/ban-hanh/",
        {"issue_date": "01/01/2099", "copies": 1},
        follow=True,
    )
    assert "Ngày ban hành không được sau ngày hôm nay." in response.content.decode()
    doc.refresh_from_db()
    assert doc.status == OutStatus.APPROVED and doc.number is None


def test_the_outgoing_register_has_the_columns_of_decree_30(demo: Any) -> None:
    configure(demo)
    clerk = demo.user("vanthu")
    pdf = SimpleUploadedFile("cuoi.pdf", pdf_bytes(), "application/pdf")
    first = outgoing_issue(actor=clerk, document=approved_draft(demo), final_pdf=pdf)
    pdf = SimpleUploadedFile("cuoi.pdf", pdf_bytes(), "application/pdf")
    outgoing_issue(
        actor=clerk,
        document=approved_draft(demo, type_name="Quyết định", summary="Về việc thành lập Tổ"),
        final_pdf=pdf,
    )
    outgoing_recall(actor=clerk, document=first, reason="Ban hành nhầm")
    today = dt.date.today().strftime("%d/%m/%Y")
    client = demo.client("vanthu")
    response = client.get(f"/van-ban-di/xuat/so-van-ban-di.xlsx?tu_ngay={today}&den_ngay={today}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [row for sheet in book for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in values if row and row[0] == "Số, ký hiệu văn bản")
    assert header[:10] == (
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung văn bản",
        "Người ký",
        "Nơi nhận văn bản",
        "Đơn vị, người nhận bản lưu",
        "Số lượng bản",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    )
    rows = {row[0]: row for row in values if row and row[0] in ("01-CV/VPTU", "01-QĐ/VPTU")}
    assert set(rows) == {"01-CV/VPTU", "01-QĐ/VPTU"}
    assert "Đã thu hồi: Ban hành nhầm" in rows["01-CV/VPTU"][9]
    assert rows["01-QĐ/VPTU"][2] == "Quyết định: Về việc thành lập Tổ"
    assert rows["01-QĐ/VPTU"][3] == demo.user("lanhdao").full_name
    response = client.get(f"/van-ban-di/xuat/so-van-ban-di.pdf?tu_ngay={today}&den_ngay={today}")
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text and "01-QĐ/VPTU" in text
    assert AuditEvent.objects.filter(action="outgoing.export").count() == 2
    assert (
        demo.client("chuyenvien")
        .get(f"/van-ban-di/xuat/so-van-ban-di.xlsx?tu_ngay={today}&den_ngay={today}")
        .status_code
        == 403
    )


def test_an_administrator_replaces_a_template_and_a_bad_field_is_named(demo: Any) -> None:
    from docx import Document

    from vanphong.drafting.models import DocxTemplate

    def template(text: str) -> SimpleUploadedFile:
        document = Document()
        document.add_paragraph("{{ so_ky_hieu }}")
        document.add_paragraph("{{ ngay_thang }}")
        document.add_paragraph(text)
        buffer = io.BytesIO()
        document.save(buffer)
        return SimpleUploadedFile(
            "mau.docx",
            buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

    configure(demo)
    admin = demo.client("admin")
    page = admin.get("/van-ban-di/mau/").content.decode()
    assert "trich_yeu" in page and "Chưa có mẫu riêng" in page
    bad = admin.post(
        "/van-ban-di/mau/",
        {"doc_type": demo.doc_type("Tờ trình").pk, "file": template("{{ trichyeu }}")},
    )
    assert "“trichyeu”" in bad.content.decode() and not DocxTemplate.objects.exists()
    good = admin.post(
        "/van-ban-di/mau/",
        {"doc_type": demo.doc_type("Tờ trình").pk, "file": template("{{ trich_yeu }}")},
    )
    assert good.status_code == 302 and DocxTemplate.objects.get().doc_type.name == "Tờ trình"
    assert demo.client("chuyenvien").get("/van-ban-di/mau/").status_code == 403


def test_an_issued_document_page_states_each_delivery_once_and_folds_the_recall_away(
    demo: Any,
) -> None:
    configure(demo)
    doc = approved_draft(demo)
    pdf = SimpleUploadedFile("cuoi.pdf", pdf_bytes(), "application/pdf")
    outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=pdf)
    page = demo.client("vanthu").get(f"/van-ban-di/{doc.pk}/").content.decode()
    recipients = page.split('data-testid="recipients"', 1)[1].split("</ul>", 1)[0]
    assert "Trong hệ thống" in recipients and "– Trong hệ thống" not in recipients
    recall = page.split('data-testid="recall"', 1)[1].split("</details>", 1)[0]
    assert 'id="recall-reason"' in recall
    assert page.index("Xem bản PDF đã ban hành") < page.index('data-testid="recall"')
