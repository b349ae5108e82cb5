"""Signing in and out through the real pages, in the system Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_clerk_signs_in_sees_the_greeting_and_signs_out(demo, sign_in, live_server):
    page = sign_in("vanthu")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào, Nguyễn Thị Thu Hà")
    # the stylesheet is served by the live server: Bootstrap sets the body's font stack
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font
    page.get_by_role("button", name="Nguyễn Thị Thu Hà").click()
    page.get_by_test_id("signout").click()
    page.wait_for_url(f"{live_server.url}/dang-nhap/")
    expect(page.get_by_text("Đồng chí đã đăng xuất.")).to_be_visible()
    page.goto(f"{live_server.url}/van-ban-den/")
    assert "/dang-nhap/" in page.url  # signed out: pages send you back to sign in


def test_a_wrong_password_shows_the_vietnamese_error(demo, new_page, live_server):
    page = new_page()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("vanthu")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("signin-error")).to_have_text(
        "Tên đăng nhập hoặc mật khẩu không đúng."
    )
    assert page.url.endswith("/dang-nhap/")
