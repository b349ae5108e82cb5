"""The audit log records sign-ins and detects every kind of tampering with its hash chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models.deletion import ProtectedError
from django.test import Client

from vanphong.core.audit import GENESIS, audit_record, audit_verify
from vanphong.core.models import AuditEvent, AuditHead, User


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post("/dang-nhap/", {"username": username, "password": password})


@pytest.fixture
def chain(demo) -> list[AuditEvent]:
    """Five more rows on top of whatever the demo wrote, with varied columns."""
    clerk = demo.user("vanthu")
    for index in range(5):
        audit_record(
            actor=clerk,
            action=f"tests.step_{index}",
            obj=clerk,
            summary=f"Bước thử nghiệm {index}",
            data={"index": index, "ghi_chú": "dữ liệu có dấu"},
        )
    rows = list(AuditEvent.objects.order_by("id"))
    assert audit_verify().ok
    return rows


def test_signing_in_writes_an_audit_row_with_the_address(demo, password):
    client = Client(REMOTE_ADDR="10.1.2.3")
    before = AuditEvent.objects.count()
    response = _sign_in(client, "vanthu", password)
    assert response.status_code == 302
    row = AuditEvent.objects.exclude(id__lte=before).get(action="auth.signin")
    user = demo.user("vanthu")
    assert row.actor_id == user.pk
    assert row.actor_name == "vanthu"
    assert row.object_id == str(user.pk)
    assert row.ip == "10.1.2.3"
    assert audit_verify().ok


def test_signing_out_writes_an_audit_row(demo, password):
    client = Client()
    _sign_in(client, "lanhdao", password)
    response = client.post("/dang-xuat/")
    assert response.status_code == 302
    row = AuditEvent.objects.order_by("-id").first()
    assert row is not None
    assert row.action == "auth.signout"
    assert row.actor_id == demo.user("lanhdao").pk


def test_a_failed_sign_in_writes_an_audit_row_without_an_actor(demo):
    client = Client()
    response = _sign_in(client, "vanthu", "wrong-password")
    assert response.status_code == 401
    row = AuditEvent.objects.order_by("-id").first()
    assert row is not None
    assert row.action == "auth.signin_failed"
    assert row.actor_id is None
    assert row.actor_name == "vanthu"
    assert row.object_id == str(demo.user("vanthu").pk)


def test_a_failed_sign_in_with_an_unknown_name_is_recorded_too(demo):
    _sign_in(Client(), "khong-ton-tai", "whatever-password")
    row = AuditEvent.objects.order_by("-id").first()
    assert row is not None
    assert (row.action, row.actor_name, row.object_id) == (
        "auth.signin_failed",
        "khong-ton-tai",
        "",
    )


def test_the_chain_links_every_row_to_the_one_before(chain):
    assert chain[0].prev_hash == GENESIS
    for earlier, later in zip(chain, chain[1:], strict=False):
        assert later.prev_hash == earlier.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (chain[-1].pk, chain[-1].hash)
    result = audit_verify()
    assert result.ok and result.rows == len(chain)


def test_the_chain_verifies_when_read_in_small_chunks(chain):
    result = audit_verify(chunk_size=2)
    assert result.ok and result.rows == len(chain)


def _tampered_value(row: AuditEvent, column: str, other_user: User) -> Any:
    if column == "created_at":
        return row.created_at + dt.timedelta(seconds=1)
    if column == "actor":
        return other_user
    if column == "data":
        return {**row.data, "index": 999}
    if column in ("prev_hash", "hash"):
        return "f" * 64
    return f"{getattr(row, column)}-sửa"


@pytest.mark.parametrize(
    "column",
    [
        "created_at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "summary",
        "data",
        "ip",
        "prev_hash",
        "hash",
    ],
)
def test_changing_any_column_of_a_row_is_detected_at_that_row(demo, chain, column):
    target = chain[len(chain) // 2]
    value = _tampered_value(target, column, demo.user("lanhdao"))
    assert AuditEvent.objects.filter(pk=target.pk).update(**{column: value}) == 1
    result = audit_verify()
    assert result.ok is False
    assert result.broken_id == target.pk
    assert result.reason


def test_deleting_a_middle_row_is_detected_at_the_next_row(chain):
    middle = chain[len(chain) // 2]
    following = chain[len(chain) // 2 + 1]
    AuditEvent.objects.filter(pk=middle.pk).delete()
    result = audit_verify()
    assert result.ok is False
    assert result.broken_id == following.pk
    assert "prev_hash" in result.reason


def test_deleting_the_first_row_is_detected_at_the_second(chain):
    AuditEvent.objects.filter(pk=chain[0].pk).delete()
    result = audit_verify()
    assert result.ok is False
    assert result.broken_id == chain[1].pk


def test_deleting_the_last_row_is_detected(chain):
    AuditEvent.objects.filter(pk=chain[-1].pk).delete()
    result = audit_verify()
    assert result.ok is False
    assert result.broken_id == chain[-1].pk
    assert "dòng cuối" in result.reason


def test_deleting_every_row_is_detected(chain):
    AuditEvent.objects.all().delete()
    result = audit_verify()
    assert result.ok is False
    assert result.rows == 0


def test_a_row_is_appended_inside_the_callers_transaction_and_rolls_back_with_it(chain):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="tests.rolled_back", summary="Sẽ bị hủy")
        raise RuntimeError("boom")
    assert not AuditEvent.objects.filter(action="tests.rolled_back").exists()
    assert audit_verify().ok
    audit_record(actor=None, action="tests.after_rollback")
    assert audit_verify().ok


def test_deleting_a_person_who_appears_in_the_log_is_refused(demo, password):
    """The actor column is part of the hash: SET NULL on delete would break the chain."""
    _sign_in(Client(), "chuyenvien3", password)
    person = demo.user("chuyenvien3")
    assert AuditEvent.objects.filter(actor=person).exists()
    with pytest.raises(ProtectedError) as caught, transaction.atomic():
        person.delete()
    assert "nhật ký" in str(caught.value.args[0])
    assert User.objects.filter(pk=person.pk).exists()
    assert audit_verify().ok


def test_the_verify_command_reports_an_intact_chain(chain, capsys):
    call_command("audit", "verify")
    output = capsys.readouterr().out
    assert f"Chuỗi nhật ký nguyên vẹn: {len(chain)} dòng." in output


def test_the_verify_command_fails_naming_the_tampered_row(chain):
    target = chain[2]
    AuditEvent.objects.filter(pk=target.pk).update(summary="Nội dung đã bị sửa")
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    message = str(caught.value)
    assert f"#{target.pk}" in message
    assert "Chuỗi nhật ký bị phá vỡ" in message


def test_the_verify_command_exits_non_zero_from_the_command_line(chain, capsys):
    from vanphong.core.management.commands.audit import Command

    AuditEvent.objects.filter(pk=chain[-1].pk).delete()
    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(["vanphong", "audit", "verify", "--skip-checks"])
    assert caught.value.code == 1
    assert f"#{chain[-1].pk}" in capsys.readouterr().err


def test_the_admin_offers_no_delete_for_a_person_in_the_log(demo, password):
    _sign_in(Client(), "chuyenvien3", password)
    person = demo.user("chuyenvien3")
    response = demo.client("admin").get(f"/quan-tri/core/user/{person.pk}/delete/")
    assert response.status_code == 403
    assert User.objects.filter(pk=person.pk).exists()
