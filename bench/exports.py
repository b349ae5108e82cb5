"""How long printing the incoming registers takes: `python bench/exports.py --docs 5000`.

Builds a throwaway SQLite database in a temporary directory (the demo province plus N incoming
documents registered, presented, routed and given a progress note through the real services),
then times the XLSX and PDF exports of both registers over the whole range. The last line
printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup(var_dir: str) -> None:
    os.environ["VANPHONG_VAR_DIR"] = var_dir
    os.environ["VANPHONG_ENV"] = "test"  # the worker runs jobs inline
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanphong.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(first: int, docs: int, progress_every: int) -> None:
    """Register, present and route documents first..docs-1 through the services (250 per
    transaction)."""
    from django.db import transaction
    from django.utils import timezone

    from vanphong.core.demo import load_demo_organisation
    from vanphong.core.models import Unit, User
    from vanphong.documents.demo import ensure_incoming_registers
    from vanphong.documents.models import DocumentType

    orgs = load_demo_organisation()
    ensure_incoming_registers()
    cast = {
        "sender": orgs["vptw"],
        "clerk": User.objects.get(username="vanthu"),
        "leader": User.objects.get(username="lanhdao"),
        "specialist": User.objects.get(username="chuyenvien"),
        "unit": Unit.objects.get(organisation=orgs["vptu"], name="Phòng Tổng hợp"),
        "doc_type": DocumentType.objects.get(name="Công văn"),
        "today": timezone.localdate(),
    }
    for batch in range(first, docs, 250):
        with transaction.atomic():  # fewer commits: only the set-up is sped up this way
            for n in range(batch, min(batch + 250, docs)):
                _add_document(n, docs, progress_every, cast)


def _add_document(n: int, docs: int, progress_every: int, cast: dict[str, Any]) -> None:
    import datetime as dt

    from vanphong.documents.services import (
        Assignment,
        IncomingData,
        incoming_present,
        incoming_progress,
        incoming_register,
        incoming_route,
    )

    arrival = cast["today"] - dt.timedelta(days=(docs - n) * 60 // docs)
    doc = incoming_register(
        actor=cast["clerk"],
        data=IncomingData(
            sender=cast["sender"],
            code_notation=f"{n + 1}-CV/VPTW",
            document_date=arrival - dt.timedelta(days=2),
            arrival_date=arrival,
            doc_type=cast["doc_type"],
            summary=f"V/v báo cáo kết quả thực hiện Chỉ thị số {n % 40 + 1:02d}-CT/TW về "
            "tăng cường công tác kiểm tra, giám sát và kỷ luật đảng trong tình hình mới",
        ),
        today=cast["today"],
    )
    incoming_present(actor=cast["clerk"], document=doc, to=cast["leader"])
    due = arrival + dt.timedelta(days=10)
    if n % 2:
        plan = Assignment(lead_user=cast["specialist"], due_date=due)
    else:
        plan = Assignment(lead_unit=cast["unit"], due_date=due)
    incoming_route(actor=cast["leader"], document=doc, plan=plan)
    if n % 2 and n % progress_every == 1:
        incoming_progress(actor=cast["specialist"], document=doc, note="Đang tổng hợp số liệu")


def _time_exports() -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from vanphong.core.models import User
    from vanphong.documents.exports import register_export

    clerk = User.objects.get(username="vanthu")
    today = timezone.localdate()
    figures: dict[str, Any] = {}
    for kind in ("so-den", "so-theo-doi"):
        for fmt in ("xlsx", "pdf"):
            start, cpu = time.perf_counter(), time.process_time()
            result = register_export(
                actor=clerk,
                kind=kind,
                fmt=fmt,
                date_from=today - dt.timedelta(days=400),
                date_to=today,
            )
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            result.file.seek(0, os.SEEK_END)
            size = result.file.tell()
            result.file.close()
            figures[f"{kind}.{fmt}"] = {
                "rows": result.rows,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "kib": round(size / 1024),
            }
    return figures


def _run(docs: int, progress_every: int) -> dict[str, Any]:
    from vanphong.documents.models import IncomingDocument

    start = time.perf_counter()
    existing = IncomingDocument.objects.count()
    if existing < docs:
        _populate(existing, docs, progress_every)
    setup_seconds = time.perf_counter() - start
    print(f"{docs} văn bản sẵn sàng sau {setup_seconds:.1f} s", file=sys.stderr)
    return {
        "bench": "exports",
        "docs": docs,
        "database": "sqlite",
        "setup_seconds": round(setup_seconds, 1),
        "exports": _time_exports(),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="incoming documents to create")
    parser.add_argument(
        "--progress-every", type=int, default=3, help="one progress note per this many documents"
    )
    parser.add_argument(
        "--var-dir",
        default="",
        help="keep the bench database in this directory and reuse it on the next run "
        "(default: a temporary directory, removed afterwards)",
    )
    args = parser.parse_args()
    if args.var_dir:
        Path(args.var_dir).mkdir(parents=True, exist_ok=True)
        _setup(str(Path(args.var_dir).resolve()))
        result = _run(args.docs, args.progress_every)
    else:
        with tempfile.TemporaryDirectory(prefix="vanphong-bench-") as var_dir:
            _setup(var_dir)
            result = _run(args.docs, args.progress_every)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
