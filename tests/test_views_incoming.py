"""The incoming-document pages: registration (with duplicates), lists, detail and downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from vanphong.core.models import AuditEvent, Organisation, Secrecy
from vanphong.documents import services
from vanphong.documents.models import (
    DocumentFile,
    EventAction,
    IncomingDocument,
)

CREATE = reverse("documents:create")
WORKLIST = reverse("documents:worklist")
REGISTER = reverse("documents:register_list")


def today() -> dt.date:
    return dt.date.today()


def d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def form_data(demo: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "arrival_date": d(today()),
        "channel": "paper",
        "sender": demo.orgs["vptw"].pk,
        "code_notation": "88-CV/VPTW",
        "document_date": d(today() - dt.timedelta(days=3)),
        "doc_type": demo.doc_type().pk,
        "summary": "V/v chuẩn bị Hội nghị Ban Chấp hành Đảng bộ tỉnh",
        "signer_name": "Lê Minh Hưng",
        "page_count": "3",
        "urgency": "0",
        "secrecy": "0",
        "due_date": "",
        "notes": "",
        "then": "next",
    }
    data.update(overrides)
    return data


def text(response: Any) -> str:
    return response.content.decode()


# --- registration -------------------------------------------------------------------------


def test_the_clerk_gets_the_registration_form_with_the_bulk_buttons(demo):
    response = demo.client("vanthu").get(CREATE)
    assert response.status_code == 200
    page = text(response)
    assert "Vào sổ văn bản đến" in page
    assert "Lưu và vào sổ tiếp" in page
    assert "data-ctrl-enter" in page
    assert d(today()) in page  # ngày đến defaults to today, typed dd/mm/yyyy


def test_a_specialist_may_not_open_the_registration_form(demo):
    response = demo.client("chuyenvien").get(CREATE)
    assert response.status_code == 403


def test_a_clerk_registers_a_document_with_files_and_sees_the_number_given(demo, make_pdf):
    client = demo.client("vanthu")
    png = SimpleUploadedFile("phu-luc.png", _png_bytes(), content_type="image/png")
    response = client.post(CREATE, form_data(demo, attachments=[make_pdf("cong-van.pdf"), png]))
    assert response.status_code == 302
    assert response["Location"] == f"{CREATE}?tiep=1"
    doc = IncomingDocument.objects.get()
    assert doc.arrival_number == 1 and doc.code_notation == "88-CV/VPTW"
    assert sorted(f.name for f in doc.files.all()) == ["cong-van.pdf", "phu-luc.png"]
    follow = client.get(response["Location"])
    page = text(follow)
    assert "Đã vào sổ số đến 1." in page
    # sender, type and dates are kept for the next paper arrival; the number is not
    assert 'value="Văn phòng Trung ương Đảng"' in page
    assert d(today() - dt.timedelta(days=3)) in page
    assert 'name="code_notation"' in page and 'value="88-CV/VPTW"' not in page


def test_the_next_registration_in_a_row_gets_the_next_number(demo):
    client = demo.client("vanthu")
    client.post(CREATE, form_data(demo, code_notation="1-CV/VPTW"))
    client.post(CREATE, form_data(demo, code_notation="2-CV/VPTW"))
    follow = client.get(f"{CREATE}?tiep=1")
    assert "Đã vào sổ số đến 2." in text(follow)
    assert list(
        IncomingDocument.objects.order_by("pk").values_list("arrival_number", flat=True)
    ) == [
        1,
        2,
    ]


def test_save_and_open_goes_to_the_new_documents_page(demo):
    client = demo.client("vanthu")
    response = client.post(CREATE, form_data(demo, then="open"), follow=True)
    doc = IncomingDocument.objects.get()
    assert response.redirect_chain[-1][0] == reverse("documents:detail", args=[doc.pk])
    assert "Đã vào sổ số đến 1." in text(response)


def test_missing_fields_are_reported_in_vietnamese_and_nothing_is_registered(demo):
    data = form_data(
        demo, sender="", code_notation="", document_date="", doc_type="", summary="", channel=""
    )
    response = demo.client("vanthu").post(CREATE, data)
    assert response.status_code == 200
    page = text(response)
    for message in (
        "Vui lòng chọn cơ quan gửi.",
        "Vui lòng nhập số và ký hiệu văn bản.",
        "Vui lòng nhập ngày văn bản.",
        "Vui lòng chọn loại văn bản.",
        "Vui lòng chọn hình thức nhận.",
    ):
        assert message in page
    assert not IncomingDocument.objects.exists()


def test_a_missing_summary_is_refused(demo):
    response = demo.client("vanthu").post(CREATE, form_data(demo, summary="  "))
    assert "Vui lòng nhập trích yếu." in text(response)
    assert not IncomingDocument.objects.exists()


def test_a_document_date_in_the_future_is_refused(demo):
    tomorrow = today() + dt.timedelta(days=1)
    response = demo.client("vanthu").post(CREATE, form_data(demo, document_date=d(tomorrow)))
    assert response.status_code == 200
    assert "Ngày văn bản không được sau ngày hôm nay." in text(response)
    assert not IncomingDocument.objects.exists()


def test_a_date_that_does_not_exist_is_refused_with_the_expected_format(demo):
    response = demo.client("vanthu").post(CREATE, form_data(demo, document_date="31/02/2026"))
    assert "Ngày văn bản không hợp lệ: hãy nhập theo dạng dd/mm/yyyy." in text(response)


def test_a_file_with_a_forbidden_extension_is_refused(demo):
    exe = SimpleUploadedFile("chuong-trinh.exe", b"MZ\x90\x00binary", content_type="application/x")
    response = demo.client("vanthu").post(CREATE, form_data(demo, attachments=[exe]))
    assert "Tệp “chuong-trinh.exe” không đúng định dạng cho phép" in text(response)
    assert not IncomingDocument.objects.exists()


def test_a_file_whose_content_is_not_what_its_name_says_is_refused_without_using_a_number(demo):
    fake = SimpleUploadedFile("gia.pdf", b"day khong phai PDF", content_type="application/pdf")
    client = demo.client("vanthu")
    response = client.post(CREATE, form_data(demo, attachments=[fake]))
    assert "không đúng định dạng cho phép" in text(response)
    assert not IncomingDocument.objects.exists()
    client.post(CREATE, form_data(demo))
    assert IncomingDocument.objects.get().arrival_number == 1  # the failed try used no number


@override_settings(NETWORK_ZONE="connected")
def test_on_a_connected_network_a_secret_document_cannot_carry_files(demo, make_pdf):
    data = form_data(demo, secrecy=str(Secrecy.MAT), attachments=[make_pdf()])
    response = demo.client("vanthu").post(CREATE, data)
    assert "Văn bản mật trên mạng kết nối: không được đính kèm tệp." in text(response)
    assert not IncomingDocument.objects.exists()


@override_settings(NETWORK_ZONE="connected")
def test_on_a_connected_network_a_secret_document_keeps_only_its_register_entry(demo):
    data = form_data(demo, secrecy=str(Secrecy.MAT), summary="Nội dung mật", notes="ghi chú")
    demo.client("vanthu").post(CREATE, data)
    doc = IncomingDocument.objects.get()
    assert doc.content_withheld and doc.summary == "" and doc.notes == ""
    assert doc.display_summary == "Văn bản mật"


@override_settings(NETWORK_ZONE="connected")
def test_the_form_explains_why_secret_content_is_not_stored(demo):
    page = text(demo.client("vanthu").get(CREATE))
    assert "data-withhold-secret" in page
    assert "không lưu trích yếu, ghi chú và tệp đính kèm" in page


@override_settings(NETWORK_ZONE="isolated")
def test_on_an_isolated_network_a_secret_document_keeps_its_content_and_files(demo, make_pdf):
    data = form_data(demo, secrecy=str(Secrecy.MAT), attachments=[make_pdf()])
    demo.client("vanthu").post(CREATE, data)
    doc = IncomingDocument.objects.get()
    assert not doc.content_withheld and doc.files.count() == 1


def test_a_clerk_may_not_register_above_their_clearance(demo):
    response = demo.client("vanthu").post(CREATE, form_data(demo, secrecy=str(Secrecy.TUYET_MAT)))
    assert "Đồng chí không được vào sổ văn bản ở mức độ mật này." in text(response)
    assert not IncomingDocument.objects.exists()


# --- duplicates ---------------------------------------------------------------------------


@pytest.fixture
def earlier(demo: Any) -> IncomingDocument:
    return demo.register_incoming(
        code_notation="88-CV/VPTW",
        document_date=today() - dt.timedelta(days=3),
        channel="electronic",
    )


def test_a_duplicate_is_shown_with_the_earlier_entry_and_nothing_is_stored(demo, earlier, make_pdf):
    response = demo.client("vanthu").post(
        CREATE,
        form_data(demo, code_notation="Số 88-CV/VPTW", attachments=[make_pdf("ban-giay.pdf")]),
    )
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="duplicate-panel"' in page
    assert reverse("documents:detail", args=[earlier.pk]) in page
    assert "Cùng một văn bản" in page and "Vẫn vào sổ" in page
    assert "Đã giữ tệp: <strong>ban-giay.pdf</strong>" in page and "không cần chọn lại" in page
    assert IncomingDocument.objects.count() == 1
    assert not DocumentFile.objects.exists()


def test_the_same_document_joins_the_earlier_entry_without_a_new_number(demo, earlier, make_pdf):
    data = form_data(
        demo,
        attachments=[make_pdf("ban-giay.pdf")],
        duplicate_choice="same",
        duplicate_of=earlier.pk,
    )
    client = demo.client("vanthu")
    response = client.post(CREATE, data)
    assert response.status_code == 302
    assert IncomingDocument.objects.count() == 1
    assert [f.name for f in earlier.files.all()] == ["ban-giay.pdf"]
    assert earlier.events.filter(action=EventAction.LINK_DUPLICATE).exists()
    page = text(client.get(response["Location"]))
    assert f"Đã gắn bản giấy vào văn bản số đến {earlier.arrival_number}" in page


def test_registering_a_duplicate_anyway_needs_a_reason(demo, earlier):
    data = form_data(demo, duplicate_choice="new", duplicate_reason="")
    response = demo.client("vanthu").post(CREATE, data)
    page = text(response)
    assert "Vui lòng ghi lý do vẫn vào sổ văn bản trùng." in page
    assert 'data-testid="duplicate-panel"' in page
    assert IncomingDocument.objects.count() == 1


def test_registering_a_duplicate_anyway_gives_a_new_number_and_keeps_the_reason(demo, earlier):
    reason = "Cơ quan gửi cấp trùng số cho hai văn bản khác nhau"
    data = form_data(demo, duplicate_choice="new", duplicate_reason=reason)
    response = demo.client("vanthu").post(CREATE, data)
    assert response.status_code == 302
    new = IncomingDocument.objects.exclude(pk=earlier.pk).get()
    assert new.arrival_number == 2
    assert new.duplicate_of == earlier and new.duplicate_reason == reason


# --- senders ------------------------------------------------------------------------------


def test_the_sender_search_matches_without_diacritics(demo):
    client = demo.client("vanthu")
    url = reverse("documents:sender_search")
    page = text(client.get(url, {"sender_q": "van phong trung uong"}))
    assert "Văn phòng Trung ương Đảng" in page
    assert 'role="option"' in page
    assert "Đảng ủy xã An Bình" in text(client.get(url, {"sender_q": "dang uy xa an"}))
    assert text(client.get(url, {"sender_q": ""})).strip() == ""


def test_a_clerk_adds_a_new_sender_on_the_spot_and_the_picker_is_told(demo):
    response = demo.client("vanthu").post(
        reverse("documents:sender_create"),
        {"full_name": "Công an tỉnh Hòa Bình Xanh", "short_name": "CA tỉnh", "identifier": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    org = Organisation.objects.get(full_name="Công an tỉnh Hòa Bình Xanh")
    assert f'"id": {org.pk}' in response["HX-Trigger"]
    assert "vp:sender-created" in response["HX-Trigger"]
    assert "Đã thêm “Công an tỉnh Hòa Bình Xanh”" in text(response)


def test_a_new_sender_with_a_bad_identifier_is_refused_inline(demo):
    response = demo.client("vanthu").post(
        reverse("documents:sender_create"),
        {"full_name": "Sở Y tế", "identifier": "12..G22"},
        headers={"HX-Request": "true"},
    )
    assert "Mã định danh không đúng định dạng" in text(response)
    assert "HX-Trigger" not in response
    assert not Organisation.objects.filter(full_name="Sở Y tế").exists()


def test_a_specialist_may_not_add_senders(demo):
    response = demo.client("chuyenvien").post(
        reverse("documents:sender_create"), {"full_name": "Sở Xây dựng"}, follow=True
    )
    assert "Chỉ văn thư hoặc quản trị được thêm cơ quan gửi." in text(response)
    assert not Organisation.objects.filter(full_name="Sở Xây dựng").exists()


# --- work lists ---------------------------------------------------------------------------


def route_to_person(demo: Any, doc: IncomingDocument, username: str, due: dt.date | None) -> None:
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    plan = services.Assignment(direction="Xử lý", lead_user=demo.user(username), due_date=due)
    services.incoming_route(actor=demo.user("lanhdao"), document=doc, plan=plan)


def test_the_clerk_finds_a_new_registration_waiting_to_be_presented(demo):
    doc = demo.register_incoming(summary="V/v tổng kết công tác năm")
    response = demo.client("vanthu").get(WORKLIST)
    page = text(response)
    assert response.status_code == 200
    assert "V/v tổng kết công tác năm" in page
    assert "Trình lãnh đạo" in page  # the kind of the clerk's work item
    assert reverse("documents:detail", args=[doc.pk]) in page
    assert 'data-testid="worklist-tabs"' in page


def test_the_tabs_show_the_persons_counts(demo):
    demo.register_incoming()
    demo.register_incoming()
    page = text(demo.client("vanthu").get(WORKLIST))
    assert 'Chờ xử lý <span class="badge rounded-pill text-bg-secondary">2</span>' in page


def test_an_overdue_item_is_in_the_overdue_tab_and_marked(demo):
    ten_days_ago = today() - dt.timedelta(days=10)
    doc = demo.register_incoming(
        arrival_date=ten_days_ago, document_date=ten_days_ago - dt.timedelta(days=1)
    )
    route_to_person(demo, doc, "chuyenvien", today() - dt.timedelta(days=1))
    client = demo.client("chuyenvien")
    overdue = text(client.get(WORKLIST, {"tab": "qua_han"}))
    assert reverse("documents:detail", args=[doc.pk]) in overdue
    assert "vp-overdue" in overdue
    soon = text(client.get(WORKLIST, {"tab": "sap_den_han"}))
    assert reverse("documents:detail", args=[doc.pk]) not in soon


def test_an_item_due_soon_is_in_the_due_soon_tab(demo):
    doc = demo.register_incoming()
    route_to_person(demo, doc, "chuyenvien", today() + dt.timedelta(days=1))
    page = text(demo.client("chuyenvien").get(WORKLIST, {"tab": "sap_den_han"}))
    assert reverse("documents:detail", args=[doc.pk]) in page


def test_a_reader_finds_the_document_under_for_information(demo):
    doc = demo.register_incoming(summary="V/v thông báo lịch họp")
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    plan = services.Assignment(
        lead_unit=demo.unit("Phòng Tổng hợp"), info_users=[demo.user("tphcl")]
    )
    services.incoming_route(actor=demo.user("lanhdao"), document=doc, plan=plan)
    client = demo.client("tphcl")
    assert "V/v thông báo lịch họp" in text(client.get(WORKLIST, {"tab": "de_biet"}))
    assert "V/v thông báo lịch họp" not in text(client.get(WORKLIST, {"tab": "cho_xu_ly"}))


def test_filters_narrow_the_list_and_htmx_gets_only_the_table(demo):
    demo.register_incoming(summary="V/v phòng chống thiên tai", code_notation="10-CV/VPTW")
    demo.register_incoming(
        summary="V/v công tác cán bộ", code_notation="20-CV/UBND", sender=demo.orgs["ubnd"]
    )
    client = demo.client("vanthu")
    by_text = client.get(WORKLIST, {"tab": "cho_xu_ly", "tu_khoa": "thiên tai"})
    assert "phòng chống thiên tai" in text(by_text) and "công tác cán bộ" not in text(by_text)
    by_sender = client.get(
        WORKLIST,
        {"tab": "cho_xu_ly", "noi_gui": demo.orgs["ubnd"].pk},
        headers={"HX-Request": "true"},
    )
    page = text(by_sender)
    assert "công tác cán bộ" in page and "thiên tai" not in page
    assert "<html" not in page and 'data-testid="worklist-tabs"' not in page


def test_going_back_to_a_filtered_list_gets_the_whole_page(demo):
    demo.register_incoming()
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    page = text(demo.client("vanthu").get(WORKLIST, {"tu_khoa": "x"}, headers=headers))
    assert "<html" in page and 'data-testid="worklist-tabs"' in page
    assert 'hx-history="false"' in page  # no copy of the page kept in the browser's storage


def test_leaders_find_the_delegations_page_from_their_work_list(demo):
    delegation = reverse("documents:delegations")
    assert delegation in text(demo.client("lanhdao").get(WORKLIST))
    assert delegation not in text(demo.client("chuyenvien").get(WORKLIST))


def test_a_date_range_filter_and_a_bad_date_do_not_break_the_list(demo):
    old = today() - dt.timedelta(days=40)
    demo.register_incoming(summary="V/v cũ", arrival_date=old, document_date=old)
    demo.register_incoming(summary="V/v mới")
    client = demo.client("vanthu")
    recent = text(client.get(WORKLIST, {"tu_ngay": d(today() - dt.timedelta(days=5))}))
    assert "V/v mới" in recent and "V/v cũ" not in recent
    bad = client.get(WORKLIST, {"tu_ngay": "hôm qua"})
    assert bad.status_code == 200
    assert "Từ ngày không hợp lệ" in text(bad)
    assert "V/v cũ" in text(bad)  # a bad filter is shown and ignored


def test_the_list_pages_without_counting(demo):
    for n in range(26):
        demo.register_incoming(code_notation=f"{n + 300}-CV/VPTW")
    client = demo.client("vanthu")
    first = text(client.get(WORKLIST))
    assert "Trang sau" in first and "Trang trước" not in first
    second = text(client.get(WORKLIST, {"trang": "2"}))
    assert "Trang trước" in second and "Trang sau" not in second


# --- register -----------------------------------------------------------------------------


def test_the_register_keeps_cancelled_entries_with_a_cancelled_badge(demo):
    doc = demo.register_incoming(summary="V/v vào sổ nhầm")
    services.incoming_cancel(actor=demo.user("vanthu"), document=doc, reason="Vào sổ nhầm")
    page = text(demo.client("vanthu").get(REGISTER))
    assert "V/v vào sổ nhầm" in page
    assert '<span class="badge text-bg-dark ms-1" title="Vào sổ nhầm">Hủy</span>' in page


def test_the_register_offers_the_printed_registers_for_the_chosen_dates(demo):
    demo.register_incoming()
    start = today() - dt.timedelta(days=7)
    page = text(demo.client("vanthu").get(REGISTER, {"tu_ngay": d(start)}))
    export = reverse("documents:export", args=["so-den", "xlsx"])
    assert f"{export}?tu_ngay={d(start).replace('/', '%2F')}" in page
    assert reverse("documents:export", args=["so-theo-doi", "pdf"]) in page


def test_a_specialist_sees_only_the_entries_they_take_part_in(demo):
    mine = demo.register_incoming(summary="V/v việc của chuyên viên")
    demo.register_incoming(summary="V/v việc của người khác")
    route_to_person(demo, mine, "chuyenvien", None)
    page = text(demo.client("chuyenvien").get(REGISTER))
    assert "V/v việc của chuyên viên" in page
    assert "V/v việc của người khác" not in page
    assert 'data-testid="export-menu"' not in page


# --- detail and files ---------------------------------------------------------------------


def test_the_detail_shows_metadata_files_participants_and_history(demo, make_pdf):
    doc = demo.register_incoming(files=[make_pdf("quyet-dinh.pdf")], summary="V/v điều động")
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    page = text(demo.client("vanthu").get(reverse("documents:detail", args=[doc.pk])))
    assert "V/v điều động" in page and "Văn phòng Trung ương Đảng" in page
    assert reverse("documents:file_download", args=[doc.pk, doc.files.get().pk]) in page
    assert "Phiếu giải quyết văn bản đến" in page
    assert "Phạm Văn Đức" in page  # presented to, and a participant
    assert 'data-action="register"' in page and 'data-action="present"' in page


def test_an_unrelated_specialist_gets_not_found(demo):
    doc = demo.register_incoming()
    response = demo.client("chuyenvien").get(reverse("documents:detail", args=[doc.pk]))
    assert response.status_code == 404


def test_a_secret_document_is_hidden_from_a_person_without_clearance(demo):
    doc = demo.register_incoming(secrecy=Secrecy.MAT)
    route_to_person(demo, doc, "chuyenvien", None)  # chuyenvien holds clearance Mật
    assert (
        demo.client("chuyenvien").get(reverse("documents:detail", args=[doc.pk])).status_code == 200
    )
    response = demo.client("chuyenvien2").get(reverse("documents:detail", args=[doc.pk]))
    assert response.status_code == 404
    register = text(demo.client("chuyenvien2").get(REGISTER))
    assert reverse("documents:detail", args=[doc.pk]) not in register


def test_opening_a_secret_document_is_written_to_the_audit_log(demo):
    doc = demo.register_incoming(secrecy=Secrecy.MAT)
    demo.client("vanthu").get(reverse("documents:detail", args=[doc.pk]))
    assert AuditEvent.objects.filter(action="incoming.secret_view", object_id=str(doc.pk)).exists()


def test_a_participant_downloads_the_file_under_its_original_name(demo, make_pdf):
    upload = make_pdf("công văn 88.pdf")
    doc = demo.register_incoming(files=[upload])
    stored = doc.files.get()
    response = demo.client("vanthu").get(
        reverse("documents:file_download", args=[doc.pk, stored.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''c%C3%B4ng%20v%C4%83n%2088.pdf" in response["Content-Disposition"]
    upload.seek(0)
    assert b"".join(response.streaming_content) == upload.read()


def test_someone_who_may_not_see_the_document_cannot_download_its_file(demo, make_pdf):
    doc = demo.register_incoming(files=[make_pdf()])
    url = reverse("documents:file_download", args=[doc.pk, doc.files.get().pk])
    assert demo.client("chuyenvien").get(url).status_code == 404
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page


def test_a_file_of_another_document_is_not_found_through_this_one(demo, make_pdf):
    mine = demo.register_incoming()
    other = demo.register_incoming(files=[make_pdf()])
    url = reverse("documents:file_download", args=[mine.pk, other.files.get().pk])
    assert demo.client("vanthu").get(url).status_code == 404


def test_downloading_a_secret_file_is_written_to_the_audit_log(demo, make_pdf):
    with override_settings(NETWORK_ZONE="isolated"):
        doc = demo.register_incoming(secrecy=Secrecy.MAT, files=[make_pdf()])
    url = reverse("documents:file_download", args=[doc.pk, doc.files.get().pk])
    with override_settings(NETWORK_ZONE="isolated"):
        assert demo.client("vanthu").get(url).status_code == 200
    assert AuditEvent.objects.filter(action="incoming.secret_download").exists()


def _png_bytes() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
