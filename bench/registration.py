"""Registrations per second through the service layer (numbers, history and audit included).

    python bench/registration.py [--docs N] [--count 2000] [--batch 50]

Runs against DATABASE_URL (default: a SQLite file under var/bench). With --docs N the database is
first filled up to N incoming documents (bench/_fill.py). Then the văn thư registers --count
documents one by one with `services.incoming_register`, each in its own transaction as a web
request would (`per_s`, `cpu_per_s`, `p50_ms`, `p95_ms`), and then --count more in batches of
--batch with `services.incoming_register_many`, one transaction per batch as a bulk import or a
pile of paper post would (`batch_per_s`, `batch_cpu_per_s`; --batch 0 skips it). The last line
printed is one JSON object.
"""

from __future__ import annotations

import json
import random
import time

import _fill


def main() -> None:
    args = _fill.arguments(
        __doc__ or "",
        count=(int, 2000, "registrations to time"),
        warmup=(int, 50, "registrations before timing starts"),
        batch=(int, 50, "documents per transaction in the batch run (0: no batch run)"),
    )
    vendor = _fill.setup()
    filled = _fill.fill(args.docs) if args.docs else None
    if filled and filled.added:
        _fill.log(f"Đã thêm {filled.added:,} văn bản trong {filled.seconds:,.1f} giây.")

    from vanphong.core.models import Organisation, User
    from vanphong.documents import access, services
    from vanphong.documents import demo_corpus as corpus
    from vanphong.documents.models import DocumentType, IncomingDocument

    clerk = User.objects.get(username="vanthu")
    types = {t.name: t for t in DocumentType.objects.all()}
    by_identifier = dict(
        Organisation.objects.exclude(identifier="").values_list("identifier", "pk")
    )
    senders = {
        pk: Organisation.objects.get(pk=pk)
        for pk in {by_identifier.get(s.identifier) for s in corpus.SENDERS} - {None}
    }
    specs = [s for s in corpus.weighted_senders() if by_identifier.get(s.identifier) in senders]
    rng = random.Random()
    today = access.today()
    run = rng.randint(100_000, 999_999)  # keeps numbers unique across runs
    before = IncomingDocument.objects.count()

    def data(i: int) -> services.IncomingData:
        spec = rng.choice(specs)
        doc_type = types.get(rng.choice(spec.types)) or types["Công văn"]
        notation = corpus.code_notation(spec, doc_type.name, doc_type.abbr, run * 10_000 + i)
        return services.IncomingData(
            sender=senders[by_identifier[spec.identifier]],
            code_notation=notation,
            document_date=today,
            doc_type=doc_type,
            summary=corpus.summary_for(doc_type.name, rng, today),
            signer_name=rng.choice(spec.signers)[2],
            page_count=rng.randint(1, 8),
            channel="electronic",
        )

    def register(i: int) -> None:
        services.incoming_register(actor=clerk, data=data(i), today=today)

    for i in range(args.warmup):
        register(i)
    latencies = []
    cpu = _fill.CpuClock()
    cpu_started, started = cpu(), time.perf_counter()
    for i in range(args.warmup, args.warmup + args.count):
        t0 = time.perf_counter()
        register(i)
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    cpu_used = cpu() - cpu_started
    result: dict[str, object] = {
        "bench": "registration",
        "db": vendor,
        "docs": before,
        "registered": args.count,
        "per_s": round(args.count / elapsed, 1),
        "cpu_per_s": round(args.count / cpu_used, 1),
        "p50_ms": round(_fill.percentile(latencies, 50), 2),
        "p95_ms": round(_fill.percentile(latencies, 95), 2),
        "fill_s": round(filled.seconds, 1) if filled else 0.0,
    }
    if args.batch > 0:
        # Items are prepared outside the clock (a form or an import file has them ready).
        first = args.warmup + args.count
        batches = [
            [data(i) for i in range(start, min(start + args.batch, first + args.count))]
            for start in range(first, first + args.count, args.batch)
        ]
        warm = [data(first + args.count + i) for i in range(args.batch)]
        services.incoming_register_many(actor=clerk, items=warm, today=today)
        cpu_started, started = cpu(), time.perf_counter()
        for items in batches:
            services.incoming_register_many(actor=clerk, items=items, today=today)
        elapsed = time.perf_counter() - started
        cpu_used = cpu() - cpu_started
        result.update(
            batch_size=args.batch,
            batch_registered=args.count,
            batch_per_s=round(args.count / elapsed, 1),
            batch_cpu_per_s=round(args.count / cpu_used, 1),
        )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
