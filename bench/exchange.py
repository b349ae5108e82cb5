"""Electronic exchange between two nodes: `python bench/exchange.py --docs 200`.

Starts two real nodes on loopback (gunicorn + the huey worker each, their own SQLite database,
key, certificate and var folder; tests/exchange_cluster.py): the sender serves Văn phòng Tỉnh ủy,
the receiver Ban Tổ chức Tỉnh ủy, each knows the other from the directory. The sender has N issued
outgoing documents addressed to the receiver, each with a 100 KB PAdES-signed PDF (signed with
pyHanko beforehand; at most 20 different PDFs, reused). Then the văn thư's `outgoing_dispatch`
runs for every document in a row (`--clerks K` runs K such processes side by side): each writes
the XML-DSig-signed edXML package to the outbox; the sender's worker delivers it over HTTP; the
receiver verifies the signature against its directory, stores the arrival and the files, answers
with a signed receipt and queues status 01, which its worker delivers back.

Two phases. Burst: the N documents are dispatched as fast as the văn thư's service goes, which
shows the throughput. Paced: then `--paced` more documents, one every `--interval` seconds, which
shows the time a document takes when it is not queued behind others.

Drain (`--drain N`): then the receiver is stopped, the văn thư dispatches N more documents
(each delivery fails and waits for its retry), and the receiver is started again: `drain_per_s`
= N / (the receiver answering again → the last of their status 01 at the sender), the exchange's
own throughput with packages queued (no văn thư signing at the same time), and
`drain_cpu_ms_per_doc` each node's CPU over it per document.

Figures (the last line printed is one JSON object):
- `per_s`: burst documents per second, N / (first outbox commit → last status 01 at the sender);
- `p50_ms`, `p95_ms`: paced documents, outbox commit (the issue reaching the exchange) → status 01
  stored at the sender, both read from the sender's database clock; `burst_p50_ms`,
  `burst_p95_ms`: the same for the burst, i.e. including the wait behind the documents before;
- `dispatch_per_s`, `dispatch_cpu_ms_per_doc`: the văn thư's `outgoing_dispatch` alone (build,
  sign and store the package, history, audit);
- `lost`: documents without status 01 when the run ends (`--timeout`), `duplicated`: documents
  stored more than once at the receiver (arrivals with the same DocumentId);
- `cpu_s`: CPU seconds used by each node's web server and worker (set-up included);
  `burst_cpu_ms_per_doc`: each node's CPU from the first dispatch to the last status 01 of the
  burst, divided by the burst's documents (what one document costs each node);
- `load_avg`: the 1-minute load average before and after, since the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.exchange_cluster import Cluster, Node, Template, build_cluster  # noqa: E402


def _template(root: Path, postgres: str) -> Template:
    """A migrated database every node starts from (migrated once, in its own process): a SQLite
    file, or with `postgres` (a server's maintenance database URL) a PostgreSQL database that the
    nodes' databases are created from (CREATE DATABASE … TEMPLATE)."""
    var = root / "template"
    var.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(VANPHONG_ENV="local", VANPHONG_VAR_DIR=str(var))
    name = ""
    if postgres:
        import psycopg

        name = f"bench_exchange_{root.name.rsplit('-', 1)[-1].lower()}"
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = postgres.rsplit("/", 1)[0] + "/" + name
    subprocess.run(
        [sys.executable, "-m", "vanphong", "migrate", "-v0"], cwd=REPO, env=env, check=True
    )
    if postgres:
        return Template(postgres_url=postgres, postgres_name=name)
    return Template(sqlite_path=str(var / "vanphong.sqlite3"))


def _drop_template(template: Template) -> None:
    if template.postgres_name:
        import psycopg

        with psycopg.connect(template.postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template.postgres_name}" WITH (FORCE)')


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


_ANSWERED = (
    "SELECT COUNT(DISTINCT d.outgoing_id) FROM exchange_dispatch d"
    " JOIN exchange_statusentry s ON s.dispatch_id = d.id AND s.code = '01'"
    " WHERE d.outgoing_id BETWEEN {low} AND {high}"
)


def _answered(node: Node, ids: list[int]) -> int:
    """How many of `ids` have status 01 at the sender: one SQL query on the node's database from
    this process (a `report` script would start Django, seconds of CPU taken from the nodes)."""
    sql = _ANSWERED.format(low=min(ids), high=max(ids))
    if node.database_url:
        import psycopg

        with psycopg.connect(node.database_url, autocommit=True) as conn:
            row = conn.execute(sql).fetchone()
    else:
        with contextlib.closing(sqlite3.connect(node.root / "vanphong.sqlite3", timeout=30)) as db:
            row = db.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _wait(cluster: Cluster, ids: list[int], timeout: float) -> dict[int, dict[str, Any]]:
    """Poll the sender's database until every document has status 01 (or the time is up), then
    read the figures once with the `report` script."""
    deadline = time.monotonic() + timeout
    while _answered(cluster["sender"], ids) < len(ids) and time.monotonic() < deadline:
        cluster.check_alive()
        time.sleep(0.5)
    report = cluster["sender"].script("report", "sender")
    return {int(k): v for k, v in report["latency"].items() if int(k) in ids}


def _dispatch(cluster: Cluster, ids: list[int], clerks: int, interval: float = 0.0) -> Any:
    chunks = [ids[i::clerks] for i in range(clerks)]
    args = [",".join(map(str, chunk)) for chunk in chunks if chunk]
    procs = [
        cluster["sender"].script_async("dispatch", arg, *([str(interval)] if interval else []))
        for arg in args
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(err.decode()[-3000:])
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


def _drain(cluster: Cluster, ids: list[int], timeout: float) -> dict[str, Any]:
    """The receiver is down while the văn thư dispatches `ids`; once it is back, how fast the
    queued packages get through (its start → the last status 01 at the sender)."""
    receiver = cluster["receiver"]
    receiver.stop()
    _dispatch(cluster, ids, 1)
    time.sleep(3)  # every package has failed at least once and waits for its retry
    receiver.start()
    receiver.wait_ready()
    back = time.time()
    cpu_before = {name: node.cpu_seconds() for name, node in cluster.nodes.items()}
    measured = _wait(cluster, ids, timeout)
    cpu = {
        name: round((node.cpu_seconds() - cpu_before[name]) / len(ids) * 1000, 1)
        for name, node in cluster.nodes.items()
    }
    last = max((v["status_01"] for v in measured.values() if v["status_01"]), default=back)
    per_s = round(len(ids) / (last - back), 1) if last > back else 0.0
    return {"measured": measured, "per_s": per_s, "cpu_ms_per_doc": cpu}


def _latencies(measured: dict[int, dict[str, Any]]) -> list[float]:
    return [
        (v["status_01"] - v["queued"]) * 1000
        for v in measured.values()
        if v["status_01"] is not None
    ]


def run(
    docs: int,
    clerks: int,
    paced: int,
    interval: float,
    pdf_size: int,
    web_workers: int,
    worker_threads: int,
    timeout: float,
    keep: bool,
    worker_procs: int = 1,
    postgres: str = "",
    redis_url: str = "",
    drain: int = 0,
) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    root = Path(tempfile.mkdtemp(prefix="bench-exchange-", dir="/dev/shm"))
    started = time.perf_counter()
    cluster = None
    template = None
    try:
        template = _template(root, postgres)
        cluster = build_cluster(
            root,
            template,
            {"sender": "sender", "receiver": "receiver"},
            prepare=(str(1 + docs + paced + drain), str(pdf_size), "--signed"),
            web_workers=web_workers,
            worker_threads=worker_threads,
            worker_procs=worker_procs,
            redis_url=redis_url,
        )
        setup_s = time.perf_counter() - started
        prepared = cluster["sender"].info["prepared"]
        # The first document was sent at issuance during set-up: it is not part of the figures.
        ids = list(range(prepared["first"], prepared["last"] + 1))
        burst, slow, queued = ids[:docs], ids[docs : docs + paced], ids[docs + paced :]
        cpu_before = {name: node.cpu_seconds() for name, node in cluster.nodes.items()}
        sent = _dispatch(cluster, burst, clerks)
        measured = _wait(cluster, burst, timeout)
        burst_cpu = {
            name: round((node.cpu_seconds() - cpu_before[name]) / len(burst) * 1000, 1)
            for name, node in cluster.nodes.items()
        }
        paced_measured = {}
        if slow:
            _dispatch(cluster, slow, 1, interval)
            paced_measured = _wait(cluster, slow, timeout)
        drained: dict[str, Any] = {}
        if queued:
            drained = _drain(cluster, queued, timeout)
        arrivals = cluster["receiver"].script("report", "receiver")["arrivals"]
        cpu = {name: round(node.cpu_seconds(), 1) for name, node in cluster.nodes.items()}
    finally:
        if cluster is not None:
            cluster.stop()
            if not keep:
                cluster.drop()
        if template is not None and not keep:
            _drop_template(template)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    burst_ms = _latencies(measured)
    paced_ms = _latencies(paced_measured)
    first = min(v["queued"] for v in measured.values())
    last = max((v["status_01"] for v in measured.values() if v["status_01"]), default=first)
    per_doc = [a[0] for a in arrivals]
    every = [*measured.values(), *paced_measured.values(), *drained.get("measured", {}).values()]
    lost = sum(1 for v in every if not v["status_01"])
    return {
        "docs": len(burst),
        "clerks": clerks,
        "web_workers": web_workers,
        "worker_threads": worker_threads,
        "worker_procs": worker_procs,
        "database": "postgresql" if postgres else "sqlite",
        "queue": "redis" if redis_url else "sqlite",
        "pdf_bytes": pdf_size,
        "per_s": round(len(burst_ms) / (last - first), 1) if last > first else 0.0,
        "p50_ms": round(statistics.median(paced_ms)) if paced_ms else None,
        "p95_ms": round(_percentile(paced_ms, 0.95)) if paced_ms else None,
        "paced_docs": len(slow),
        "paced_interval_s": interval,
        "burst_p50_ms": round(statistics.median(burst_ms)) if burst_ms else None,
        "burst_p95_ms": round(_percentile(burst_ms, 0.95)) if burst_ms else None,
        "dispatch_per_s": round(len(burst) / max(r["seconds"] for r in sent), 1),
        "dispatch_cpu_ms_per_doc": round(sum(r["cpu_seconds"] for r in sent) / len(burst) * 1000),
        "drain_docs": len(queued),
        "drain_per_s": drained.get("per_s"),
        "drain_cpu_ms_per_doc": drained.get("cpu_ms_per_doc"),
        "lost": lost + (len(ids) - len(every)),
        "duplicated": len(per_doc) - len(set(per_doc)),
        "received": len(set(per_doc)),
        "setup_s": round(setup_s, 1),
        "cpu_s": cpu,  # CPU seconds of each node's web server and worker over the whole run
        "burst_cpu_ms_per_doc": burst_cpu,  # each node's CPU in the burst, per document
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--clerks", type=int, default=1, help="dispatching processes")
    parser.add_argument("--paced", type=int, default=30, help="then documents sent one by one")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between those")
    parser.add_argument(
        "--drain", type=int, default=0, help="then documents queued while the receiver is down"
    )
    parser.add_argument("--pdf-size", type=int, default=100_000)
    parser.add_argument("--worker-threads", type=int, default=4, help="huey threads per node")
    parser.add_argument(
        "--web-workers", type=int, default=3, help="gunicorn processes per node (as serve)"
    )
    parser.add_argument("--worker-procs", type=int, default=1, help="worker processes per node")
    parser.add_argument(
        "--postgres",
        default="",
        help="PostgreSQL maintenance URL (postgres://postgres@127.0.0.1:5432/postgres): "
        "each node gets its own database instead of SQLite",
    )
    parser.add_argument("--redis", default="", help="Redis URL for the nodes' worker queues")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--keep", action="store_true", help="keep the nodes' folders")
    args = parser.parse_args()
    result = run(
        args.docs,
        args.clerks,
        args.paced,
        args.interval,
        args.pdf_size,
        args.web_workers,
        args.worker_threads,
        args.timeout,
        args.keep,
        worker_procs=args.worker_procs,
        drain=args.drain,
        postgres=args.postgres,
        redis_url=args.redis,
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
