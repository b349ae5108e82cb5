"""A real `vanphong worker` stopped with SIGTERM in the middle of a delivery (issue 6).

The worker runs as a separate process against this session's test database (a SQLite file or a
PostgreSQL database) with its own var folder (task queue, log). The peer is a small HTTP server
in this process that holds the worker's POST until the test lets it answer, so the delivery is
certainly running when SIGTERM arrives, whatever the machine's speed. Every wait is a poll with
a generous bound; no duration is asserted.

- SIGTERM is a graceful stop: the running delivery finishes (the peer answers only after the
  worker has logged that it is stopping) and is recorded as delivered, and the worker exits 0;
  the same through `vanphong serve`, which passes SIGTERM on to its worker once (a second one
  would make the worker stop at once).
- When the graceful stop's time is up (WORKER_SHUTDOWN_TIMEOUT) the delivery is interrupted:
  the worker gives its lease back, exits 0, and the row is due at once for the next worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests import exchange_cluster, exchange_support
from vanphong.exchange import batch
from vanphong.exchange.models import Direction, Kind, Message, Peer, State
from vanphong.exchange.node import NodeIdentity, make_receipt
from vanphong.exchange.services import outbox

node_dir, node = exchange_support.node_dir, exchange_support.node
REPO = Path(__file__).resolve().parents[1]
VPTU, BTCTU = "000.00.01.T45", "000.00.02.T45"
BOUND_S = 90.0  # failure bound of every wait (the machine is shared); never a measured target

# The worker reads what this test writes: committed rows, so a transactional test.
pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class SlowPeer:
    """A peer's inbox that holds each POST until `release` is set, then answers with a signed
    receipt (made with this node's key, which the directory lists as the peer's certificate).
    Like an edXML system that is not vanphong, it refuses batches at once (415), so the worker
    posts one package per request."""

    server: http.server.ThreadingHTTPServer
    release: threading.Event = field(default_factory=threading.Event)
    posts: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/lien-thong/inbox/"

    def wait_for_post(self, worker: Worker, count: int = 1) -> None:
        deadline = time.monotonic() + BOUND_S
        while len(self.posts) < count:
            worker.check_running()
            assert time.monotonic() < deadline, "no POST from the worker:\n" + worker.log()
            time.sleep(0.1)


def _handler(peer_ref: list[SlowPeer]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            peer = peer_ref[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Type", "").startswith(batch.CONTENT_TYPE):
                self.send_response(415)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            peer.posts.append(body)
            if not peer.release.wait(BOUND_S * 2):
                return
            receipt = make_receipt(
                package_sha256=hashlib.sha256(body).hexdigest(),
                document_id="000.00.01.T45,2026/11/22,1-CV/VPTU",
                sender=VPTU,
                receiver=BTCTU,
            ).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receipt)))
                self.end_headers()
                self.wfile.write(receipt)
            except OSError:  # the worker that posted is gone
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def peer(node: NodeIdentity) -> Iterator[SlowPeer]:
    ref: list[SlowPeer] = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    ref.append(SlowPeer(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Peer.objects.create(
        identifier=BTCTU,
        name="Ban Tổ chức Tỉnh ủy",
        inbox_url=ref[0].url,
        certificate_pem=node.cert_pem.decode(),
    )
    try:
        yield ref[0]
    finally:
        ref[0].release.set()
        server.shutdown()
        server.server_close()


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """The end of the log (for failure messages)."""
        return self.full_log()[-4000:]

    def full_log(self) -> str:
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def check_running(self) -> None:
        assert self.proc.poll() is None, "the worker exited:\n" + self.log()

    def wait_for_log(self, text: str, count: int = 1) -> None:
        deadline = time.monotonic() + BOUND_S
        while self.full_log().count(text) < count:
            self.check_running()
            assert time.monotonic() < deadline, f"no {text!r} in the worker's log:\n" + self.log()
            time.sleep(0.1)

    def wait_exit(self) -> int:
        """The exit code (bounded wait)."""
        try:
            return self.proc.wait(timeout=BOUND_S)
        except subprocess.TimeoutExpired:
            pytest.fail("the worker did not exit after SIGTERM:\n" + self.log())


def _database_url() -> str:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("the test database is in memory: a worker process cannot share it")
        return "sqlite:///" + str(Path(name).resolve())
    return str(settings.DATABASE_URL).rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def start_worker(tmp_path: Path, node_dir: Path) -> Iterator[Any]:
    workers: list[Worker] = []

    def start(
        message_id: int, *, shutdown_timeout: int, command: str = "worker", processes: int = 1
    ) -> Worker:
        """Queue the message's delivery task in the worker's queue, then start the worker
        (`vanphong worker`, or `vanphong serve`: gunicorn and the worker)."""
        from huey import SqliteHuey
        from huey.contrib.djhuey import HUEY

        from vanphong.exchange.tasks import deliver_message

        var = tmp_path / f"worker-{len(workers) + 1}"
        var.mkdir()
        queue = SqliteHuey("vanphong", filename=str(var / "huey.sqlite3"))
        queue.storage.enqueue(HUEY.serialize_task(deliver_message.s(message_id)))
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in ("DATABASE_URL", "TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE", "REDIS_URL")
        }
        env.update(
            VANPHONG_ENV="local",  # a real worker, not huey's immediate mode of the tests
            VANPHONG_VAR_DIR=str(var),
            DATABASE_URL=_database_url(),
            EXCHANGE_KEY_FILE=str(node_dir / "node.key"),
            EXCHANGE_CERT_FILE=str(node_dir / "node.crt"),
            EXCHANGE_TIMEOUT_SECONDS="600",  # the post is ended by the stop, never by a timeout
            WORKER_THREADS="2",
            WORKER_PROCESSES=str(processes),
            WORKER_SHUTDOWN_TIMEOUT=str(shutdown_timeout),
            PYTHONPATH=str(REPO),
            PYTHONUNBUFFERED="1",
        )
        log_path = var / "worker.log"
        args = [sys.executable, "-m", "vanphong", command]
        if command == "serve":
            args += ["--port", str(exchange_cluster.free_port()), "--workers", "1"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                args,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append(Worker(proc, log_path))
        return workers[-1]

    try:
        yield start
    finally:
        for worker in workers:
            # The whole process group: a test that failed before the stop would otherwise leave
            # `vanphong serve`'s gunicorn and workers running against the test database.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.proc.pid, signal.SIGKILL)
            worker.proc.wait(timeout=30)


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch) -> Message:
    """One document package in the outbox, not yet handed to any worker."""
    monkeypatch.setattr(outbox, "_wake", lambda message_id: None)  # the test queues it
    return outbox.enqueue(
        kind=Kind.DOCUMENT,
        from_identifier=VPTU,
        to_identifier=BTCTU,
        document_id="000.00.01.T45,2026/11/22,1-CV/VPTU",
        body=b"<edXMLEnvelope>goi tin thu nghiem</edXMLEnvelope>",
    )


@pytest.mark.parametrize(("command", "processes"), [("worker", 1), ("serve", 1), ("serve", 2)])
def test_sigterm_lets_the_running_delivery_finish(
    peer: SlowPeer, package: Message, start_worker: Any, command: str, processes: int
) -> None:
    worker = start_worker(package.pk, shutdown_timeout=300, command=command, processes=processes)
    peer.wait_for_post(worker)
    if processes > 1:  # WORKER_PROCESSES: every worker consumes, only the first runs the crontab
        worker.wait_for_log("Periodic tasks are disabled", count=processes - 1)
        worker.wait_for_log("Periodic tasks are enabled", count=1)
        assert worker.full_log().count("Huey consumer started") == processes
    assert Message.objects.get(pk=package.pk).claimed_until is not None  # the delivery runs

    worker.proc.send_signal(signal.SIGTERM)
    worker.wait_for_log("Shutting down gracefully")
    if command == "serve":  # gunicorn has stopped and serve has signalled its children again
        worker.wait_for_log("Đang dừng: chờ")
    peer.release.set()  # the peer answers only now, after the stop was requested
    assert worker.wait_exit() == 0, worker.log()
    assert worker.full_log().count("All workers have stopped") == processes

    row = Message.objects.get(pk=package.pk)
    assert row.state == State.DELIVERED and row.receipt_verified is True
    assert row.claimed_until is None and row.attempts == 1
    assert len(peer.posts) == 1
    assert not Message.objects.filter(direction=Direction.OUT, claimed_until__isnull=False)


def test_a_delivery_interrupted_by_the_stop_gives_its_lease_back(
    peer: SlowPeer, package: Message, start_worker: Any
) -> None:
    worker = start_worker(package.pk, shutdown_timeout=1)
    peer.wait_for_post(worker)
    assert Message.objects.get(pk=package.pk).claimed_until is not None

    # The peer never answers in time: the graceful stop's second runs out, the task is
    # interrupted and the worker still exits cleanly.
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0, worker.log()
    assert "released 1 outbox lease" in worker.log()

    row = Message.objects.get(pk=package.pk)
    assert row.state == State.PENDING and row.claimed_until is None and row.attempts == 0
    assert not Message.objects.filter(direction=Direction.OUT, claimed_until__isnull=False)

    # The next worker retries at once (no lease to wait for); the peer now answers.
    peer.release.set()
    assert outbox.deliver(package.pk) == "delivered"
    row = Message.objects.get(pk=package.pk)
    assert row.state == State.DELIVERED and row.receipt_verified is True and row.attempts == 1
    assert peer.posts == [bytes(row.body or b"")] * 2  # the same bytes posted twice
