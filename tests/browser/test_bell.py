"""The bell in the top bar: the htmx dropdown loads, marks all read, follows a link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from vanphong.notifications.services import notification_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_opens_the_latest_notifications_and_marks_them_read(demo, sign_in, live_server):
    user = demo.user("chuyenvien")
    for n in range(3):
        notification_send(
            user_ids=[user.pk], title=f"Được giao văn bản đến số {n + 1}", kind="assignment"
        )
    notification_send(
        user_ids=[user.pk], title="Mở sổ văn bản đến", kind="assignment", url="/van-ban-den/"
    )
    page = sign_in("chuyenvien")
    expect(page.get_by_test_id("bell-count")).to_contain_text("4")
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("bell-item")).to_have_count(4)
    expect(page.get_by_test_id("bell-item").first).to_contain_text("Mở sổ văn bản đến")
    page.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    page.get_by_test_id("bell-item").first.click()
    page.wait_for_url(f"{live_server.url}/van-ban-den/")
