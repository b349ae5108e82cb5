"""The search page in a browser: results while typing (htmx), keyboard navigation, saved search."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_appear_while_typing_and_the_keyboard_opens_one(demo, sign_in, live_server):
    first = demo.register_incoming(summary="Kế hoạch tổ chức Đại hội Đảng bộ tỉnh")
    demo.register_incoming(summary="Báo cáo chuẩn bị Đại hội chi bộ")
    page = sign_in("vanthu")
    page.goto(f"{live_server.url}/tim-kiem/")
    expect(page.locator("#id_q")).to_be_focused()  # the box has the cursor on arrival
    page.locator("h1").click()
    page.keyboard.press("/")  # and "/" brings it back from anywhere on the page
    expect(page.locator("#id_q")).to_be_focused()
    expect(page.locator("#id_q")).to_have_value("")
    page.keyboard.type("dai ho", delay=40)  # unfinished last word: a prefix while typing
    expect(page).to_have_url(re.compile(r"q=dai(\+|%20)ho(&|$)"))  # the last request has answered
    expect(page.get_by_test_id("search-count")).to_contain_text("Tìm thấy 2 kết quả")
    expect(page.locator("mark").first).to_contain_text("Đại")
    page.keyboard.press("ArrowDown")
    hits = page.locator("[data-search-hit]")
    expect(hits.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(hits.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("i dang bo tinh")
    expect(page).to_have_url(re.compile(r"q=dai(\+|%20)hoi(\+|%20)dang(\+|%20)bo(\+|%20)tinh(&|$)"))
    expect(page.get_by_test_id("search-count")).to_contain_text("Tìm thấy 1 kết quả")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/van-ban-den/{first.pk}/"))


def test_a_saved_search_comes_back_with_its_filters(demo, sign_in, live_server):
    demo.register_incoming(summary="Thông báo kết luận của Thường trực Tỉnh ủy")
    page = sign_in("vanthu")
    page.goto(f"{live_server.url}/tim-kiem/?q=thong+bao+ket+luan&sap_xep=date")
    expect(page.get_by_test_id("search-count")).to_contain_text("Tìm thấy 1 kết quả")
    page.locator("#save-name").fill("Kết luận mới nhất")
    page.get_by_role("button", name="Lưu", exact=True).click()
    saved = page.get_by_test_id("saved-searches").get_by_role("link", name="Kết luận mới nhất")
    expect(saved).to_be_visible()
    page.goto(f"{live_server.url}/tim-kiem/")
    page.get_by_test_id("saved-searches").get_by_role("link", name="Kết luận mới nhất").click()
    expect(page.get_by_test_id("search-count")).to_contain_text("Tìm thấy 1 kết quả")
    expect(page.locator("#id_q")).to_have_value("thong bao ket luan")
