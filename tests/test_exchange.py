"""Exchange (liên thông): outbox at issuance, delivery and receipts, idempotent inbox, refusals,
secret documents, back-off against a closed port, statuses 01..06, recall 13/15/16, hub relay,
retention."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from tests import exchange_support
from tests.exchange_support import INBOX, Net, issue_to, peer, signed_package
from vanphong.core.errors import DomainError
from vanphong.core.models import AuditEvent
from vanphong.documents.models import Channel, Status
from vanphong.documents.services import (
    Assignment,
    incoming_assign_handler,
    incoming_complete,
    incoming_route,
    incoming_start,
)
from vanphong.drafting.models import (
    Delivery,
    DispatchStatus,
    OutAction,
    OutgoingDocument,
    Recipient,
)
from vanphong.drafting.services import outgoing_dispatch, outgoing_recall
from vanphong.exchange import edxml, packages
from vanphong.exchange.edxml import samples
from vanphong.exchange.models import (
    Arrival,
    ArrivalState,
    Direction,
    Dispatch,
    Message,
    RecallState,
    State,
)
from vanphong.exchange.node import identity, make_receipt, verify_receipt
from vanphong.exchange.services import (
    SECRET_REFUSAL,
    arrival_accept,
    arrival_refuse,
    deliver,
    exchange_enqueue,
    inbox_receive,
    purge_bodies,
    recall_answer,
)
from vanphong.exchange.services.outbox import backoff, route_for
from vanphong.exchange.services.sending import exchange_prepare
from vanphong.exchange.transport import HttpTransport, tls_context, use_transport

node_dir, node, net = exchange_support.node_dir, exchange_support.node, exchange_support.net
VPTU, BTCTU = "000.00.01.T45", "000.00.02.T45"


def _codes(doc: OutgoingDocument) -> list[str]:
    dispatch = Dispatch.objects.get(outgoing=doc)
    return list(dispatch.statuses.order_by("id").values_list("code", flat=True))


def _arrival(doc: OutgoingDocument) -> Arrival:
    return Arrival.objects.get(document_id=Dispatch.objects.get(outgoing=doc).document_id)


def test_issuance_writes_one_signed_package_per_recipient_into_the_outbox(net: Net) -> None:
    doc = issue_to(net.demo, "btctu")
    line = doc.recipients.get()
    assert line.status == DispatchStatus.QUEUED
    message = Message.objects.get(direction=Direction.OUT)
    assert message.state == State.PENDING and message.to_identifier == BTCTU
    body = bytes(message.body or b"")
    edxml.verify(body, cert_pem=identity().cert_pem)  # signed by this node
    package = edxml.parse(body)
    assert isinstance(package, edxml.DocumentPackage)
    assert package.document_id == f"{VPTU},{doc.issue_date:%Y/%m/%d},{doc.notation}"
    assert [o.organ_id for o in package.to] == [BTCTU]
    assert package.subject == doc.summary and package.promulgation.date == doc.issue_date
    assert package.attachments[0].data[:5] == b"%PDF-"
    assert Dispatch.objects.get(outgoing=doc).messages.get() == message


def _add_exchange_line(doc: OutgoingDocument, org: Any) -> Recipient:
    """A recipient added to an issued document, still to be sent by exchange."""
    return Recipient.objects.create(
        document=doc,
        order=9,
        organisation=org,
        label=org.full_name,
        delivery=Delivery.EXCHANGE,
        status=DispatchStatus.PENDING,
    )


def test_the_dispatch_signs_each_package_once_before_its_transaction_on_sqlite(
    net: Net, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = issue_to(net.demo, "btctu")
    line = _add_exchange_line(doc, net.demo.orgs["vptw"])
    outside = len(connection.atomic_blocks)  # the test's own transaction
    depths: list[int] = []
    build = packages.build_document

    def counted(**options: Any) -> bytes:
        depths.append(len(connection.atomic_blocks))
        return build(**options)

    monkeypatch.setattr(packages, "build_document", counted)
    counts = outgoing_dispatch(actor=net.demo.user("vanthu"), document=doc)
    assert counts == {"delivered": 0, "queued": 1, "paper": 0}
    # once; on SQLite not inside the dispatch's transaction (its write lock is the database's)
    assert depths == [outside if connection.vendor == "sqlite" else outside + 1]
    body = bytes(Message.objects.get(dispatch__recipient=line).body or b"")
    edxml.verify(body, cert_pem=identity().cert_pem)
    assert [o.organ_id for o in edxml.parse(body).to] == [net.demo.orgs["vptw"].identifier]


def test_a_dispatch_reads_the_lines_once_on_each_side_of_its_transaction(net: Net) -> None:
    """The lines to send and the "Nơi nhận" the package lists come from one read; the PDF's
    row is read with the document, and not again when the prepared package is used."""
    from django.test.utils import CaptureQueriesContext

    doc = issue_to(net.demo, "btctu")
    _add_exchange_line(doc, net.demo.orgs["vptw"])
    with CaptureQueriesContext(connection) as queries:
        outgoing_dispatch(actor=net.demo.user("vanthu"), document=doc)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    prepared = 1 if connection.vendor == "sqlite" else 0  # the read before the transaction
    assert sum('FROM "drafting_recipient"' in q for q in selects) == 1 + prepared
    # (on PostgreSQL the package is built inside, and reads the PDF's row then)
    assert sum('FROM "files_blob"' in q for q in selects) == 1 - prepared
    # the issuing organisation comes with the locked document; no savepoint of the exchange's own
    assert not [q for q in selects if q.startswith('SELECT "core_organisation"."id"')]
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")][1:]
    # the package's audit row and the dispatch's go in with one lock of the chain, in order
    assert sum('FROM "core_audithead"' in q for q in selects) == 1
    actions = AuditEvent.objects.order_by("-pk").values_list("action", flat=True)[:2]
    assert list(actions) == ["outgoing.dispatch", "exchange.send"]


def test_a_package_built_before_the_document_changed_is_built_again(net: Net) -> None:
    clerk = net.demo.user("vanthu")
    doc = issue_to(net.demo, "btctu")
    line = _add_exchange_line(doc, net.demo.orgs["vptw"])
    assert exchange_prepare(actor=net.demo.user("chuyenvien"), document=doc) == {}  # not theirs
    prepared = exchange_prepare(actor=clerk, document=doc)
    assert set(prepared) == {line.pk}
    _add_exchange_line(doc, net.demo.orgs["tu"])  # meanwhile, one more place to send to
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=doc.pk)
        exchange_enqueue(actor=clerk, doc=locked, line=line, prepared=prepared[line.pk])
    body = bytes(Message.objects.get(dispatch__recipient=line).body or b"")
    package = edxml.parse(body)
    assert body != prepared[line.pk].body and isinstance(package, edxml.DocumentPackage)
    assert net.demo.orgs["tu"].full_name in package.to_places


def test_round_trip_arrival_accept_and_every_status_back_at_the_sender(net: Net) -> None:
    demo = net.demo
    doc = issue_to(net.demo, "btctu")
    assert net.deliver() == {"delivered": 1}  # the package; status 01 came back with the receipt
    sent = Message.objects.get(direction=Direction.OUT, kind="document")
    assert sent.state == State.DELIVERED and sent.receipt_verified is True
    assert json.loads(sent.receipt)["receipt"]["package_sha256"] == sent.sha256
    arrival = _arrival(doc)
    assert arrival.state == ArrivalState.PENDING and arrival.organisation == demo.orgs["btctu"]
    assert arrival.code_notation == doc.notation and arrival.summary == doc.summary
    assert arrival.files.count() == 1
    assert _codes(doc) == ["01"]
    line = doc.recipients.get()  # "Nơi nhận" follows, and the register gets the day it was sent
    assert line.status == DispatchStatus.ARRIVED and line.sent_on == timezone.localdate()
    assert line.sent_method == "Liên thông điện tử"
    from vanphong.drafting.exports import outgoing_row

    register = outgoing_row(OutgoingDocument.objects.get(pk=doc.pk))  # the outgoing register
    assert register[7] == timezone.localdate() and "Chờ gửi liên thông" not in register[9]

    incoming = arrival_accept(actor=demo.user("vanthubtc"), arrival=arrival)
    assert incoming.channel == Channel.ELECTRONIC and incoming.sender == demo.orgs["vptu"]
    assert incoming.code_notation == doc.notation and incoming.files.count() == 1
    incoming_route(
        actor=demo.user("truongbantc"),
        document=incoming,
        plan=Assignment(lead_unit=demo.unit("Phòng Cán bộ", "btctu")),
    )
    incoming_assign_handler(actor=demo.user("tpcb"), document=incoming, handler=demo.user("cvcb"))
    incoming_start(actor=demo.user("cvcb"), document=incoming)
    incoming_complete(actor=demo.user("cvcb"), document=incoming, note="Đã báo cáo")
    net.deliver()
    assert _codes(doc) == ["01", "03", "04", "05", "06"]
    assert Dispatch.objects.get(outgoing=doc).last_code == "06"
    assert doc.recipients.get().status == DispatchStatus.DELIVERED  # since status 03
    assert not Message.objects.filter(direction=Direction.OUT).exclude(state=State.DELIVERED)
    audited = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"exchange.send", "exchange.receive", "exchange.delivered", "exchange.accept"} <= audited


def test_the_same_package_twice_is_stored_once_and_acknowledged_twice_alike(net: Net) -> None:
    issue_to(net.demo, "btctu")
    body = bytes(Message.objects.get(direction=Direction.OUT).body or b"")
    first = inbox_receive(body=body)
    second = inbox_receive(body=body)
    assert first.status == second.status == 200 and first.body == second.body
    assert Arrival.objects.count() == 1
    assert Message.objects.filter(direction=Direction.IN, state=State.ACCEPTED).count() == 1
    verify_receipt(first.body, package_sha256=edxml.package_hash(body), cert_pem=net.cert_pem)


def test_a_replayed_package_is_found_by_its_hash_alone_however_long_the_log(net: Net) -> None:
    """The lookup must use the hash's index: with the direction and state in the WHERE clause,
    SQLite without statistics read every accepted package of the log for each package."""
    from django.test.utils import CaptureQueriesContext

    body = signed_package(VPTU, BTCTU)
    first = inbox_receive(body=body)
    with CaptureQueriesContext(connection) as queries:
        assert inbox_receive(body=body) == first  # the replay: the same receipt, nothing stored
    lookup = queries.captured_queries[0]["sql"]
    where = lookup.split(" WHERE ", 1)[1]
    assert '"exchange_message"."sha256" =' in where and "direction" not in where
    # and one for the statuses that went back with that receipt
    assert len(queries.captured_queries) == 2
    assert '"exchange_message"."inline"' in queries.captured_queries[1]["sql"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + lookup)
            plan = " ".join(str(row[3]) for row in cursor.fetchall())
        assert "exchange_message_sha256" in plan and "TEMP B-TREE" not in plan


def test_bad_packages_are_refused_with_a_reason_and_logged(net: Net, settings: Any) -> None:
    stranger = samples.node_identity("000.00.09.Z99", "Máy chủ lạ")
    good = signed_package(VPTU, BTCTU)
    b64_at = good.index(b"AttachmentEncoded")
    tampered = bytearray(good)
    position = good.index(b"JVBER", b64_at) + 8  # inside the PDF's base64
    tampered[position] = ord("A") if tampered[position] != ord("A") else ord("B")
    cases = {
        "malformed": (b"1212" + good, 400),
        "unknown_sender": (signed_package("000.00.09.Z99", BTCTU, key=stranger), 403),
        "bad_signature": (signed_package(VPTU, BTCTU, key=stranger), 403),
        "tampered": (bytes(tampered), 422),
        "wrong_recipient": (signed_package(VPTU, "000.00.00.H45"), 422),
    }
    for code, (body, status) in cases.items():
        answer = inbox_receive(body=body, remote_addr="10.1.1.1")
        reason = json.loads(answer.body)
        assert (answer.status, reason["error"]) == (status, code), reason
        assert reason["message"] and reason["message"][0].isupper()
    settings.EXCHANGE_MAX_PACKAGE_BYTES = 1000
    answer = inbox_receive(body=good)
    assert answer.status == 413 and "dung lượng" in json.loads(answer.body)["message"]
    refused = Message.objects.filter(direction=Direction.IN, state=State.REFUSED)
    assert refused.count() == 6 and not Arrival.objects.exists()
    assert refused.get(error__startswith="bad_signature").signature_ok is False
    assert AuditEvent.objects.filter(action="exchange.inbox_refused").count() == 6


def test_a_secret_document_is_never_sent_and_the_legal_reason_is_given(net: Net) -> None:
    doc = issue_to(net.demo, "btctu")
    doc.secrecy = 1
    with pytest.raises(DomainError) as refused:
        exchange_enqueue(actor=net.demo.user("vanthu"), doc=doc, line=doc.recipients.get())
    assert "Luật Bảo vệ bí mật nhà nước" in refused.value.message
    assert "Ban Cơ yếu" in refused.value.message and "đường cơ yếu" in refused.value.message
    # At issuance: the exchange line becomes paper, with the reason in the history.
    from tests.outgoing_support import approved_draft
    from vanphong.drafting.services import RecipientLine, outgoing_issue

    draft = approved_draft(
        net.demo,
        recipients=[RecipientLine(organisation=net.demo.orgs["btctu"], delivery="exchange")],
    )
    OutgoingDocument.objects.filter(pk=draft.pk).update(secrecy=1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import pdf_bytes

    secret = outgoing_issue(
        actor=net.demo.user("vanthu"),
        document=draft.pk,
        final_pdf=SimpleUploadedFile("m.pdf", pdf_bytes("Mat"), content_type="application/pdf"),
    )
    assert secret.recipients.get().delivery == Delivery.PAPER
    assert secret.events.filter(action=OutAction.DISPATCH, note__contains=SECRET_REFUSAL).exists()
    assert not Dispatch.objects.filter(outgoing=secret).exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_peer_that_is_down_is_retried_with_exponential_back_off(net: Net) -> None:
    from vanphong.exchange.models import Peer

    Peer.objects.filter(identifier=BTCTU).update(
        inbox_url=f"http://127.0.0.1:{_closed_port()}/lien-thong/inbox/"
    )
    issue_to(net.demo, "btctu")
    row = Message.objects.get(direction=Direction.OUT)
    with use_transport(HttpTransport()):  # the real httpx transport against a closed port
        before = timezone.now()
        assert deliver(row.pk) == "retry"
        row.refresh_from_db()
        assert row.attempts == 1 and row.state == State.PENDING
        assert "Không kết nối được" in row.last_error
        first_delay = (row.next_attempt_at - before).total_seconds()
        assert 27 <= first_delay <= 34  # 30 s ± 10 %
        assert deliver(row.pk) == "skipped"  # not due yet
        Message.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        assert deliver(row.pk) == "retry"
        row.refresh_from_db()
        assert row.attempts == 2 and 54 <= (row.next_attempt_at - before).total_seconds() <= 67
    assert backoff(30).total_seconds() <= 3600 * 1.1  # capped at EXCHANGE_RETRY_MAX_SECONDS

    # The peer is back: the next due try delivers it, once.
    Message.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    Peer.objects.filter(identifier=BTCTU).update(inbox_url=INBOX)
    assert net.deliver()["delivered"] == 1
    assert Arrival.objects.count() == 1
    assert _codes(Dispatch.objects.get().outgoing) == ["01"]


def test_every_thread_of_a_worker_shares_one_tls_context(
    net: Net, settings: Any, tmp_path: Path
) -> None:
    import threading

    from vanphong.exchange.node import identity

    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(identity().cert_pem)
    settings.EXCHANGE_TLS_CA_FILE = str(ca_file)
    transport = HttpTransport()
    contexts = []

    def first_client() -> None:
        contexts.append(transport._client()._transport._pool._ssl_context)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=first_client) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(contexts) == 3 and len({id(c) for c in contexts}) == 1
    assert contexts[0] is tls_context(str(ca_file))
    assert len(contexts[0].get_ca_certs()) < 5  # the configured file, not certifi's ~140


def test_two_workers_never_post_the_same_row_at_once(net: Net) -> None:
    from vanphong.exchange.services.outbox import _claim

    issue_to(net.demo, "btctu")
    row = Message.objects.get(direction=Direction.OUT)
    now = timezone.now()
    assert _claim(row.pk, now, force=False) is True
    assert _claim(row.pk, now, force=False) is False  # the lease is held
    assert deliver(row.pk) == "skipped"


def test_a_stopping_worker_gives_back_the_leases_it_still_holds(net: Net) -> None:
    from vanphong.exchange.services.outbox import _claim, release_claims

    issue_to(net.demo, "btctu")
    issue_to(net.demo, "btctu", summary="V/v văn bản thứ hai")
    rows = list(Message.objects.filter(direction=Direction.OUT).order_by("pk"))
    now = timezone.now()
    assert _claim(rows[0].pk, now, force=False) and _claim(rows[1].pk, now, force=False)
    # The second row's lease expired meanwhile and another worker took it: not ours to give back.
    taken = now + dt.timedelta(minutes=5)
    Message.objects.filter(pk=rows[1].pk).update(claimed_until=taken)

    assert release_claims() == 1
    assert Message.objects.get(pk=rows[0].pk).claimed_until is None
    assert Message.objects.get(pk=rows[1].pk).claimed_until == taken
    assert release_claims() == 0
    assert deliver(rows[0].pk) == "delivered"  # due again at once, no lease to wait for


def test_the_sweep_stops_between_rows_when_the_worker_is_stopping(net: Net) -> None:
    import threading

    from vanphong.core import worker
    from vanphong.exchange.services import deliver_due

    issue_to(net.demo, "btctu")
    stop = threading.Event()
    worker.bind(stop)
    try:
        stop.set()
        assert deliver_due() == {}  # left to the next worker, unclaimed
        assert Message.objects.get(direction=Direction.OUT).claimed_until is None
        stop.clear()
        assert deliver_due() == {"delivered": 1}
    finally:
        worker.bind(None)


def test_recall_request_13_answered_15_cancels_and_16_keeps(net: Net) -> None:
    demo = net.demo
    first = issue_to(demo, "btctu", summary="V/v văn bản thứ nhất")
    second = issue_to(demo, "btctu", summary="V/v văn bản thứ hai")
    net.deliver()
    clerk = demo.user("vanthubtc")
    incoming = arrival_accept(actor=clerk, arrival=_arrival(first))
    arrival_accept(actor=clerk, arrival=_arrival(second))
    for doc in (first, second):
        outgoing_recall(actor=demo.user("vanthu"), document=doc, reason="Ban hành nhầm")
    net.deliver()
    one, two = _arrival(first), _arrival(second)
    assert one.recall_state == two.recall_state == RecallState.REQUESTED
    assert one.recall_reason == "Ban hành nhầm"
    recall_answer(actor=clerk, arrival=one, accept=True)
    recall_answer(actor=clerk, arrival=two, accept=False, note="Đã triển khai thực hiện")
    net.deliver()
    incoming.refresh_from_db()
    assert incoming.status == Status.CANCELLED and "Ban hành nhầm" in incoming.cancel_reason
    assert _arrival(first).state == ArrivalState.RECALLED
    first_codes, second_codes = _codes(first), _codes(second)
    assert "13" in first_codes and first_codes[-1] == "15"
    assert "13" in second_codes and second_codes[-1] == "16"
    with pytest.raises(DomainError):
        recall_answer(actor=clerk, arrival=two, accept=True)  # already answered


def test_the_receiving_clerk_is_told_of_an_arrival_and_of_a_recall_request_with_its_link(
    net: Net, django_capture_on_commit_callbacks: Any
) -> None:
    from vanphong.notifications.models import Notification

    doc = issue_to(net.demo, "btctu", summary="V/v văn bản sẽ bị thu hồi")
    with django_capture_on_commit_callbacks(execute=True):
        net.deliver()
    outgoing_recall(actor=net.demo.user("vanthu"), document=doc, reason="Ban hành nhầm")
    with django_capture_on_commit_callbacks(execute=True):
        net.deliver()
    told = Notification.objects.filter(user=net.demo.user("vanthubtc"), kind="exchange")
    link = f"/lien-thong/den/{_arrival(doc).pk}/"
    assert [(n.title.split(f" {doc.notation} ")[0], n.url) for n in told.order_by("id")] == [
        ("Văn bản điện tử đến", link),
        ("Nơi gửi đề nghị thu hồi văn bản điện tử", link),
    ]


def test_refusing_an_arrival_sends_status_02_with_the_reason(net: Net) -> None:
    doc = issue_to(net.demo, "btctu")
    net.deliver()
    with pytest.raises(DomainError):
        arrival_refuse(actor=net.demo.user("vanthubtc"), arrival=_arrival(doc), reason=" ")
    with pytest.raises(PermissionDenied):  # another organisation's clerk
        arrival_refuse(actor=net.demo.user("vanthu"), arrival=_arrival(doc), reason="Không")
    arrival_refuse(actor=net.demo.user("vanthubtc"), arrival=_arrival(doc), reason="Gửi nhầm")
    net.deliver()
    entry = Dispatch.objects.get(outgoing=doc).statuses.get(code="02")
    assert "Gửi nhầm" in entry.description


def test_a_hub_relays_packages_for_organisations_it_knows_but_does_not_serve(
    net: Net, settings: Any
) -> None:
    from vanphong.exchange.models import Peer
    from vanphong.exchange.services import PeerData, peer_save

    other = samples.node_identity("000.00.00.H45", "UBND tỉnh")
    admin = net.demo.user("admin")
    peer_save(
        actor=admin,
        data=PeerData(
            identifier="000.00.00.H45",
            name="UBND tỉnh",
            inbox_url="http://ubnd.example/lien-thong/inbox/",
            certificate_pem=other.cert_pem.decode(),
        ),
    )
    body = signed_package(VPTU, "000.00.00.H45")
    assert inbox_receive(body=body).status == 422  # not a hub: not relayed
    settings.EXCHANGE_HUB = True
    answer = inbox_receive(body=body)
    assert answer.status == 200
    stored = Message.objects.get(direction=Direction.IN, state=State.RELAYED)
    relay = Message.objects.get(direction=Direction.OUT, relay=True)
    assert relay.to_identifier == "000.00.00.H45" and relay.sha256 == stored.sha256
    assert bytes(relay.body or b"") == body and relay.state == State.PENDING
    assert route_for("000.00.00.H45").url == "http://ubnd.example/lien-thong/inbox/"
    # A node behind the hub: packages for it go to the hub's inbox.
    peer_save(
        actor=admin,
        data=PeerData(
            identifier="000.00.00.HUB",
            name="Trục liên thông tỉnh",
            inbox_url="http://truc.example/lien-thong/inbox/",
            certificate_pem=other.cert_pem.decode(),
            is_hub=True,
        ),
    )
    Peer.objects.filter(identifier="000.00.00.H45").update(via_hub=peer("000.00.00.HUB"))
    assert route_for("000.00.00.H45").url == "http://truc.example/lien-thong/inbox/"
    assert route_for("000.00.00.H45").via == "000.00.00.HUB"


def test_retention_drops_old_bodies_and_keeps_hashes_and_pending_rows(
    net: Net, settings: Any
) -> None:
    issue_to(net.demo, "btctu")
    net.deliver()
    issue_to(net.demo, "btctu", summary="V/v chưa gửi")  # stays pending
    later = timezone.now() + dt.timedelta(days=settings.EXCHANGE_LOG_RETENTION_DAYS + 1)
    purged = purge_bodies(now=later)
    assert purged == Message.objects.exclude(state=State.PENDING).count() == 4  # 2 out, 2 in
    kept = Message.objects.get(state=State.PENDING)
    assert kept.body is not None
    assert all(m.sha256 and m.body is None for m in Message.objects.exclude(pk=kept.pk))


def test_receipts_are_signed_and_bound_to_the_package_hash(node: Any) -> None:
    text = make_receipt(package_sha256="ab" * 32, document_id="X", sender="A", receiver="B")
    cert = node.cert_pem.decode()
    assert verify_receipt(text, package_sha256="ab" * 32, cert_pem=cert)["to"] == "B"
    with pytest.raises(DomainError, match="mã băm"):
        verify_receipt(text, package_sha256="cd" * 32, cert_pem=cert)
    forged = json.loads(text)
    forged["receipt"]["to"] = "C"
    with pytest.raises(DomainError, match="Chữ ký"):
        verify_receipt(json.dumps(forged), package_sha256="ab" * 32, cert_pem=cert)
    other = samples.node_identity("000.00.09.Z99", "Khác").cert_pem.decode()
    with pytest.raises(DomainError, match="chứng thư khác"):
        verify_receipt(text, package_sha256="ab" * 32, cert_pem=other)


def test_the_exchange_command_shows_the_node_and_moves_directory_files(
    net: Net, tmp_path: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from vanphong.exchange.models import Peer

    out = StringIO()
    call_command("exchange", "init", "--csr", str(tmp_path / "node.csr"), stdout=out)
    assert "Giữ khóa đã có" in out.getvalue()
    assert (tmp_path / "node.csr").read_bytes().startswith(b"-----BEGIN CERTIFICATE REQUEST")
    out = StringIO()
    call_command("exchange", "show", stdout=out)
    assert "http://testserver/lien-thong/inbox/" in out.getvalue() and VPTU in out.getvalue()
    call_command("exchange", "directory", "export", str(tmp_path / "all.json"), stdout=out)
    call_command("exchange", "directory", "self", str(tmp_path / "self.json"), stdout=out)
    mine = json.loads((tmp_path / "self.json").read_text())
    assert {VPTU, BTCTU} <= {e["identifier"] for e in mine["entries"]}
    Peer.objects.all().delete()
    call_command("exchange", "directory", "import", str(tmp_path / "all.json"), stdout=out)
    assert set(Peer.objects.values_list("identifier", flat=True)) == {VPTU, BTCTU}


def test_a_document_recalled_before_it_left_is_not_sent_at_all(net: Net) -> None:
    doc = issue_to(net.demo, "btctu")
    outgoing_recall(actor=net.demo.user("vanthu"), document=doc, reason="Ban hành nhầm")
    row = Message.objects.get(direction=Direction.OUT)
    assert row.state == State.FAILED and "thu hồi trước khi gửi" in row.last_error
    assert net.deliver() == {} and not Arrival.objects.exists()


def test_a_recall_document_package_business_type_1_asks_for_the_document_back(net: Net) -> None:
    doc = issue_to(net.demo, "btctu")
    net.deliver()
    arrival = _arrival(doc)
    recall = samples.document_package(
        sender=samples.organ(VPTU, "Văn phòng Tỉnh ủy"),
        recipients=[samples.organ(BTCTU, "Ban Tổ chức Tỉnh ủy")],
        number=99,
        business=edxml.Business(
            business_type=edxml.BusinessType.RECALL,
            document_id=arrival.document_id,
            reason="Thu hồi do sai sót",
        ),
    )
    node_key = identity()
    body = edxml.sign(edxml.write(recall), key_pem=node_key.key_pem, cert_pem=node_key.cert_pem)
    assert inbox_receive(body=body).status == 200
    arrival.refresh_from_db()
    assert arrival.recall_state == RecallState.REQUESTED
    assert arrival.recall_reason == "Thu hồi do sai sót"
    assert Arrival.objects.count() == 1  # not a new arrival


def test_package_bodies_are_kept_byte_for_byte_and_not_compressed_on_postgresql(net: Net) -> None:
    """Migration exchange.0003: bodies are mostly base64 of compressed PDFs, which pglz only
    spent CPU on; they are stored as they are and read back identical."""
    from django.db import connection

    issue_to(net.demo, "btctu")
    net.deliver()
    sent = Message.objects.get(direction=Direction.OUT, kind="document")
    received = Message.objects.get(direction=Direction.IN, kind="document")
    assert bytes(received.body or b"") == bytes(sent.body or b"") and sent.size > 2000
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attstorage FROM pg_attribute "
                "WHERE attrelid = 'exchange_message'::regclass AND attname = 'body'"
            )
            assert cursor.fetchone()[0] == "e"  # external: out of line, never compressed
            cursor.execute(
                "SELECT pg_column_compression(body) FROM exchange_message WHERE id = %s",
                [received.pk],
            )
            assert cursor.fetchone()[0] is None
    else:
        assert connection.vendor == "sqlite"
