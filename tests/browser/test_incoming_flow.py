"""One incoming document through four people, in the browser: register (keyboard only, with a
PDF), present, route, assign, complete; the timeline shows every step."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.conftest import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "V/v triển khai Nghị quyết Hội nghị Trung ương lần thứ mười"


def open_document(page, live_server) -> None:
    """From the person's work list, open the document by its summary."""
    page.goto(f"{live_server.url}/van-ban-den/")
    page.get_by_test_id("worklist-table").get_by_role("link", name=SUMMARY).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Số đến 1")


def test_a_document_goes_from_the_clerk_to_the_specialist_and_back(demo, sign_in, live_server):
    clerk = sign_in("vanthu")
    clerk.goto(f"{live_server.url}/van-ban-den/vao-so/")

    # the sender picker has the focus: type without diacritics, choose with the keyboard
    picker = clerk.locator("#sender-picker")
    expect(picker).to_be_focused()
    picker.press_sequentially("van phong trung uong")
    option = clerk.get_by_role("option", name="Văn phòng Trung ương Đảng")
    expect(option).to_have_attribute("aria-selected", "true")
    add = clerk.get_by_role("option", name="Thêm cơ quan gửi mới")
    clerk.keyboard.press("ArrowDown")  # the last option offers to add a new sender
    expect(add).to_have_attribute("aria-selected", "true")
    clerk.keyboard.press("ArrowUp")
    expect(option).to_have_attribute("aria-selected", "true")
    clerk.keyboard.press("Enter")
    expect(picker).to_have_value("Văn phòng Trung ương Đảng")
    code = clerk.locator("#id_code_notation")
    expect(code).to_be_focused()
    clerk.keyboard.type("77-CV/VPTW")
    clerk.keyboard.press("Tab")
    document_date = dt.date.today() - dt.timedelta(days=2)
    clerk.keyboard.type(document_date.strftime("%d/%m/%Y"))
    clerk.get_by_label("Loại văn bản").select_option(label="Công văn")
    clerk.get_by_label("Trích yếu").fill(SUMMARY)
    clerk.locator("input[name=attachments]").set_input_files(
        {"name": "cong-van-77.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    clerk.get_by_label("Trích yếu").press("Control+Enter")  # "Lưu và vào sổ tiếp"

    expect(clerk.get_by_test_id("last-registered")).to_contain_text("Đã vào sổ số đến 1.")
    expect(clerk.locator("#id_code_notation")).to_be_focused()  # ready for the next arrival
    expect(clerk.locator("#sender-picker")).to_have_value("Văn phòng Trung ương Đảng")
    clerk.get_by_role("link", name="Mở văn bản, trình lãnh đạo").click()

    expect(clerk.get_by_test_id("files")).to_contain_text("cong-van-77.pdf")
    clerk.get_by_test_id("open-present").click()
    clerk.get_by_label("Lãnh đạo nhận trình").select_option(
        label="Phạm Văn Đức — Chánh Văn phòng Tỉnh ủy"
    )
    clerk.get_by_test_id("submit-present").click()
    expect(clerk.get_by_role("alert")).to_contain_text("Đã trình lãnh đạo.")

    leader = sign_in("lanhdao")
    open_document(leader, live_server)
    leader.get_by_test_id("open-route").click()
    leader.get_by_label("Ý kiến chỉ đạo").fill("Giao Phòng Tổng hợp tham mưu, báo cáo trong tuần")
    leader.get_by_label("Đơn vị chủ trì").select_option(label="Phòng Tổng hợp")
    leader.get_by_test_id("submit-route").click()
    expect(leader.get_by_role("alert")).to_contain_text("Đã giao xử lý văn bản.")
    expect(leader.get_by_test_id("slip-lead")).to_have_text("Phòng Tổng hợp")

    head = sign_in("truongphong")
    open_document(head, live_server)
    head.get_by_test_id("open-assign_handler").click()
    head.get_by_label("Chuyên viên xử lý").select_option(label="Bùi Thị Ngọc Ánh — Chuyên viên")
    head.get_by_test_id("submit-assign_handler").click()
    expect(head.get_by_role("alert")).to_contain_text("Đã phân công chuyên viên xử lý.")

    specialist = sign_in("chuyenvien")
    open_document(specialist, live_server)
    with specialist.expect_download() as download:
        specialist.get_by_role("link", name="cong-van-77.pdf").click()
    assert download.value.suggested_filename == "cong-van-77.pdf"
    specialist.get_by_test_id("open-complete").click()
    specialist.get_by_label("Kết quả xử lý").fill("Đã dự thảo kế hoạch triển khai, trình ký")
    specialist.get_by_label("Văn bản trả lời (số, ký hiệu)").fill("12-KH/VPTU")
    specialist.get_by_test_id("submit-complete").click()
    expect(specialist.get_by_role("alert")).to_contain_text("Đã báo cáo hoàn thành")
    expect(specialist.get_by_test_id("doc-status")).to_have_text("Đã xử lý xong, chờ kết thúc")

    steps = specialist.get_by_test_id("timeline").locator("li")
    expect(steps).to_have_count(5)
    assert [steps.nth(i).get_attribute("data-action") for i in range(5)] == [
        "register",
        "present",
        "route",
        "assign_handler",
        "complete",
    ]
    timeline = specialist.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Vào sổ — Nguyễn Thị Thu Hà")
    expect(timeline).to_contain_text("Trình: Phạm Văn Đức")
    expect(timeline).to_contain_text("Chủ trì: Phòng Tổng hợp")
    expect(timeline).to_contain_text("Chuyên viên xử lý: Bùi Thị Ngọc Ánh")
    expect(timeline).to_contain_text("Văn bản trả lời: 12-KH/VPTU")
