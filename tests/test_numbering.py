"""Arrival numbers (số đến): restart rules, no gaps, no duplicates, even under concurrency."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction

from vanphong.core.errors import DomainError
from vanphong.documents import services
from vanphong.documents.models import IncomingDocument, Status
from vanphong.numbering.models import Counter, Register, RestartRule, Term
from vanphong.numbering.services import number_allocate

ROOT = Path(__file__).resolve().parent.parent
D = dt.date


def _register(demo: Any, on: dt.date, code: str, **overrides: Any) -> IncomingDocument:
    """Register a document arriving on `on`, as if the clerk worked that day."""
    values: dict[str, Any] = {
        "sender": demo.orgs["vptw"],
        "code_notation": code,
        "document_date": on - dt.timedelta(days=1),
        "doc_type": demo.doc_type(),
        "summary": "V/v triển khai Chỉ thị của Ban Bí thư",
        "arrival_date": on,
    }
    data = services.IncomingData(**{**values, **overrides})
    return services.incoming_register(actor=demo.user("vanthu"), data=data, today=on)


def _ordinary_register(demo: Any) -> Register:
    return Register.objects.get(organisation=demo.orgs["vptu"], code="den")


def _set_rule(demo: Any, rule: str) -> Register:
    register = _ordinary_register(demo)
    register.restart_rule = rule
    register.save(update_fields=["restart_rule"])
    return register


def test_yearly_numbers_restart_on_the_first_of_january(demo):
    numbers = [_register(demo, D(2025, 12, 31), f"{n}-CV/VPTW").arrival_number for n in range(1, 4)]
    assert numbers == [1, 2, 3]
    january = [
        _register(demo, D(2026, 1, 1), f"{n}-CV/VPTW", document_date=D(2025, 12, 30))
        for n in range(10, 12)
    ]
    assert [d.arrival_number for d in january] == [1, 2]
    assert {d.period_key for d in january} == {"2026"}
    late = _register(demo, D(2025, 12, 31), "99-CV/VPTW")
    assert (late.arrival_number, late.period_key) == (4, "2025")


def test_term_numbers_restart_at_the_start_of_each_term(demo):
    register = _set_rule(demo, RestartRule.TERM)
    Term.objects.create(organisation=demo.orgs["vptu"], name="2020-2025", start_date=D(2020, 10, 1))
    Term.objects.create(
        organisation=demo.orgs["vptu"], name="2025-2030", start_date=D(2025, 10, 15)
    )
    first = [_register(demo, D(2024, 12, 31), "1-CV/VPTW"), _register(demo, D(2025, 1, 2), "2-CV")]
    assert [d.arrival_number for d in first] == [1, 2]
    assert first[1].period_key == "term-2020-10-01"
    assert _register(demo, D(2025, 10, 14), "3-CV/VPTW").arrival_number == 3
    new_term = _register(demo, D(2025, 10, 15), "4-CV/VPTW")
    assert (new_term.arrival_number, new_term.period_key) == (1, "term-2025-10-15")
    assert _register(demo, D(2026, 1, 5), "5-CV/VPTW").arrival_number == 2
    assert Counter.objects.filter(register=register).count() == 2


def test_term_numbering_without_a_term_for_the_date_is_refused(demo):
    _set_rule(demo, RestartRule.TERM)
    Term.objects.create(
        organisation=demo.orgs["vptu"], name="2025-2030", start_date=D(2025, 10, 15)
    )
    with pytest.raises(DomainError) as caught:
        _register(demo, D(2025, 10, 1), "1-CV/VPTW")
    assert "chưa khai báo nhiệm kỳ" in caught.value.message
    assert "01/10/2025" in caught.value.message
    assert not IncomingDocument.objects.exists()


def test_terms_of_another_organisation_do_not_count(demo):
    _set_rule(demo, RestartRule.TERM)
    Term.objects.create(organisation=demo.orgs["btctu"], name="2025-2030", start_date=D(2020, 1, 1))
    with pytest.raises(DomainError, match="chưa khai báo nhiệm kỳ"):
        _register(demo, D(2025, 10, 1), "1-CV/VPTW")


def test_never_restarting_numbers_run_across_years(demo):
    _set_rule(demo, RestartRule.NEVER)
    numbers = [
        _register(demo, D(2024, 12, 31), "1-CV/VPTW").arrival_number,
        _register(demo, D(2025, 1, 1), "2-CV/VPTW").arrival_number,
        _register(demo, D(2026, 6, 1), "3-CV/VPTW").arrival_number,
    ]
    assert numbers == [1, 2, 3]
    assert set(IncomingDocument.objects.values_list("period_key", flat=True)) == {"all"}


def test_a_cancelled_registration_keeps_its_number_and_leaves_no_hole(demo):
    today = dt.date.today()
    docs = [_register(demo, today, f"{n}-CV/VPTW") for n in range(1, 4)]
    cancelled = services.incoming_cancel(
        actor=demo.user("vanthu"), document=docs[1], reason="Vào sổ nhầm văn bản của cơ quan khác"
    )
    assert (cancelled.arrival_number, cancelled.status) == (2, Status.CANCELLED)
    assert IncomingDocument.objects.get(pk=docs[1].pk).cancel_reason.startswith("Vào sổ nhầm")
    following = _register(demo, today, "4-CV/VPTW")
    assert following.arrival_number == 4
    numbers = sorted(IncomingDocument.objects.values_list("arrival_number", flat=True))
    assert numbers == [1, 2, 3, 4]


def test_a_cancellation_needs_a_reason(demo):
    doc = demo.register_incoming()
    with pytest.raises(DomainError, match="lý do hủy"):
        services.incoming_cancel(actor=demo.user("vanthu"), document=doc, reason="  ")
    assert IncomingDocument.objects.get(pk=doc.pk).status == Status.REGISTERED


def test_a_failed_registration_gives_its_number_back(demo, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.UPLOAD_MAX_BYTES = 1024
    today = dt.date.today()
    assert _register(demo, today, "1-CV/VPTW").arrival_number == 1
    too_big = SimpleUploadedFile("lon.pdf", b"%PDF-1.4\n" + b"0" * 4096)
    with pytest.raises(DomainError, match="vượt quá dung lượng"):
        _register(demo, today, "2-CV/VPTW", files=[too_big])
    counter = Counter.objects.get(register=_ordinary_register(demo), period_key=str(today.year))
    assert counter.last_number == 1
    assert IncomingDocument.objects.count() == 1
    assert _register(demo, today, "2-CV/VPTW").arrival_number == 2


def test_secret_documents_have_their_own_register_and_counter(demo, settings):
    settings.NETWORK_ZONE = "connected"
    today = dt.date.today()
    ordinary = _register(demo, today, "1-CV/VPTW")
    secret = _register(demo, today, "2-CV/VPTW", secrecy=1)
    assert ordinary.arrival_number == 1 and secret.arrival_number == 1
    assert ordinary.register.code == "den" and secret.register.code == "den-mat"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_are_allocated_only_inside_a_transaction(demo):
    register = _ordinary_register(demo)
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        number_allocate(register=register, on_date=dt.date.today())
    with transaction.atomic():
        assert number_allocate(register=register, on_date=dt.date.today()).number == 1


def test_an_inactive_register_gives_no_number(demo):
    register = _ordinary_register(demo)
    register.is_active = False
    register.save(update_fields=["is_active"])
    with transaction.atomic(), pytest.raises(DomainError, match="ngừng sử dụng"):
        number_allocate(register=register, on_date=dt.date.today())


def test_the_database_refuses_a_duplicate_number(demo):
    from django.db import IntegrityError

    doc = demo.register_incoming()
    twin = IncomingDocument.objects.filter(pk=doc.pk).values().get()
    twin.pop("id")
    twin["code_notation"] = "khác"
    with pytest.raises(IntegrityError), transaction.atomic():
        IncomingDocument.objects.create(**twin)


# --- concurrency --------------------------------------------------------------------------

THREADS = 6
PER_THREAD = 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_threads_get_consecutive_unique_numbers(demo):
    vanthu_id = demo.user("vanthu").pk
    sender_id = demo.orgs["vptw"].pk
    doc_type_id = demo.doc_type().pk
    barrier = threading.Barrier(THREADS)
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        from vanphong.core.models import Organisation, User
        from vanphong.documents.models import DocumentType

        try:
            clerk = User.objects.get(pk=vanthu_id)
            sender = Organisation.objects.get(pk=sender_id)
            doc_type = DocumentType.objects.get(pk=doc_type_id)
            barrier.wait(timeout=60)
            for n in range(PER_THREAD):
                data = services.IncomingData(
                    sender=sender,
                    code_notation=f"{index}{n:02d}-CV/VPTW",
                    document_date=dt.date.today(),
                    doc_type=doc_type,
                    summary="Đăng ký đồng thời",
                )
                doc = services.incoming_register(actor=clerk, data=data)
                with lock:
                    results.append(doc.arrival_number)
        except BaseException as exc:  # collected and re-raised in the main thread
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    total = THREADS * PER_THREAD
    assert sorted(results) == list(range(1, total + 1))
    stored = sorted(IncomingDocument.objects.values_list("arrival_number", flat=True))
    assert stored == list(range(1, total + 1))
    counter = Counter.objects.get(register=_ordinary_register(demo))
    assert counter.last_number == total


_CHILD = r"""
import datetime as dt, json, os, sys, time
from pathlib import Path
import django
django.setup()
from django.db import connections
from vanphong.core.models import Organisation, User
from vanphong.documents import services
from vanphong.documents.models import DocumentType

index, count, gate = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
clerk = User.objects.get(username="vanthu")
sender = Organisation.objects.get(identifier="000.00.01.A01")
doc_type = DocumentType.objects.get(name="Công văn")
(gate.parent / f"ready-{index}").touch()
deadline = time.monotonic() + 120
while not gate.exists() and time.monotonic() < deadline:
    time.sleep(0.01)
numbers = []
for n in range(count):
    data = services.IncomingData(
        sender=sender,
        code_notation=f"P{index}-{n}-CV/VPTW",
        document_date=dt.date.today(),
        doc_type=doc_type,
        summary="Đăng ký đồng thời từ tiến trình khác",
    )
    numbers.append(services.incoming_register(actor=clerk, data=data).arrival_number)
connections.close_all()
print(json.dumps(numbers))
"""

PROCESSES = 4
PER_PROCESS = 4


def _database_url() -> str:
    """The URL of the test database this test runs on, for the child processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_processes_get_consecutive_unique_numbers(demo, tmp_path):
    gate = tmp_path / "go"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vanphong.settings",
        "DATABASE_URL": _database_url(),
        "VANPHONG_ENV": "test",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(i), str(PER_PROCESS), str(gate)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    try:
        deadline = time.monotonic() + 180
        while len(list(tmp_path.glob("ready-*"))) < PROCESSES:
            crashed = [c for c in children if c.poll() not in (None, 0)]
            assert not crashed, crashed[0].communicate()[1]
            assert time.monotonic() < deadline, "child processes did not start"
            time.sleep(0.05)
        gate.touch()
        numbers: list[int] = []
        for child in children:
            out, err = child.communicate(timeout=300)
            assert child.returncode == 0, err
            numbers.extend(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    total = PROCESSES * PER_PROCESS
    assert sorted(numbers) == list(range(1, total + 1))
    stored = sorted(IncomingDocument.objects.values_list("arrival_number", flat=True))
    assert stored == list(range(1, total + 1))
