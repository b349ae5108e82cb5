"""Error pages are in Vietnamese and standalone (no sidebar, no database queries)."""

from __future__ import annotations

import pytest
from django.template import loader
from django.test import Client


@pytest.mark.django_db
def test_unknown_page_shows_vietnamese_404(client: Client) -> None:
    response = client.get("/trang-khong-co/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.django_db
def test_expired_form_shows_vietnamese_csrf_page() -> None:
    response = Client(enforce_csrf_checks=True).post("/dang-nhap/", {"username": "x"})
    assert response.status_code == 403
    assert "Phiên làm việc đã hết hạn" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("400.html", "Yêu cầu không hợp lệ"),
        ("403.html", "Không có quyền truy cập"),
        ("500.html", "Hệ thống gặp lỗi"),
    ],
)
def test_error_templates_render_without_context(name: str, heading: str) -> None:
    assert heading in loader.get_template(name).render()
