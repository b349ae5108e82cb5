"""Real exchange nodes on loopback for the multi-node test and `bench/exchange.py`.

Each node is a real `vanphong serve` (gunicorn + the huey worker) with its own var folder (key,
certificate, files, task queue) and its own database: a SQLite file, or a PostgreSQL database when
the template is one. The database starts as a copy of an already migrated database (the test
database of the pytest session, or one migrated by the bench), because migrating three databases
would take most of the time budget; each node's own data (the demo province, the organisation it
serves, its key and tokens) is then created by `tests/exchange_node_script.py` in its environment.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HUB_IDENTIFIER = "000.00.90.T45"
# The demo province's bodies each node serves (vanphong.core.demo): Văn phòng Tỉnh ủy sends,
# Ban Tổ chức Tỉnh ủy receives; the hub serves none.
SERVED = {
    "sender": ("000.00.01.T45", "Văn phòng Tỉnh ủy"),
    "receiver": ("000.00.02.T45", "Ban Tổ chức Tỉnh ủy"),
}
DIRECTORY_FORMAT = "vanphong-exchange-directory"
INBOX_PATH = "/lien-thong/inbox/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Template:
    """An already migrated database to start every node from."""

    sqlite_path: str = ""  # a SQLite file, or
    postgres_url: str = ""  # postgres://.../maintenance database
    postgres_name: str = ""  # the migrated database used as TEMPLATE


@dataclass
class Node:
    name: str
    role: str  # sender | receiver | hub
    root: Path
    template: Template
    port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    starts: int = 0
    cert_pem: str = ""
    web_workers: int = 1
    worker_threads: int = 4
    worker_procs: int = 1
    redis_url: str = ""  # a Redis queue for the worker instead of the SQLite one

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def inbox_url(self) -> str:
        return self.url + INBOX_PATH

    @property
    def db_name(self) -> str:
        return f"{self.template.postgres_name}_node_{self.name}"

    @property
    def database_url(self) -> str:
        if not self.template.postgres_url:
            return ""
        return self.template.postgres_url.rsplit("/", 1)[0] + "/" + self.db_name

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            VANPHONG_ENV="local",  # a real worker, not huey's immediate mode of the tests
            VANPHONG_VAR_DIR=str(self.root),
            EXCHANGE_BASE_URL=self.url,
            EXCHANGE_KEY_FILE=str(self.root / "exchange" / "node.key"),
            EXCHANGE_CERT_FILE=str(self.root / "exchange" / "node.crt"),
            EXCHANGE_HUB="1" if self.role == "hub" else "0",
            EXCHANGE_RETRY_BASE_SECONDS="1",  # a node that comes back is retried within seconds
            EXCHANGE_RETRY_MAX_SECONDS="2",
            EXCHANGE_TIMEOUT_SECONDS="20",
            WORKER_THREADS=str(self.worker_threads),
            WORKER_PROCESSES=str(self.worker_procs),
            PYTHONPATH=str(REPO),
            PYTHONUNBUFFERED="1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env.update(REDIS_URL=self.redis_url, HUEY_NAME=f"{self.root.parent.name}-{self.name}")
        return env

    # --- database -----------------------------------------------------------------------

    def provision(self) -> None:
        """The node's database (a copy of the template) and its exchange key and certificate."""
        from vanphong.exchange.edxml.samples import node_identity

        self.root.mkdir(parents=True, exist_ok=True)
        organ_id = SERVED.get(self.role, (HUB_IDENTIFIER, ""))[0]
        ident = node_identity(organ_id, f"Máy chủ liên thông thử nghiệm ({self.name})")
        (self.root / "exchange").mkdir(exist_ok=True)
        (self.root / "exchange" / "node.key").write_bytes(ident.key_pem)
        (self.root / "exchange" / "node.crt").write_bytes(ident.cert_pem)
        self.cert_pem = ident.cert_pem.decode()
        if self.template.sqlite_path:
            source = sqlite3.connect(self.template.sqlite_path)
            target = sqlite3.connect(self.root / "vanphong.sqlite3")
            with target:
                source.backup(target)
            source.close()
            target.close()
            return
        import psycopg

        with psycopg.connect(self.template.postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(
                f'CREATE DATABASE "{self.db_name}" TEMPLATE "{self.template.postgres_name}"'
            )

    def drop(self) -> None:
        if self.redis_url:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            name = re.sub("[^A-Za-z0-9_]", "", f"{self.root.parent.name}-{self.name}")
            for key in client.scan_iter(f"huey.*{name}*"):  # huey keeps [A-Za-z0-9_] of it
                client.delete(key)
        if not self.template.postgres_url:
            return
        import psycopg

        with psycopg.connect(self.template.postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    # --- operator steps ----------------------------------------------------------------

    def script(self, *args: str, timeout: float = 300) -> dict[str, Any]:
        done = subprocess.run(
            [PYTHON, "-m", "tests.exchange_node_script", *args],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{self.name}: {' '.join(args)} failed:\n{done.stderr.decode()[-3000:]}"
            )
        lines = done.stdout.decode().strip().splitlines()
        return dict(json.loads(lines[-1]))

    def script_async(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [PYTHON, "-m", "tests.exchange_node_script", *args],
            cwd=REPO,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    # --- server ------------------------------------------------------------------------

    def start(self) -> None:
        """gunicorn (`web_workers` processes of 8 threads) and the huey worker, as `vanphong
        serve` runs them, started directly: one Django start-up less per node."""
        self.starts += 1
        log = open(self.root / f"serve-{self.starts}.log", "ab")  # noqa: SIM115
        commands = [
            [
                PYTHON,
                "-m",
                "gunicorn",
                "vanphong.wsgi:application",
                "--preload",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                "8",
                "--timeout",
                "120",
                "--graceful-timeout",
                "20",
            ],
            *(
                [PYTHON, "-m", "vanphong", "worker", *(["--no-periodic"] if index else [])]
                for index in range(self.worker_procs)
            ),
        ]
        self.procs = [
            subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped without touching others
            )
            for command in commands
        ]
        log.close()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                httpx.get(self.url + "/lien-thong/danh-ba/chung-thu.pem", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not start in {timeout}s: {self.log_tail()}")

    def stop(self, timeout: float = 30) -> None:
        """Graceful stop: SIGTERM to gunicorn (finishes its requests), SIGINT to the huey worker
        (a graceful stop, as SIGTERM is too since issue 6: running tasks finish within
        WORKER_SHUTDOWN_TIMEOUT), then the groups."""
        procs, self.procs = self.procs, []
        for index, proc in enumerate(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM if index == 0 else signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # any child left in the node's own group

    def cpu_seconds(self) -> float:
        """CPU time used so far by the node's running processes (their process groups)."""
        groups = {p.pid for p in self.procs if p.poll() is None}
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) in groups:  # pgrp
                total += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        return total

    def check_alive(self) -> None:
        """Raise with the node's log when its web server or worker has died."""
        if any(p.poll() is not None for p in self.procs):
            raise RuntimeError(f"{self.name}: a server process exited:\n{self.log_tail()}")

    def log_tail(self, size: int = 3000) -> str:
        log = self.root / f"serve-{self.starts}.log"
        return log.read_bytes()[-size:].decode("utf-8", "replace") if log.exists() else ""

    # --- HTTP API ----------------------------------------------------------------------

    def api(
        self, method: str, path: str, user: str, *, json_body: Any = None, timeout: float = 60
    ) -> Any:
        token = self.info["tokens"][user]
        response = httpx.request(
            method,
            self.url + "/api/v1" + path,
            headers={"Authorization": f"Bearer {token}"},
            json=json_body,
            timeout=timeout,
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} as {user}: {response.status_code} {response.text}")
        return response.json()


@dataclass
class Cluster:
    nodes: dict[str, Node]

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def directory(self) -> dict[str, Any]:
        """The province's directory: the hub, and every organisation reached through it."""
        hub = self.nodes.get("hub")
        entries: list[dict[str, Any]] = []
        if hub is not None:
            entries.append(
                {
                    "identifier": HUB_IDENTIFIER,
                    "name": "Trục liên thông văn bản tỉnh (thử nghiệm)",
                    "inbox_url": hub.inbox_url,
                    "certificate_pem": hub.cert_pem,
                    "is_hub": True,
                    "via_hub": "",
                    "is_active": True,
                }
            )
        for node in self.nodes.values():
            if node.role in SERVED:
                identifier, name = SERVED[node.role]
                entries.append(
                    {
                        "identifier": identifier,
                        "name": name,
                        "inbox_url": node.inbox_url,
                        "certificate_pem": node.cert_pem,
                        "is_hub": False,
                        "via_hub": HUB_IDENTIFIER if hub is not None else "",
                        "is_active": True,
                    }
                )
        return {"format": DIRECTORY_FORMAT, "version": 1, "entries": entries}

    def check_alive(self) -> None:
        for node in self.nodes.values():
            node.check_alive()

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()

    def drop(self) -> None:
        for node in self.nodes.values():
            node.drop()


def build_cluster(
    root: Path,
    template: Template,
    roles: dict[str, str],
    *,
    prepare: tuple[str, ...] = (),
    web_workers: int = 1,
    worker_threads: int = 4,
    worker_procs: int = 1,
    redis_url: str = "",
) -> Cluster:
    """Provision, set up and start the nodes, in parallel. `prepare`: COUNT PDF_SIZE [--signed]
    for the sender (issued documents addressed to the receiver, ready to dispatch)."""
    nodes = {
        name: Node(
            name,
            role,
            root / name,
            template,
            web_workers=web_workers,
            worker_threads=worker_threads,
            worker_procs=worker_procs,
            redis_url=redis_url,
        )
        for name, role in roles.items()
    }
    cluster = Cluster(nodes)
    for node in nodes.values():
        node.provision()
    directory = root / "directory.json"
    directory.write_text(json.dumps(cluster.directory(), ensure_ascii=False), "utf-8")

    def setup(node: Node) -> None:
        extra: tuple[str, ...] = ()
        if node.role == "sender" and prepare:
            extra = (prepare[0], SERVED["receiver"][0], *prepare[1:])
        node.info = node.script("setup", node.role, str(directory), *extra, timeout=900)
        node.start()
        node.wait_ready()

    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        list(pool.map(setup, nodes.values()))
    return cluster
