"""Batches between vanphong nodes: the due packages for one inbox go in one request, each is
checked, stored and answered as if it had come alone, and a peer that does not take batches
gets the packages one by one."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from tests import exchange_support
from tests.exchange_support import Net, issue_to, signed_package
from vanphong.core.models import AuditEvent
from vanphong.exchange import batch, edxml
from vanphong.exchange import node as exchange_node
from vanphong.exchange.edxml import samples
from vanphong.exchange.models import Arrival, Direction, Dispatch, Message, State, StatusEntry
from vanphong.exchange.services import inbox_receive, inbox_receive_batch
from vanphong.exchange.services import outbox as outbox_service
from vanphong.exchange.transport import Answer, use_transport

node_dir, node, net = exchange_support.node_dir, exchange_support.node, exchange_support.net
VPTU, BTCTU = "000.00.01.T45", "000.00.02.T45"


def _sent() -> Any:
    return Message.objects.filter(direction=Direction.OUT, kind="document")


def _statuses_sent() -> Any:
    return Message.objects.filter(direction=Direction.OUT, kind="status", status_code="01")


def test_a_batch_frames_packages_and_reads_them_back_whole() -> None:
    packages = [b"<a/>", b"x" * 1000, b"\n12\n"]
    assert batch.decode(batch.encode(packages)) == packages


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<edXML/>", "dòng đầu"),
        (batch.MAGIC, "không có gói nào"),
        (batch.MAGIC + b"10\nabc", "cắt cụt"),
        (batch.MAGIC + b"abc\n<a/>", "độ dài"),
        (batch.MAGIC + b"0\n", "cắt cụt"),
    ],
)
def test_a_batch_that_cannot_be_read_whole_is_refused_with_a_reason(
    body: bytes, words: str
) -> None:
    with pytest.raises(batch.BatchError, match=words):
        batch.decode(body)


def test_due_packages_for_one_inbox_go_in_one_request_each_with_its_own_receipt(net: Net) -> None:
    docs = [issue_to(net.demo, "btctu", summary=f"Văn bản thử lô số {i}") for i in range(3)]
    assert net.deliver() == {"delivered": 3}  # three packages, their 01 back with the receipts
    assert net.transport.content_types == [batch.INLINE_CONTENT_TYPE]
    assert net.transport.packages == [3]
    assert [status for _, status in net.transport.posts] == [200]
    sent = list(_sent())
    assert len(sent) == 3 and all(m.state == State.DELIVERED and m.receipt_verified for m in sent)
    assert [json.loads(m.receipt)["receipt"]["package_sha256"] for m in sent] == [
        m.sha256 for m in sent
    ]
    for doc in docs:
        assert list(Dispatch.objects.get(outgoing=doc).statuses.values_list("code", flat=True)) == [
            "01"
        ]
    assert Arrival.objects.count() == 3
    assert AuditEvent.objects.filter(action="exchange.delivered").count() == 3
    # received here: the three packages and, with their receipts, the three 01
    assert AuditEvent.objects.filter(action="exchange.receive").count() == 6


def test_status_01_comes_back_with_the_receipt_and_is_stored_at_the_sender(net: Net) -> None:
    doc = issue_to(net.demo, "btctu", summary="Văn bản thử trạng thái kèm biên nhận")
    assert net.deliver() == {"delivered": 1}
    assert net.transport.posts == [(exchange_support.INBOX, 200)]  # one request, no 01 posted
    status = Message.objects.get(direction=Direction.OUT, kind="status")
    assert status.status_code == "01" and status.state == State.DELIVERED and status.inline
    assert status.delivered_at is not None and status.attempts == 0
    taken = Message.objects.get(direction=Direction.IN, kind="status")
    assert taken.sha256 == status.sha256 and taken.signature_ok and taken.state == State.ACCEPTED
    entry = Dispatch.objects.get(outgoing=doc).statuses.get()
    assert entry.code == "01" and entry.message == taken


def test_the_statuses_returned_with_a_batch_are_checked_against_one_read_of_the_directory(
    net: Net,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        issue_to(net.demo, "btctu", summary=f"Văn bản thử đọc danh bạ số {i}")
    with CaptureQueriesContext(connection) as queries:
        assert net.deliver() == {"delivered": 3}
    sql = [q["sql"] for q in queries.captured_queries]
    # the route (sender), the receiving inbox, the statuses back: one read each
    assert sum('FROM "exchange_peer"' in q for q in sql) == 3
    served = 'SELECT "core_organisation"."identifier" AS "identifier"'
    assert sum(q.startswith(served) for q in sql) == 2  # the receiver's, the sender's
    # one lock of the audit chain for the batch at the receiver, one for the whole answer and
    # its three statuses at the sender
    assert sum('FROM "core_audithead"' in q for q in sql) == 2
    assert AuditEvent.objects.filter(action="exchange.receive").count() == 6  # 3 packages, 3 01


def test_the_same_package_again_gets_the_same_01_which_the_sender_stores_once(net: Net) -> None:
    body = signed_package(VPTU, BTCTU)
    first = inbox_receive_batch(body=batch.encode([body]), inline=True)
    again = inbox_receive_batch(body=batch.encode([body]), inline=True)  # the answer was lost
    assert first.body == again.body
    (answer,) = batch.decode_answers(first.body.encode(), 1) or []
    assert answer.status == 200 and len(answer.statuses) == 1
    assert edxml.parse(answer.statuses[0].encode()).status_code == "01"
    assert Arrival.objects.count() == 1 and _statuses_sent().count() == 1


def test_asked_again_without_inline_statuses_the_01_goes_through_the_outbox(net: Net) -> None:
    body = signed_package(VPTU, BTCTU)
    inbox_receive_batch(body=batch.encode([body]), inline=True)  # its answer never arrived
    assert not _statuses_sent().filter(state=State.PENDING)
    again = inbox_receive(body=body)  # the sender now posts one package per request
    assert again.status == 200 and not again.statuses
    row = _statuses_sent().get()
    assert row.state == State.PENDING and not row.inline and row.delivered_at is None


def test_a_status_posted_again_gets_its_receipt_and_nothing_else(net: Net) -> None:
    """A status taken with a receipt is stored without one of its own (nobody reads it): the
    first post of the same bytes gets one signed and kept, every later post the same one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issue_to(net.demo, "btctu", summary="Văn bản thử trạng thái gửi lại")
    net.deliver()
    taken = Message.objects.get(direction=Direction.IN, kind="status")
    assert taken.receipt == ""
    again = inbox_receive(body=bytes(taken.body or b""))
    taken.refresh_from_db()
    assert again.status == 200 and again.body == taken.receipt and not again.statuses
    own = exchange_node.identity().cert_pem.decode()
    fields = exchange_node.verify_receipt(again.body, package_sha256=taken.sha256, cert_pem=own)
    assert fields["document_id"] == taken.document_id
    with CaptureQueriesContext(connection) as queries:
        third = inbox_receive(body=bytes(taken.body or b""))
    assert third.body == again.body
    assert len(queries.captured_queries) == 1  # the lookup by hash; a status writes no status
    assert StatusEntry.objects.count() == 1


def test_a_status_with_the_receipt_gets_every_check_of_the_inbox(net: Net) -> None:
    """A status returned with a receipt is trusted no more than one posted to the inbox: signed
    by another key, it is refused and logged, and the package is still delivered."""
    stranger = samples.node_identity("000.00.09.Z99", "Máy chủ lạ")
    about = samples.document_package(
        sender=samples.organ(VPTU, "Văn phòng Tỉnh ủy"),
        recipients=[samples.organ(BTCTU, "Ban Tổ chức Tỉnh ủy")],
        number=1,
    )
    status = samples.status_package(
        sender=samples.organ(BTCTU, "Ban Tổ chức Tỉnh ủy"),
        document=about,
        status_code=edxml.StatusCode("01"),
    )
    forged = edxml.sign(
        edxml.write(status), key_pem=stranger.key_pem, cert_pem=stranger.cert_pem
    ).decode()

    class ForgingPeer:
        def post(self, url: str, body: bytes, content_type: str = "") -> Answer:
            answer = net.transport.post(url, body, content_type)
            (real,) = batch.decode_answers(answer.body, 1) or []
            return Answer(200, batch.encode_answers([replace(real, statuses=(forged,))]).encode())

    issue_to(net.demo, "btctu", summary="Văn bản thử trạng thái giả")
    with use_transport(ForgingPeer()):
        assert net.deliver() == {"delivered": 1}
    refused = Message.objects.get(direction=Direction.IN, kind="status")
    assert refused.state == State.REFUSED and refused.error.startswith("bad_signature")
    assert not StatusEntry.objects.exists()


def test_the_receipt_and_its_statuses_are_recorded_together_or_not_at_all(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vanphong.exchange.services import inbox

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    issue_to(net.demo, "btctu", summary="Văn bản thử ghi nhận cùng nhau")
    monkeypatch.setattr(inbox, "inbox_take_statuses", broken)
    with pytest.raises(RuntimeError):
        net.deliver()
    row = _sent().get()
    assert row.state == State.PENDING and row.receipt == ""  # posted again later, same receipt


def test_a_batch_reads_the_directory_once_for_all_its_packages(net: Net) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bodies = [signed_package(VPTU, BTCTU) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        answer = inbox_receive_batch(body=batch.encode(bodies))
    assert answer.status == 200
    assert [a.status for a in batch.decode_answers(answer.body.encode(), 3) or []] == [200] * 3
    sql = [q["sql"] for q in queries.captured_queries]
    served = 'SELECT "core_organisation"."identifier" AS "identifier"'
    assert sum(q.startswith(served) and "served_here" in q for q in sql) == 1
    assert sum('FROM "exchange_peer"' in q for q in sql) == 1
    # the 01 names the organisation's parent, read with the organisation, not one query each
    assert not [q for q in sql if 'WHERE "core_organisation"."id" =' in q]
    # the receiving organisation, the sender's organisation, the văn thư to tell: once each
    receiving = 'LEFT OUTER JOIN "core_organisation" T2 ON ("core_organisation"."parent_id"'
    assert sum(receiving in q for q in sql) == 1
    senders = 'FROM "core_organisation" WHERE "core_organisation"."identifier" = '
    assert sum(senders in q for q in sql) == 1
    assert sum('FROM "core_user"' in q for q in sql) == 1


def test_an_arrival_is_stored_with_inserts_only_and_the_same_bytes_again_find_it(
    net: Net,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = signed_package(VPTU, BTCTU)
    with CaptureQueriesContext(connection) as queries:
        answer = inbox_receive_batch(body=batch.encode([body, body]))
    answers = batch.decode_answers(answer.body.encode(), 2) or []
    assert [a.status for a in answers] == [200, 200]
    assert answers[0].body == answers[1].body  # the same receipt, not a conflict
    assert Arrival.objects.count() == 1
    assert Arrival.objects.get().statuses_sent == ["01"]
    # the arrival before the message row that names it, its 01 recorded as it is written
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [q for q in updates if '"exchange_message"' in q or '"exchange_arrival"' in q]


def test_a_woken_delivery_whose_row_went_in_another_batch_writes_nothing(net: Net) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(2):
        issue_to(net.demo, "btctu", summary=f"Văn bản thử đánh thức số {i}")
    first, second = _sent().order_by("pk")
    assert outbox_service.deliver(first.pk) == "delivered"  # both went in one request
    second.refresh_from_db()
    assert second.state == State.DELIVERED
    with CaptureQueriesContext(connection) as queries:
        assert outbox_service.deliver(second.pk) == "skipped"  # its own wake-up, afterwards
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]


def test_a_batch_size_of_one_sends_one_package_per_request(net: Net, settings: Any) -> None:
    settings.EXCHANGE_BATCH_SIZE = 1
    for i in range(2):
        issue_to(net.demo, "btctu", summary=f"Văn bản gửi lẻ số {i}")
    assert net.deliver() == {"delivered": 4}
    assert net.transport.content_types == ["application/xml"] * 4


def test_a_package_that_would_make_the_batch_too_large_waits_for_the_next_request(
    net: Net, settings: Any
) -> None:
    for i in range(3):
        issue_to(net.demo, "btctu", summary=f"Văn bản lô giới hạn dung lượng số {i}")
    size = max(m.size for m in _sent())
    settings.EXCHANGE_BATCH_MAX_BYTES = 2 * size  # two packages fit, not three
    assert net.deliver() == {"delivered": 3}
    assert net.transport.packages == [2, 1]  # the third waits for the next request
    assert all(m.state == State.DELIVERED for m in _sent())


def test_one_tampered_package_in_a_batch_is_refused_and_the_others_are_stored(net: Net) -> None:
    good = signed_package(VPTU, BTCTU)
    tampered = bytearray(signed_package(VPTU, BTCTU))
    position = tampered.index(b"JVBER", tampered.index(b"AttachmentEncoded")) + 8
    tampered[position] = ord("A") if tampered[position] != ord("A") else ord("B")
    answer = inbox_receive_batch(body=batch.encode([good, bytes(tampered)]), remote_addr="10.1.1.1")
    assert answer.status == 200
    first, second = json.loads(answer.body)["answers"]
    assert first["status"] == 200 and json.loads(first["body"])["receipt"]["from"] == VPTU
    assert second["status"] == 422 and json.loads(second["body"])["error"] == "tampered"
    assert Arrival.objects.count() == 1
    assert Message.objects.filter(direction=Direction.IN, state=State.REFUSED).count() == 1

    again = inbox_receive_batch(body=batch.encode([good]), remote_addr="10.1.1.1")
    assert json.loads(again.body)["answers"][0] == first  # replayed: the same receipt, stored once
    assert Arrival.objects.count() == 1


def test_a_batch_that_cannot_be_read_is_refused_whole_logged_and_nothing_is_stored(
    net: Net,
) -> None:
    good = signed_package(VPTU, BTCTU)
    body = batch.encode([good])[:-10]  # cut short
    answer = net.transport.client.generic(
        "POST", "/lien-thong/inbox/", body, content_type=batch.CONTENT_TYPE
    )
    assert answer.status_code == 400
    reason = json.loads(answer.content)
    assert reason["error"] == "malformed_batch" and "cắt cụt" in reason["message"]
    assert not Arrival.objects.exists()
    logged = Message.objects.get(direction=Direction.IN)
    assert logged.state == State.REFUSED and logged.error.startswith("malformed_batch")


class _SingleOnlyPeer:
    """A peer that knows only one package per request (as other vendors' systems): a batch is
    answered 415, a package is passed to the real inbox."""

    def __init__(self, inner: exchange_support.ClientTransport) -> None:
        self.inner = inner
        self.content_types: list[str] = []

    def post(self, url: str, body: bytes, content_type: str = "application/xml") -> Answer:
        self.content_types.append(content_type)
        if content_type.split(";")[0] == batch.CONTENT_TYPE:
            return Answer(415, b'{"error": "unsupported_media_type"}')
        return self.inner.post(url, body, content_type)


def test_a_peer_that_refuses_batches_gets_the_packages_one_by_one(net: Net) -> None:
    from vanphong.exchange.transport import use_transport

    outbox_service._single_only.clear()
    peer = _SingleOnlyPeer(net.transport)
    for i in range(3):
        issue_to(net.demo, "btctu", summary=f"Văn bản cho máy chủ cũ số {i}")
    with use_transport(peer):
        assert net.deliver() == {"delivered": 6}
    # one refused batch, then three packages; the 01s back are sent one by one too (the same
    # inbox URL in this one-node test is remembered as taking single packages)
    assert peer.content_types == [batch.INLINE_CONTENT_TYPE] + ["application/xml"] * 6
    assert all(m.state == State.DELIVERED for m in _sent())
    outbox_service._single_only.clear()


def test_a_peer_that_is_down_leaves_every_row_of_the_batch_for_a_retry(
    net: Net, settings: Any
) -> None:
    from vanphong.exchange.transport import TransportError, use_transport

    class Down:
        def post(self, url: str, body: bytes, content_type: str = "application/xml") -> Answer:
            raise TransportError(f"Không kết nối được tới {url}.")

    for i in range(2):
        issue_to(net.demo, "btctu", summary=f"Văn bản khi nơi nhận ngừng số {i}")
    with use_transport(Down()):
        assert outbox_service.deliver_due() == {"retry": 2}
    rows = list(_sent())
    assert all(m.state == State.PENDING and m.attempts == 1 for m in rows)
    assert all(m.claimed_until is None and "Không kết nối" in m.last_error for m in rows)


class _PostHook:
    """Passes each post to the real inbox; runs `during` once, while the first post is in
    flight (as another worker thread would, woken by the văn thư's next documents)."""

    def __init__(self, inner: exchange_support.ClientTransport, during: Any) -> None:
        self.inner, self.during = inner, during

    def post(self, url: str, body: bytes, content_type: str = "application/xml") -> Answer:
        during, self.during = self.during, None
        if during is not None:
            during()
        return self.inner.post(url, body, content_type)


def test_rows_woken_while_a_post_to_their_inbox_is_in_flight_go_together_in_the_next_post(
    net: Net,
) -> None:
    issue_to(net.demo, "btctu", summary="Văn bản đầu của đợt")
    (first,) = _sent()
    woken: list[str] = []

    def more_documents() -> None:
        for i in range(2):
            issue_to(net.demo, "btctu", summary=f"Văn bản phát hành trong lúc gửi số {i}")
        for row in _sent().exclude(pk=first.pk):
            woken.append(outbox_service.deliver(row.pk))  # left to the post in flight

    with use_transport(_PostHook(net.transport, more_documents)):
        assert outbox_service.deliver(first.pk) == "delivered"
    assert woken == ["skipped", "skipped"]
    assert net.transport.packages == [1, 2]  # the two woken rows went in one request, after
    assert all(m.state == State.DELIVERED for m in _sent())
    assert outbox_service._flights == {}


def test_a_wake_up_naming_the_recipient_of_a_post_in_flight_joins_it_without_a_query(
    net: Net,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issue_to(net.demo, "btctu", summary="Văn bản đầu của đợt")
    (first,) = _sent()
    queries: list[int] = []

    def more_documents() -> None:
        issue_to(net.demo, "btctu", summary="Văn bản phát hành trong lúc gửi")
        row = _sent().exclude(pk=first.pk).get()
        with CaptureQueriesContext(connection) as captured:
            assert outbox_service.deliver(row.pk, to_identifier=row.to_identifier) == "skipped"
        queries.append(len(captured.captured_queries))

    with use_transport(_PostHook(net.transport, more_documents)):
        assert outbox_service.deliver(first.pk, to_identifier=first.to_identifier) == "delivered"
    assert queries == [0]
    assert net.transport.packages == [1, 1]  # the woken row went in the next post
    assert all(m.state == State.DELIVERED for m in _sent())
    assert outbox_service._flights == {}


def test_rows_left_to_a_post_when_the_worker_stops_are_woken_again(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_to(net.demo, "btctu", summary="Văn bản gửi trước khi dừng")
    (first,) = _sent()
    rewoken: list[int] = []
    stopping = False

    def stop_meanwhile() -> None:
        nonlocal stopping
        issue_to(net.demo, "btctu", summary="Văn bản phát hành khi máy chủ đang dừng")
        second = _sent().exclude(pk=first.pk).get()
        assert outbox_service.deliver(second.pk) == "skipped"
        stopping = True

    monkeypatch.setattr(outbox_service.worker, "stopping", lambda: stopping)
    monkeypatch.setattr(outbox_service, "_wake", rewoken.append)
    with use_transport(_PostHook(net.transport, stop_meanwhile)):
        assert outbox_service.deliver(first.pk) == "delivered"
    second = _sent().exclude(pk=first.pk).get()
    assert second.state == State.PENDING and rewoken == [second.pk]  # queued for the next worker
    assert outbox_service._flights == {}


def test_a_batch_that_fails_while_storing_stores_none_of_its_packages_nor_their_files(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vanphong.exchange.services import inbox
    from vanphong.files.models import Blob
    from vanphong.files.storage import get_storage

    signer = exchange_support.exchange_node.identity()
    bodies = [
        edxml.sign(
            edxml.write(
                samples.document_package(
                    sender=samples.organ(VPTU, "Văn phòng Tỉnh ủy"),
                    recipients=[samples.organ(BTCTU, "Ban Tổ chức Tỉnh ủy")],
                    number=number,
                    files=[("van-ban.pdf", samples.pdf_bytes(title=f"Van ban {number}"))],
                )
            ),
            key_pem=signer.key_pem,
            cert_pem=signer.cert_pem,
        )
        for number in (81, 82)
    ]
    store, calls = inbox._store, []

    def second_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return store(*args, **kwargs)

    monkeypatch.setattr(inbox, "_store", second_fails)
    with pytest.raises(RuntimeError):
        inbox_receive_batch(body=batch.encode(bodies), remote_addr="10.1.1.1", inline=True)
    assert not Arrival.objects.exists() and not Message.objects.exists()
    assert not AuditEvent.objects.filter(action="exchange.receive").exists()
    assert not [b for b in Blob.objects.all() if get_storage().exists(b.sha256)]

    monkeypatch.setattr(inbox, "_store", store)  # posted again: both stored, once
    answer = inbox_receive_batch(body=batch.encode(bodies), remote_addr="10.1.1.1", inline=True)
    assert [a.status for a in batch.decode_answers(answer.body.encode(), 2) or []] == [200, 200]
    assert Arrival.objects.count() == 2


def test_a_package_refused_while_storing_leaves_the_others_and_no_audit_row_of_its_own(
    net: Net,
) -> None:
    good = signed_package(VPTU, BTCTU)
    never_sent = samples.document_package(
        sender=samples.organ(VPTU, "Văn phòng Tỉnh ủy"),
        recipients=[samples.organ(BTCTU, "Ban Tổ chức Tỉnh ủy")],
        number=99,
        files=[("van-ban.pdf", samples.pdf_bytes(title="Van ban"))],
    )
    unknown = samples.status_package(
        sender=samples.organ(BTCTU, "Ban Tổ chức Tỉnh ủy"),
        document=never_sent,
        status_code=edxml.StatusCode.ACCEPTED,
    )
    signer = exchange_support.exchange_node.identity()
    refused = edxml.sign(edxml.write(unknown), key_pem=signer.key_pem, cert_pem=signer.cert_pem)
    answer = inbox_receive_batch(body=batch.encode([refused, good]), remote_addr="10.1.1.1")
    first, second = batch.decode_answers(answer.body.encode(), 2) or []
    assert first.status == 422 and "unknown_document" in first.body and second.status == 200
    assert Arrival.objects.count() == 1
    received = AuditEvent.objects.filter(action="exchange.receive")
    assert received.count() == 1 and received.get().data["status"] == ""
    assert AuditEvent.objects.filter(action="exchange.inbox_refused").count() == 1


def test_the_other_rows_of_a_batch_are_claimed_with_one_update_and_a_leased_one_is_left(
    net: Net,
) -> None:
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    for i in range(4):
        issue_to(net.demo, "btctu", summary=f"Văn bản nhận chung một lệnh số {i}")
    first, *others, held = _sent().order_by("pk")
    other_lease = timezone.now() + dt.timedelta(minutes=1)  # another worker is posting it
    Message.objects.filter(pk=held.pk).update(claimed_until=other_lease)
    with CaptureQueriesContext(connection) as queries:
        assert outbox_service.deliver(first.pk) == "delivered"
    claims = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "exchange_message" SET "claimed_until"')
    ]
    assert len(claims) == 2  # the woken row, then the others at once
    assert net.transport.packages == [3]
    held.refresh_from_db()
    assert held.state == State.PENDING and held.claimed_until == other_lease


def test_signatures_are_checked_before_the_transactions_that_store_what_they_sign(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a write transaction holds the whole database: the XML-DSig checks of the
    packages (receiver) and of the statuses and receipts returned (sender), and the signing of
    the receipts given, are made before."""
    from django.db import connection

    from vanphong.exchange.services import inbox

    for i in range(2):
        issue_to(net.demo, "btctu", summary=f"Văn bản kiểm tra chữ ký trước giao dịch số {i}")
    outside = len(connection.atomic_blocks)  # the test's own transaction
    depths: dict[str, list[int]] = {"package or status": [], "receipt": [], "signed": []}
    verify, verify_receipt = inbox.edxml.verify_tree, outbox_service.verify_receipt
    make_receipt = inbox.make_receipt

    def signed_counted(**kwargs: Any) -> str:
        depths["signed"].append(len(connection.atomic_blocks))
        return make_receipt(**kwargs)

    def verify_counted(*args: Any, **kwargs: Any) -> Any:
        depths["package or status"].append(len(connection.atomic_blocks))
        return verify(*args, **kwargs)

    def receipt_counted(*args: Any, **kwargs: Any) -> Any:
        depths["receipt"].append(len(connection.atomic_blocks))
        return verify_receipt(*args, **kwargs)

    monkeypatch.setattr(inbox.edxml, "verify_tree", verify_counted)
    monkeypatch.setattr(outbox_service, "verify_receipt", receipt_counted)
    monkeypatch.setattr(inbox, "make_receipt", signed_counted)
    assert net.deliver() == {"delivered": 2}
    # the receipts given for the packages are signed before as well (none is signed for the
    # statuses returned with them: nobody would read it)
    assert depths == {
        "package or status": [outside] * 4,
        "receipt": [outside] * 2,
        "signed": [outside] * 2,
    }


def _package(number: int) -> bytes:
    package = samples.document_package(
        sender=samples.organ(VPTU, "Cơ quan gửi"),
        recipients=[samples.organ(BTCTU, "Cơ quan nhận")],
        number=number,
        files=[("van-ban.pdf", samples.pdf_bytes(title=f"Van ban {number}"))],
    )
    key = exchange_node.identity()
    return edxml.sign(edxml.write(package), key_pem=key.key_pem, cert_pem=key.cert_pem)


def test_the_clerks_hear_of_each_arrival_of_a_batch_in_one_job_and_of_no_refused_one(
    net: Net, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vanphong.core.models import Role, User
    from vanphong.notifications import tasks
    from vanphong.notifications.models import Notification

    jobs: list[int] = []
    real = tasks.notify_many

    def counted(**kwargs: Any) -> Any:
        jobs.append(len(kwargs["notices"]))
        return real(**kwargs)

    monkeypatch.setattr(tasks, "notify_many", counted)

    clerks = set(
        User.objects.filter(
            organisation__identifier=BTCTU, is_active=True, roles__role=Role.VAN_THU
        ).values_list("pk", flat=True)
    )
    assert clerks
    tampered = bytearray(_package(80))
    position = tampered.index(b"JVBER", tampered.index(b"AttachmentEncoded")) + 8
    tampered[position] = ord("A") if tampered[position] != ord("A") else ord("B")
    frames = [_package(78), bytes(tampered), _package(79)]
    with django_capture_on_commit_callbacks(execute=True):
        answer = inbox_receive_batch(body=batch.encode(frames))
    assert [a["status"] for a in json.loads(answer.body)["answers"]] == [200, 422, 200]
    sent = Notification.objects.filter(kind="exchange")
    assert {n.user_id for n in sent} == clerks
    titles = sorted({n.title for n in sent})
    assert len(titles) == 2 and all(t.startswith("Văn bản điện tử đến 7") for t in titles)
    assert sent.count() == 2 * len(clerks)
    # each opens its arrival
    assert {n.url for n in sent} == {
        f"/lien-thong/den/{pk}/" for pk in Arrival.objects.values_list("pk", flat=True)
    }
    assert jobs == [2]  # one job for the batch, with the two arrivals' notices
