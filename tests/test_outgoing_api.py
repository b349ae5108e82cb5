"""The outgoing-documents API: create, upload a version, review, issue, list, get; same policy."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import pdf_bytes
from tests.outgoing_support import configure
from vanphong.core.services import api_token_create

BASE = "/api/v1/outgoing"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Api:
    def __init__(self, user: Any) -> None:
        _, raw = api_token_create(actor=user, user=user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            BASE + path,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )

    def post_form(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(BASE + path, data, headers=self.headers)


def _docx() -> bytes:
    import io

    from docx import Document

    document = Document()
    document.add_paragraph("Số      -CV/VPTU")
    document.add_paragraph("ngày     tháng     năm 2026")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_the_whole_outgoing_walk_through_the_api(demo: Any) -> None:
    configure(demo)
    drafter = Api(demo.user("chuyenvien"))
    body = {
        "doc_type_id": demo.doc_type("Công văn").pk,
        "summary": "V/v gửi số liệu",
        "signer_id": demo.user("lanhdao").pk,
        "recipients": [{"organisation_id": demo.orgs["btctu"].pk}],
    }
    created = drafter.post("", body)
    assert created.status_code == 201, created.content
    doc = created.json()
    assert doc["status"] == "draft" and doc["versions"][0]["generated"] is True
    pk = doc["id"]
    uploaded = drafter.post_form(
        f"/{pk}/versions", {"file": SimpleUploadedFile("v2.docx", _docx(), DOCX), "note": "v2"}
    )
    assert uploaded.status_code == 201 and len(uploaded.json()["versions"]) == 2
    assert drafter.get(f"/{pk}/versions/2").status_code == 200
    assert drafter.post(f"/{pk}/submit").json()["status"] == "in_review"
    head = Api(demo.user("truongphong"))
    assert head.post(f"/{pk}/return", {"comment": ""}).status_code == 400
    assert head.post(f"/{pk}/return", {"comment": "Sửa đoạn 2"}).json()["status"] == "returned"
    drafter.post(f"/{pk}/submit")
    head.post(f"/{pk}/approve")
    leader = Api(demo.user("lanhdao"))
    assert leader.post(f"/{pk}/approve").json()["status"] == "approved"
    assert drafter.post_form(f"/{pk}/issue", {}).status_code == 403
    clerk = Api(demo.user("vanthu"))
    issued = clerk.post_form(
        f"/{pk}/issue",
        {"final_pdf": SimpleUploadedFile("cuoi.pdf", pdf_bytes(), "application/pdf")},
    )
    assert issued.status_code == 200, issued.content
    result = issued.json()
    assert result["notation"] == "01-CV/VPTU"
    assert result["recipients"][0]["status"] == "delivered"
    assert [s["status"] for s in result["review"]] == [
        "returned",
        "skipped",
        "approved",
        "approved",
    ]
    listed = clerk.get("", ds="da-ban-hanh").json()
    assert [row["id"] for row in listed] == [pk]
    assert clerk.get(f"/{pk}/final.pdf").status_code == 200


def test_a_document_the_caller_may_not_see_answers_404(demo: Any) -> None:
    configure(demo)
    created = Api(demo.user("chuyenvien")).post(
        "",
        {
            "doc_type_id": demo.doc_type("Công văn").pk,
            "summary": "V/v nội bộ",
            "signer_id": demo.user("lanhdao").pk,
            "recipients": [{"label": "Lưu"}],
        },
    )
    pk = created.json()["id"]
    assert Api(demo.user("chuyenvien2")).get(f"/{pk}").status_code == 404
    assert Api(demo.user("vanthubtc")).post(f"/{pk}/approve").status_code == 404


def test_an_empty_recipient_list_is_refused_in_vietnamese(demo: Any) -> None:
    configure(demo)
    response = Api(demo.user("chuyenvien")).post(
        "",
        {
            "doc_type_id": demo.doc_type("Công văn").pk,
            "summary": "V/v x",
            "signer_id": demo.user("lanhdao").pk,
            "recipients": [],
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Vui lòng nhập ít nhất một nơi nhận.",
        "field": "recipients",
    }
