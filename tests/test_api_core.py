"""Bearer tokens for the API: /api/v1/me, missing and revoked tokens, the `token` command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from vanphong.core.models import ApiToken
from vanphong.core.services import api_token_create, api_token_revoke


def me(token: str | None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = Client().get("/api/v1/me", headers=headers)
    return response.status_code, response.json()


def run_token_command(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_a_valid_token_answers_who_the_caller_is(demo):
    _, raw = api_token_create(actor=demo.user("admin"), user=demo.user("chuyenvien"))
    status, body = me(raw)
    assert status == 200
    assert body["username"] == "chuyenvien"
    assert body["full_name"] == "Bùi Thị Ngọc Ánh"
    assert body["unit"] == "Phòng Tổng hợp"
    assert body["roles"] == ["chuyen_vien"]
    assert body["clearance"] == 1


def test_a_request_without_a_token_is_unauthenticated(demo):
    status, body = me(None)
    assert status == 401
    assert body["detail"].startswith("Chưa xác thực")


def test_a_made_up_token_is_unauthenticated(demo):
    status, _ = me("vp_khong-phai-ma-that")
    assert status == 401


def test_a_revoked_token_no_longer_works(demo):
    token, raw = api_token_create(actor=demo.user("admin"), user=demo.user("vanthu"))
    assert me(raw)[0] == 200
    api_token_revoke(actor=demo.user("admin"), token=token)
    status, body = me(raw)
    assert status == 401
    assert "Bearer" in body["detail"]


def test_a_token_of_a_deactivated_user_no_longer_works(demo):
    user = demo.user("chuyenvien2")
    _, raw = api_token_create(actor=demo.user("admin"), user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert me(raw)[0] == 401


def test_the_create_command_prints_a_working_token_as_its_last_word(demo):
    output = run_token_command("create", "lanhdao", "--name", "máy tính bảng")
    raw = output.split()[-1]
    assert raw.startswith("vp_")
    status, body = me(raw)
    assert status == 200 and body["username"] == "lanhdao"
    token = ApiToken.objects.get(user__username="lanhdao")
    assert token.name == "máy tính bảng"
    assert token.key_hash != raw and raw not in token.key_hash


def test_the_list_command_shows_each_token_with_its_state(demo):
    raw = run_token_command("create", "vanthu").split()[-1]
    run_token_command("create", "lanhdao")
    listing = run_token_command("list", "vanthu")
    lines = listing.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(raw[:10])
    assert "vanthu" in lines[0] and "còn hiệu lực" in lines[0]


def test_the_revoke_command_revokes_by_prefix(demo):
    raw = run_token_command("create", "truongphong").split()[-1]
    output = run_token_command("revoke", raw[:10])
    assert output.startswith("Đã thu hồi")
    assert me(raw)[0] == 401
    assert "đã thu hồi" in run_token_command("list", "truongphong")


def test_the_revoke_command_refuses_a_prefix_that_matches_nothing(demo):
    with pytest.raises(CommandError, match="Cần đúng một mã"):
        run_token_command("revoke", "vp_khongco")


def test_the_create_command_refuses_an_unknown_user(demo):
    with pytest.raises(CommandError, match="Không có người dùng"):
        run_token_command("create", "khongtontai")
