"""Batch registration (`incoming_register_many`): the same rows, numbers, history and audit as one
registration at a time, all or nothing, and the same refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from vanphong.core.audit import audit_verify
from vanphong.core.errors import DomainError
from vanphong.core.models import AuditEvent, Secrecy
from vanphong.documents import services
from vanphong.documents.models import (
    DocumentEvent,
    EventAction,
    IncomingDocument,
    Status,
    WorkItem,
    WorkKind,
)
from vanphong.documents.services import common
from vanphong.numbering.models import Counter

TODAY = dt.date.today()


def _data(demo: Any, n: int, **overrides: Any) -> services.IncomingData:
    values: dict[str, Any] = {
        "sender": demo.orgs["vptw"],
        "code_notation": f"{n}-CV/VPTW",
        "document_date": TODAY - dt.timedelta(days=1),
        "doc_type": demo.doc_type(),
        "summary": f"V/v triển khai nhiệm vụ số {n}",
        "signer_name": "Lê Minh Hưng",
    }
    values.update(overrides)
    return services.IncomingData(**values)


def _counters() -> list[tuple[int, str, int]]:
    return sorted(Counter.objects.values_list("register_id", "period_key", "last_number"))


def test_a_batch_gives_consecutive_numbers_history_audit_and_items(demo, monkeypatch):
    clerk = demo.user("vanthu")
    first = demo.register_incoming(code_notation="1-CV/VPTW")
    audit_before = AuditEvent.objects.count()
    queued: list[int] = []
    heard: list[tuple[int, str]] = []
    with monkeypatch.context() as patch:  # bulk inserts send no signals: queued explicitly
        patch.setattr(common, "search_enqueue_many", lambda kind, ids: queued.extend(ids))
        patch.setattr(
            common,
            "_record_listeners",
            [*common._record_listeners, lambda e: heard.append((e.document_id, e.action))],
        )
        docs = services.incoming_register_many(
            actor=clerk, items=[_data(demo, n) for n in range(2, 7)]
        )
    assert queued == [d.pk for d in docs]  # every new row goes to the search outbox
    assert heard == [(d.pk, EventAction.REGISTER) for d in docs]  # as record() tells listeners
    assert [d.arrival_number for d in docs] == [first.arrival_number + i for i in range(1, 6)]
    stored = IncomingDocument.objects.filter(pk__in=[d.pk for d in docs]).order_by("pk")
    assert [d.code_notation for d in stored] == [f"{n}-CV/VPTW" for n in range(2, 7)]
    assert {d.status for d in stored} == {Status.REGISTERED}
    assert {d.registered_by_id for d in stored} == {clerk.pk}
    for doc in docs:
        events = list(DocumentEvent.objects.filter(document=doc))
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            (EventAction.REGISTER, "", Status.REGISTERED)
        ]
        assert events[0].data["number"] == doc.arrival_number
        item = WorkItem.objects.get(document=doc)
        assert (item.user_id, item.kind) == (clerk.pk, WorkKind.PRESENT)
    audit = list(AuditEvent.objects.filter(pk__gt=0).order_by("-id")[:5])[::-1]
    assert AuditEvent.objects.count() == audit_before + 5
    assert [a.object_id for a in audit] == [str(d.pk) for d in docs]
    assert {a.action for a in audit} == {"incoming.register"}
    assert audit_verify().ok
    # the next single registration continues the same register
    after = demo.register_incoming(code_notation="7-CV/VPTW")
    assert after.arrival_number == docs[-1].arrival_number + 1


def test_a_secret_item_goes_to_the_secret_register_and_keeps_its_own_sequence(demo, settings):
    settings.NETWORK_ZONE = "connected"
    clerk = demo.user("vanthu")
    items = [
        _data(demo, 11),
        _data(demo, 12, secrecy=Secrecy.MAT, summary=""),
        _data(demo, 13),
    ]
    docs = services.incoming_register_many(actor=clerk, items=items)
    plain = [d for d in docs if not d.secrecy]
    secret = [d for d in docs if d.secrecy]
    assert plain[1].arrival_number == plain[0].arrival_number + 1
    assert plain[0].register_id != secret[0].register_id
    assert secret[0].content_withheld and secret[0].summary == ""


def test_a_bad_item_refuses_the_whole_batch_and_says_which(demo):
    clerk = demo.user("vanthu")
    counters, count = _counters(), IncomingDocument.objects.count()
    audit_before = AuditEvent.objects.count()
    items = [_data(demo, 21), _data(demo, 22, summary="  "), _data(demo, 23)]
    with pytest.raises(DomainError) as caught:
        services.incoming_register_many(actor=clerk, items=items)
    assert caught.value.message == "Văn bản thứ 2: Vui lòng nhập trích yếu."
    assert caught.value.field == "summary"
    assert (_counters(), IncomingDocument.objects.count()) == (counters, count)
    assert AuditEvent.objects.count() == audit_before


def test_duplicates_stop_the_batch(demo):
    clerk = demo.user("vanthu")
    earlier = demo.register_incoming(
        code_notation="31-CV/VPTW", document_date=TODAY - dt.timedelta(days=1)
    )
    count = IncomingDocument.objects.count()
    with pytest.raises(services.DuplicateFound) as caught:
        services.incoming_register_many(
            actor=clerk, items=[_data(demo, 30), _data(demo, 0, code_notation="Số 31-CV/VPTW")]
        )
    assert [d.pk for d in caught.value.earlier] == [earlier.pk]
    with pytest.raises(DomainError, match="Văn bản thứ 2: Trùng số ký hiệu.*văn bản thứ 1"):
        services.incoming_register_many(actor=clerk, items=[_data(demo, 32), _data(demo, 32)])
    assert IncomingDocument.objects.count() == count


def test_only_the_clerk_may_register_a_batch(demo):
    with pytest.raises(PermissionDenied):
        services.incoming_register_many(actor=demo.user("chuyenvien"), items=[_data(demo, 41)])
    assert services.incoming_register_many(actor=demo.user("vanthu"), items=[]) == []
