"""Three real nodes on loopback: two offices and the province's hub (issue 6).

Văn phòng Tỉnh ủy's node (A) sends 200 issued documents with PDF attachments to Ban Tổ chức Tỉnh
ủy's node (B) through the hub node (H): real gunicorn and huey worker processes, real HTTP, real
XML-DSig, each node with its own database, key and files (tests/exchange_cluster.py). B is
stopped in the middle and started again. Every document must arrive exactly once (status 01
back at A for each); B's văn thư accepts every one of them and B's people take each through the
workflow over B's HTTP API with bearer tokens (four requests at a time, as several people work at
once), so 03, 04, 05 and 06 come back to A through the hub for all 200. A tampered package and a
replayed one must change nothing at B.
"""

from __future__ import annotations

import base64
import concurrent.futures
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from tests.exchange_cluster import SERVED, Cluster, Node, Template, build_cluster
from vanphong.exchange import edxml
from vanphong.exchange.edxml import samples

DOCUMENTS = 200
WORKFLOW = DOCUMENTS  # all accepted (03), routed (04), handler assigned (05) and done (06)
PDF_SIZE = 30_000
DEADLINE_S = 600  # generous: the suite shares two CPUs with everything else

# The mark makes pytest-django create the test database, which the nodes copy; transactional,
# so no transaction of this process holds it while PostgreSQL clones it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def template(django_db_setup: None, django_db_blocker: Any) -> Template:
    """The session's migrated test database, copied for each node (no migrations to run)."""
    from django.db import connections

    with django_db_blocker.unblock():
        conn = connections["default"]
        name = str(conn.settings_dict["NAME"])
        if conn.vendor == "sqlite":
            if name == ":memory:" or "mode=memory" in name:
                pytest.skip("the test database is in memory: nothing to copy for the nodes")
            return Template(sqlite_path=name)
        connections.close_all()  # CREATE DATABASE … TEMPLATE needs it unused
        return Template(postgres_url=settings.DATABASE_URL, postgres_name=name)


@pytest.fixture
def cluster(template: Template, tmp_path: Path) -> Any:
    global STARTED
    STARTED = time.monotonic()
    nodes = build_cluster(
        tmp_path,
        template,
        {"a": "sender", "hub": "hub", "b": "receiver"},
        prepare=(str(DOCUMENTS), str(PDF_SIZE)),
    )
    log("nodes set up and started")
    try:
        yield nodes
    finally:
        log(
            "CPU seconds per node: "
            + ", ".join(f"{n.name} {n.cpu_seconds():.0f}" for n in nodes.nodes.values())
        )
        nodes.stop()
        nodes.drop()


STARTED = time.monotonic()


def log(message: str) -> None:
    """Progress on stderr (shown when the test fails): the phases take time on a busy machine."""
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def pending_arrivals(b: Node) -> list[dict[str, Any]]:
    return list(b.api("GET", "/exchange/arrivals?state=pending&limit=500", "vanthubtc"))


def accept(b: Node, arrival: dict[str, Any]) -> int:
    answer = b.api("POST", f"/exchange/arrivals/{arrival['id']}/accept", "vanthubtc", json_body={})
    return int(answer["incoming_id"])


def take_through_workflow(b: Node, incoming_id: int) -> None:
    """Lãnh đạo ban routes to Phòng Cán bộ (04), its head names the specialist (05), who
    reports it done (06)."""
    unit = b.info["units"]["Phòng Cán bộ"]
    b.api(
        "POST",
        f"/incoming/{incoming_id}/route",
        "truongbantc",
        json_body={"direction": "Phòng Cán bộ nghiên cứu, tham mưu.", "lead_unit_id": unit},
    )
    b.api(
        "POST",
        f"/incoming/{incoming_id}/assign-handler",
        "tpcb",
        json_body={"handler_id": b.info["users"]["cvcb"], "note": "Đồng chí Hải xử lý."},
    )
    b.api(
        "POST",
        f"/incoming/{incoming_id}/complete",
        "cvcb",
        json_body={"note": "Đã tham mưu xong."},
    )


def wait_for(what: str, check: Any, deadline: float, cluster: Cluster, pause: float = 2.0) -> Any:
    while True:
        cluster.check_alive()
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(pause)


def test_documents_cross_the_hub_exactly_once_with_every_status_back(cluster: Cluster) -> None:
    a, hub, b = cluster["a"], cluster["hub"], cluster["b"]
    deadline = time.monotonic() + DEADLINE_S
    ids = a.info["prepared"]["ids"]  # the first was sent when issued; the văn thư sends the rest
    dispatching = a.script_async("dispatch", ",".join(map(str, ids[1:])))

    arrived: list[dict[str, Any]] = []
    restarted = False
    while len(arrived) < DOCUMENTS:
        assert time.monotonic() < deadline, f"only {len(arrived)} documents arrived in time"
        cluster.check_alive()
        if not restarted and len(arrived) >= DOCUMENTS // 3:
            log(f"{len(arrived)} arrived: stopping the receiving node")
            b.stop()  # the receiving node goes down while packages are on their way
            time.sleep(3)  # the hub's deliveries to it fail and are retried meanwhile
            b.start()
            b.wait_ready()
            log("receiving node started again")
            restarted = True
        time.sleep(2)
        arrived = pending_arrivals(b)  # B's văn thư's list "chờ tiếp nhận"
    assert restarted
    log(f"all {DOCUMENTS} arrived")
    out, err = dispatching.communicate(timeout=max(1, deadline - time.monotonic()))
    assert dispatching.returncode == 0, err.decode()[-2000:]

    # B's văn thư accepts them (03) and its people take them through the workflow.
    chosen = sorted(row["document_id"] for row in arrived)[:WORKFLOW]
    by_id = {row["document_id"]: row for row in arrived}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        done = pool.map(lambda d: take_through_workflow(b, accept(b, by_id[d])), chosen)
        assert len(list(done)) == WORKFLOW
    log(f"{WORKFLOW} accepted and taken through the workflow")

    # Exactly once at B: one arrival per DocumentId, the chosen ones registered once each.
    arrivals = b.script("report", "receiver")["arrivals"]
    assert len(arrivals) == DOCUMENTS
    assert len({row[0] for row in arrivals}) == DOCUMENTS
    registered = {row[0]: row[2] for row in arrivals if row[1] == "accepted"}
    assert sorted(registered) == chosen
    assert len(set(registered.values())) == WORKFLOW

    # Every status back at A, through the hub.
    def statuses_back() -> dict[str, Any] | None:
        report = a.script("report", "sender")
        statuses: dict[str, list[str]] = report["statuses"]
        full = {"01", "03", "04", "05", "06"}
        done = all(
            "01" in codes and (doc not in chosen or full <= set(codes))
            for doc, codes in statuses.items()
        )
        return report if done and len(statuses) == DOCUMENTS else None

    report = wait_for("the statuses at the sender", statuses_back, deadline, cluster, pause=5)
    log("every status back at the sender")
    for document_id, codes in report["statuses"].items():
        expected = ["01", "03", "04", "05", "06"] if document_id in chosen else ["01"]
        assert codes == expected, (document_id, codes)  # each once, none missing

    sender_log = report["messages"]
    assert sender_log.get("out:failed", 0) == 0 and sender_log.get("out:pending", 0) == 0
    hub_log = hub.script("report", "receiver")["messages"]
    assert hub_log.get("out:failed", 0) == 0

    tampered_and_replayed_change_nothing(a, b)


def tampered_and_replayed_change_nothing(a: Node, b: Node) -> None:
    """Posted straight to B's inbox: a package signed with A's key then altered is refused
    with the reason; a package B already has, sent again, is acknowledged with the same receipt
    and stored nowhere a second time."""
    key = (a.root / "exchange" / "node.key").read_bytes()
    cert = (a.root / "exchange" / "node.crt").read_bytes()
    sender_id, sender_name = SERVED["sender"]
    receiver_id, receiver_name = SERVED["receiver"]
    package = samples.document_package(
        sender=samples.organ(sender_id, sender_name),
        recipients=[samples.organ(receiver_id, receiver_name)],
        number=9001,
        notation="CV/VPTU",
        files=[("cong-van-9001.pdf", samples.pdf_bytes(title="Cong van 9001", size=20_000))],
    )
    signed = edxml.sign(edxml.write(package), key_pem=key, cert_pem=cert)
    pdf_b64 = base64.b64encode(package.attachments[0].data)
    changed = bytearray(package.attachments[0].data)
    changed[10_000] ^= 0xFF
    tampered = signed.replace(pdf_b64, base64.b64encode(bytes(changed)))
    answer = post(b, tampered)
    assert 400 <= answer.status_code < 500, answer.text
    assert "thay đổi sau khi ký" in answer.json()["message"]

    first = post(b, signed)
    assert first.status_code == 200, first.text
    again = post(b, signed)
    assert again.status_code == 200, again.text
    assert again.text == first.text  # the same signed receipt
    arrivals = b.script("report", "receiver")["arrivals"]
    assert len(arrivals) == DOCUMENTS + 1
    assert sum(1 for row in arrivals if row[0] == package.document_id) == 1


def post(node: Node, body: bytes) -> httpx.Response:
    return httpx.post(
        node.inbox_url, content=body, headers={"Content-Type": "application/xml"}, timeout=60
    )
