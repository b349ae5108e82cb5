"""The incoming-documents API: register, duplicates, lists, visibility, every routing action."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.conftest import pdf_bytes
from vanphong.core.models import AuditEvent, Secrecy
from vanphong.core.services import api_token_create
from vanphong.documents import selectors, services

BASE = "/api/v1/incoming"


class Api:
    """One person talking to the API with their own bearer token."""

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


def today() -> dt.date:
    return timezone.localdate()


def form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "sender_identifier": "000.00.01.A01",  # Văn phòng Trung ương Đảng
        "code_notation": "123-CV/VPTW",
        "document_date": (today() - dt.timedelta(days=3)).isoformat(),
        "doc_type": "Công văn",
        "summary": "V/v triển khai Chỉ thị số 05-CT/TW",
        "signer_name": "Lê Minh Hưng",
        "page_count": "2",
    }
    values.update(overrides)
    return values


@pytest.fixture
def api(demo: Any) -> Any:
    cache: dict[str, Api] = {}

    def for_user(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(demo.user(username))
        return cache[username]

    return for_user


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- registration -------------------------------------------------------------------------


def test_a_clerk_registers_a_document_with_a_real_pdf(api):
    content = pdf_bytes("Công văn thử nghiệm", pages=2)
    upload = SimpleUploadedFile("cong-van.pdf", content, content_type="application/pdf")
    response = api("vanthu").post_form("", form(files=[upload], urgency="1"))
    assert response.status_code == 201, response.content
    doc = response.json()
    assert doc["arrival_number"] == 1
    assert doc["status"] == "registered"
    assert doc["status_label"] == "Đã vào sổ, chờ trình"
    assert doc["sender"]["full_name"] == "Văn phòng Trung ương Đảng"
    assert doc["doc_type"]["name"] == "Công văn"
    assert doc["urgency_label"] == "Khẩn"
    assert doc["page_count"] == 2
    assert doc["registered_by"]["username"] == "vanthu"
    [stored] = doc["files"]
    assert stored["name"] == "cong-van.pdf"
    assert stored["size"] == len(content)
    assert stored["content_type"] == "application/pdf"
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    [event] = doc["history"]
    assert event["action"] == "register" and event["action_label"] == "Vào sổ"
    assert event["actor"]["username"] == "vanthu" and event["to_status"] == "registered"
    [item] = doc["participants"]
    assert item["user"]["username"] == "vanthu" and item["kind"] == "present"

    download = api("vanthu").client.get(stored["url"], headers=api("vanthu").headers)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == content


def test_a_sender_and_a_type_can_be_given_by_their_ids(api, demo):
    sender = demo.orgs["btctu"]
    response = api("vanthu").post_form(
        "",
        form(
            sender_id=sender.pk,
            sender_identifier="",
            doc_type_id=demo.doc_type("Báo cáo").pk,
            doc_type="",
            page_count="",  # an empty optional field of a form means "not given"
            due_date="",
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json()["page_count"] is None and response.json()["due_date"] is None
    assert response.json()["sender"]["id"] == sender.pk
    assert response.json()["doc_type"]["abbr"] == "BC"


def test_an_unknown_sender_is_refused_in_vietnamese(api):
    response = api("vanthu").post_form("", form(sender_identifier="999.99.99.Z99"))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Không có cơ quan gửi mang mã định danh 999.99.99.Z99 trong danh bạ.",
        "field": "sender_identifier",
    }


def test_a_duplicate_answers_409_with_the_earlier_entry_then_registers_with_a_reason(api):
    first = api("vanthu").post_form("", form())
    assert first.status_code == 201
    again = api("vanthu").post_form("", form(code_notation="Số 123 - CV/VPTW"))
    assert again.status_code == 409
    body = again.json()
    assert body["detail"].startswith("Văn bản này có thể đã vào sổ: số đến 1 ngày")
    assert body["earlier"] == [
        {
            "id": first.json()["id"],
            "arrival_number": 1,
            "arrival_date": today().isoformat(),
            "code_notation": "123-CV/VPTW",
        }
    ]
    anyway = api("vanthu").post_form(
        "", form(duplicate_reason="Bản gửi lại có thay đổi phụ lục kèm theo")
    )
    assert anyway.status_code == 201, anyway.content
    doc = anyway.json()
    assert doc["arrival_number"] == 2
    assert doc["duplicate_of"]["id"] == first.json()["id"]
    assert doc["duplicate_reason"] == "Bản gửi lại có thay đổi phụ lục kèm theo"


def test_only_a_clerk_may_register(api):
    response = api("chuyenvien").post_form("", form())
    assert response.status_code == 403
    assert response.json()["detail"] == "Chỉ văn thư của cơ quan mới được vào sổ văn bản đến."


def test_malformed_input_answers_422(api):
    bad_date = api("vanthu").post_form("", form(document_date="05/11/2026"))
    assert bad_date.status_code == 422
    assert bad_date.json()["detail"] == "Dữ liệu gửi lên không hợp lệ."
    no_sender = api("vanthu").post_form("", form(sender_identifier=""))
    assert no_sender.status_code == 422
    assert "sender_identifier" in json.dumps(no_sender.json(), ensure_ascii=False)
    assert api("vanthu").post_form("", form(urgency="9")).status_code == 422
    assert api("vanthu").get("", tab="khong_co").status_code == 422
    assert api("vanthu").get("", tab="register", sort="ngau_nhien").status_code == 422
    doc = api("vanthu").post_form("", form()).json()
    assert api("vanthu").post(f"/{doc['id']}/present", {"note": "thiếu người"}).status_code == 422


# --- lists and visibility -----------------------------------------------------------------


def test_a_specialist_lists_only_the_documents_he_takes_part_in(api, demo):
    mine = demo.register_incoming(code_notation="11-CV/VPTW")
    other = demo.register_incoming(code_notation="12-CV/VPTW")
    services.incoming_route(
        actor=demo.user("lanhdao"),
        document=mine,
        plan=services.Assignment(direction="Đề nghị xử lý", lead_user=demo.user("chuyenvien")),
    )
    assert ids(api("chuyenvien").get("", tab="register")) == [mine.pk]
    pending = api("chuyenvien").get("", tab="cho_xu_ly").json()
    assert [i["id"] for i in pending["items"]] == [mine.pk]
    assert pending["items"][0]["work"]["kind"] == "handle"
    assert pending["page"] == 1 and pending["has_next"] is False
    assert "total" not in pending and "count" not in pending
    assert ids(api("chuyenvien2").get("", tab="register")) == []
    assert set(ids(api("vanthu").get("", tab="register"))) == {mine.pk, other.pk}
    assert ids(api("vanthu").get("", tab="register", q="12-CV")) == [other.pk]
    assert ids(api("vanthu").get("", tab="register", status="in_progress")) == [mine.pk]
    assert api("chuyenvien").get(f"/{other.pk}").status_code == 404


def test_lists_page_without_counting(api, demo):
    for n in range(27):
        demo.register_incoming(code_notation=f"{200 + n}-CV/VPTW")
    first = api("vanthu").get("", tab="register").json()
    assert len(first["items"]) == 25 and first["has_next"] is True
    second = api("vanthu").get("", tab="register", page="2").json()
    assert len(second["items"]) == 2 and second["has_next"] is False and second["page"] == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_a_secret_document_does_not_exist_for_a_user_without_clearance(api, demo):
    plain = demo.register_incoming(code_notation="30-CV/VPTW")
    response = api("vanthu").post_form("", form(code_notation="31-CV/VPTW", secrecy="1"))
    assert response.status_code == 201, response.content
    secret = response.json()
    assert secret["secrecy_label"] == "Mật"
    assert secret["content_withheld"] is True and secret["summary"] == "Văn bản mật"

    for username in ("vanthu2", "chuyenvien2"):
        assert api(username).get(f"/{secret['id']}").status_code == 404
        assert api(username).post(f"/{secret['id']}/mark-read").status_code == 404
    assert ids(api("vanthu2").get("", tab="register")) == [plain.pk]
    assert set(ids(api("vanthu").get("", tab="register"))) == {plain.pk, secret["id"]}

    assert not AuditEvent.objects.filter(action="incoming.secret_view").exists()
    assert api("vanthu").get(f"/{secret['id']}").status_code == 200
    viewed = AuditEvent.objects.get(action="incoming.secret_view")
    assert viewed.actor_name == "vanthu" and viewed.object_id == str(secret["id"])


def test_a_secret_file_on_an_isolated_network_is_downloaded_with_a_record(api, demo, settings):
    settings.NETWORK_ZONE = "isolated"
    upload = SimpleUploadedFile("mat.pdf", pdf_bytes("Tài liệu mật"), "application/pdf")
    doc = api("vanthu").post_form("", form(secrecy="2", files=[upload])).json()
    url = doc["files"][0]["url"]
    assert url == f"{BASE}/{doc['id']}/files/{doc['files'][0]['id']}"
    assert api("vanthu2").client.get(url, headers=api("vanthu2").headers).status_code == 404
    response = api("vanthu").client.get(url, headers=api("vanthu").headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditEvent.objects.filter(
        action="incoming.secret_download", object_id=str(doc["id"])
    ).exists()
    missing = api("vanthu").client.get(
        f"{BASE}/{doc['id']}/files/999999", headers=api("vanthu").headers
    )
    assert missing.status_code == 404


# --- routing ------------------------------------------------------------------------------


def test_the_whole_walk_from_registration_to_closed_by_four_people(api, demo):
    clerk, leader, head, specialist = (
        api("vanthu"),
        api("lanhdao"),
        api("truongphong"),
        api("chuyenvien"),
    )
    upload = SimpleUploadedFile("den.pdf", pdf_bytes(), content_type="application/pdf")
    doc = clerk.post_form("", form(files=[upload])).json()
    pk = doc["id"]

    doc = clerk.post(f"/{pk}/present", {"to_user_id": demo.user("lanhdao").pk}).json()
    assert doc["status"] == "presented" and doc["presented_to"]["username"] == "lanhdao"
    assert ids(leader.get("", tab="cho_xu_ly")) == [pk]

    due = (today() + dt.timedelta(days=10)).isoformat()
    response = leader.post(
        f"/{pk}/route",
        {
            "direction": "Giao Phòng Tổng hợp tham mưu, báo cáo trước hạn.",
            "lead_unit_id": demo.unit("Phòng Tổng hợp").pk,
            "due_date": due,
        },
    )
    assert response.status_code == 200, response.content
    doc = response.json()
    assert doc["status"] == "assigned" and doc["lead_unit"]["name"] == "Phòng Tổng hợp"
    assert doc["due_date"] == due and doc["routed_by"]["username"] == "lanhdao"
    head_rows = head.get("", tab="cho_xu_ly").json()["items"]
    assert [(r["id"], r["work"]["kind"]) for r in head_rows] == [(pk, "lead_unit")]

    doc = head.post(
        f"/{pk}/assign-handler", {"handler_id": demo.user("chuyenvien").pk, "note": "Xử lý gấp"}
    ).json()
    assert doc["status"] == "in_progress" and doc["handler"]["username"] == "chuyenvien"

    doc = specialist.post(f"/{pk}/start").json()
    handle = [p for p in doc["participants"] if p["kind"] == "handle"]
    assert [(p["user"]["username"], p["status"]) for p in handle] == [("chuyenvien", "active")]
    assert ids(specialist.get("", tab="dang_xu_ly")) == [pk]

    draft = SimpleUploadedFile("du-thao.pdf", pdf_bytes("Dự thảo"), content_type="application/pdf")
    response = specialist.post_form(f"/{pk}/progress", {"note": "Đã dự thảo", "files": [draft]})
    assert response.status_code == 200, response.content
    assert [f["role"] for f in response.json()["files"]] == ["original", "progress"]

    doc = specialist.post(
        f"/{pk}/complete", {"note": "Đã trình ký", "reply_reference": "45-BC/VPTU"}
    ).json()
    assert doc["status"] == "done" and doc["reply_reference"] == "45-BC/VPTU"
    assert doc["completed_on_time"] is True

    doc = leader.post(f"/{pk}/close", {"note": "Lưu hồ sơ"}).json()
    assert doc["status"] == "closed"
    assert [e["action"] for e in doc["history"]] == [
        "register",
        "present",
        "route",
        "assign_handler",
        "start",
        "progress",
        "complete",
        "close",
    ]
    assert [e["actor"]["username"] for e in doc["history"]] == [
        "vanthu",
        "vanthu",
        "lanhdao",
        "truongphong",
        "chuyenvien",
        "chuyenvien",
        "chuyenvien",
        "lanhdao",
    ]
    assert all(p["status"] == "done" for p in doc["participants"])


def test_return_cancel_forward_reassign_extend_co_done_mark_read_and_return(api, demo):
    clerk, leader = api("vanthu"), api("lanhdao")
    lanhdao = demo.user("lanhdao").pk

    dropped = clerk.post_form("", form(code_notation="50-CV/VPTW")).json()["id"]
    clerk.post(f"/{dropped}/present", {"to_user_id": lanhdao})
    doc = leader.post(f"/{dropped}/return-to-clerk", {"note": "Bổ sung phụ lục"}).json()
    assert doc["status"] == "registered"
    doc = clerk.post(f"/{dropped}/cancel", {"reason": "Vào sổ nhầm"}).json()
    assert doc["status"] == "cancelled" and doc["cancel_reason"] == "Vào sổ nhầm"

    pk = clerk.post_form("", form(code_notation="51-CV/VPTW")).json()["id"]
    clerk.post(f"/{pk}/present", {"to_user_id": lanhdao})
    doc = leader.post(
        f"/{pk}/route",
        {
            "lead_unit_id": demo.unit("Phòng Tổng hợp").pk,
            "co_user_ids": [demo.user("chuyenvien2").pk],
            "info_user_ids": [demo.user("chuyenvien3").pk],
            "due_date": (today() + dt.timedelta(days=5)).isoformat(),
        },
    ).json()
    kinds = {(p["user"]["username"], p["kind"]) for p in doc["participants"]}
    assert {("chuyenvien2", "co"), ("chuyenvien3", "info"), ("truongphong", "lead_unit")} <= kinds

    later = (today() + dt.timedelta(days=15)).isoformat()
    doc = leader.post(f"/{pk}/extend", {"due_date": later, "note": "Chờ số liệu"}).json()
    assert doc["due_date"] == later

    doc = api("chuyenvien2").post(f"/{pk}/co-done", {"note": "Đã góp ý"}).json()
    co = [p for p in doc["participants"] if p["kind"] == "co"]
    assert [p["status"] for p in co] == ["done"]

    assert ids(api("chuyenvien3").get("", tab="de_biet")) == [pk]
    doc = api("chuyenvien3").post(f"/{pk}/mark-read").json()
    info = [p for p in doc["participants"] if p["kind"] == "info"]
    assert [p["status"] for p in info] == ["done"]

    doc = (
        api("truongphong")
        .post(
            f"/{pk}/forward",
            {"to_unit_id": demo.unit("Phòng Hành chính - Lưu trữ").pk, "note": "Đúng chức năng"},
        )
        .json()
    )
    assert doc["lead_unit"]["name"] == "Phòng Hành chính - Lưu trữ"
    assert ids(api("tphcl").get("", tab="cho_xu_ly")) == [pk]

    doc = leader.post(
        f"/{pk}/reassign", {"lead_user_id": demo.user("chuyenvien").pk, "direction": "Giao lại"}
    ).json()
    assert doc["status"] == "in_progress" and doc["handler"]["username"] == "chuyenvien"

    api("chuyenvien").post(f"/{pk}/complete", {"note": "Xong"})
    doc = leader.post(f"/{pk}/return", {"note": "Bổ sung số liệu quý III"}).json()
    assert doc["status"] == "in_progress"
    assert api("chuyenvien").post(f"/{pk}/complete").json()["status"] == "done"
    assert leader.post(f"/{pk}/close").json()["status"] == "closed"


def test_an_action_the_caller_may_not_take_is_forbidden(api, demo):
    doc = demo.register_incoming()
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    response = api("vanthu").post(
        f"/{doc.pk}/route", {"lead_unit_id": demo.unit("Phòng Tổng hợp").pk}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Đồng chí không có quyền thực hiện thao tác này."
    assert selectors.document_detail(demo.user("vanthu"), doc.pk).status == "presented"


def test_completing_an_unassigned_document_is_refused_with_the_reason(api, demo):
    doc = demo.register_incoming()
    response = api("vanthu").post(f"/{doc.pk}/complete", {"note": "Xong"})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Không thể “Hoàn thành xử lý” khi văn bản đang ở trạng thái “Đã vào sổ, chờ trình”: "
        "chỉ hoàn thành được văn bản đã phân công người xử lý và đang xử lý."
    )


def test_unknown_people_and_units_are_refused_in_vietnamese(api, demo):
    doc = demo.register_incoming()
    response = api("vanthu").post(f"/{doc.pk}/present", {"to_user_id": 999999})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Không tìm thấy người dùng có mã 999999.",
        "field": "to_user_id",
    }
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    response = api("lanhdao").post(
        f"/{doc.pk}/route",
        {"lead_unit_id": demo.unit("Phòng Tổng hợp").pk, "co_unit_ids": [999998, 999999]},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Không tìm thấy đơn vị có mã 999998, 999999."


def test_a_rule_of_the_service_comes_back_as_400(api, demo):
    doc = demo.register_incoming()
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    response = api("lanhdao").post(f"/{doc.pk}/return-to-clerk", {"note": " "})
    assert response.status_code == 400
    assert response.json() == {"detail": "Vui lòng ghi lý do trả lại.", "field": "note"}


# --- reference data and the OpenAPI document ----------------------------------------------


def test_senders_are_found_without_diacritics(api):
    response = api("vanthu").get("/senders", q="van phong trung uong")
    assert response.status_code == 200
    assert [s["full_name"] for s in response.json()] == ["Văn phòng Trung ương Đảng"]
    assert response.json()[0]["identifier"] == "000.00.01.A01"


def test_the_document_types_are_listed_with_their_abbreviations(api):
    types = {t["name"]: t["abbr"] for t in api("vanthu").get("/document-types").json()}
    assert types["Công văn"] == "CV" and types["Nghị quyết"] == "NQ"


def test_the_openapi_document_loads_and_describes_every_operation(demo):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    expected = {
        "/api/v1/incoming": {"get", "post"},
        "/api/v1/incoming/{id}": {"get"},
        "/api/v1/incoming/{id}/files/{file_id}": {"get"},
        "/api/v1/incoming/senders": {"get"},
        "/api/v1/incoming/document-types": {"get"},
    }
    actions = [
        "present",
        "return-to-clerk",
        "route",
        "reassign",
        "assign-handler",
        "forward",
        "start",
        "progress",
        "co-done",
        "complete",
        "return",
        "extend",
        "close",
        "cancel",
        "mark-read",
    ]
    for action in actions:
        expected[f"/api/v1/incoming/{{id}}/{action}"] = {"post"}
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for method in methods:
            summary = paths[path][method]["summary"]
            assert summary and summary.isascii() is False, (path, summary)
    register = paths["/api/v1/incoming"]["post"]["requestBody"]["content"]
    assert "files" in register["multipart/form-data"]["schema"]["properties"]
    assert "DocumentOut" in schema["components"]["schemas"]


def test_every_list_tab_of_the_pages_is_accepted(api, demo):
    for tab in [*selectors.TABS, "register"]:
        assert api("vanthu").get("", tab=tab).status_code == 200, tab


def test_a_secret_document_can_be_routed_only_to_cleared_people(api, demo):
    response = api("vanthu").post_form("", form(code_notation="60-CV/VPTW", secrecy="1"))
    pk = response.json()["id"]
    api("vanthu").post(f"/{pk}/present", {"to_user_id": demo.user("lanhdao").pk})
    refused = api("lanhdao").post(f"/{pk}/route", {"lead_user_id": demo.user("chuyenvien2").pk})
    assert refused.status_code == 400
    assert "không đủ mức tiếp cận bí mật" in refused.json()["detail"]
    routed = api("lanhdao").post(f"/{pk}/route", {"lead_user_id": demo.user("chuyenvien").pk})
    assert routed.status_code == 200
    assert demo.user("chuyenvien").clearance >= Secrecy.MAT
    assert ids(api("chuyenvien").get("", tab="cho_xu_ly")) == [pk]
