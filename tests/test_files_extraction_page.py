"""The document page's extraction card: state, progress, errors and the searchable PDF/A."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory

from vanphong.files.models import BlobText, ExtractStatus


def test_the_card_shows_a_failure_message_to_people_who_see_the_document(
    demo: Any, make_pdf: Any
) -> None:
    doc = demo.register_incoming(files=[make_pdf()])
    blob_id = doc.files.get().blob_id
    BlobText.objects.create(
        blob_id=blob_id,
        status=ExtractStatus.FAILED,
        error="PDF được đặt mật khẩu: không đọc được nội dung.",
    )
    response = demo.client("vanthu").get(f"/tep/van-ban-den/{doc.pk}/trich-xuat/")
    assert response.status_code == 200
    assert "PDF được đặt mật khẩu" in response.content.decode()
    assert "hx-trigger" not in response.content.decode()  # nothing left to poll for
    assert (
        demo.client("chuyenvien").get(f"/tep/van-ban-den/{doc.pk}/trich-xuat/").status_code == 404
    )


def test_a_running_extraction_shows_a_progress_bar_and_polls(demo: Any, make_pdf: Any) -> None:
    doc = demo.register_incoming(files=[make_pdf()])
    BlobText.objects.create(
        blob_id=doc.files.get().blob_id, status=ExtractStatus.RUNNING, progress=42
    )
    body = demo.client("vanthu").get(f"/tep/van-ban-den/{doc.pk}/trich-xuat/").content.decode()
    assert 'aria-valuenow="42"' in body and 'hx-trigger="every 2s"' in body


def test_the_template_tag_renders_inside_any_page(demo: Any, make_pdf: Any) -> None:
    doc = demo.register_incoming(files=[make_pdf()])
    request = RequestFactory().get("/")
    request.user = demo.user("vanthu")
    html = Template("{% load extraction %}{% extraction_status doc %}").render(
        Context({"doc": doc, "request": request})
    )
    assert "Đang chờ xử lý" in html


def test_the_searchable_pdfa_is_downloaded_only_when_it_exists(demo: Any, make_pdf: Any) -> None:
    upload = SimpleUploadedFile("scan.pdf", make_pdf().read(), content_type="application/pdf")
    doc = demo.register_incoming(files=[upload])
    file = doc.files.get()
    client = demo.client("vanthu")
    assert client.get(f"/tep/van-ban-den/{doc.pk}/pdfa/{file.pk}/").status_code == 404
    BlobText.objects.create(
        blob_id=file.blob_id, status=ExtractStatus.DONE, searchable_id=file.blob_id
    )
    response = client.get(f"/tep/van-ban-den/{doc.pk}/pdfa/{file.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "scan-ocr.pdf" in response["Content-Disposition"]


def test_the_document_page_shows_the_extraction_card(demo: Any, make_pdf: Any) -> None:
    doc = demo.register_incoming(files=[make_pdf()])
    BlobText.objects.create(
        blob_id=doc.files.get().blob_id, status=ExtractStatus.FAILED, error="PDF bị hỏng (thử)."
    )
    body = demo.client("vanthu").get(f"/van-ban-den/{doc.pk}/").content.decode()
    assert "Nội dung tệp (trích xuất, nhận dạng chữ)" in body
    assert "PDF bị hỏng (thử)." in body
