"""Full-text search: index build rate and query latency as an ordinary user.

    python bench/search.py --docs N [--bodies 1] [--rounds 3]

Runs against DATABASE_URL (default: a SQLite file under var/bench). The database is first filled
up to N incoming documents (bench/_fill.py: summaries from the Party/administrative corpus in
documents/demo_corpus.py); every document then gets an attachment whose extracted text is a
generated body of a few paragraphs from the same corpus (written straight into the extraction
table, as if the worker had read the PDF). The index is dropped and rebuilt with the real
`search.rebuild.rebuild`, one process per CPU (index_per_s = documents / seconds). Then a fixed set
of queries (with and without diacritics, phrases, prefixes, filters, rare and frequent words) runs
through the real `search.selectors.search` (count + first page + snippets, permissions in the
query) as the specialist `chuyenvien` (ordinary user, fields p50_ms/p95_ms/p99_ms) and as the
văn thư `vanthu` (sees the whole register: clerk_p50_ms...). The last line printed is one JSON
object.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import random
import time
from datetime import date
from typing import Any

import _fill

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("dang uy", {}),
    ("Đảng ủy", {}),
    ("nghi quyet", {}),
    ("nghị quyết", {}),
    ('"ban thuong vu"', {}),
    ('"Ban Thường vụ"', {}),
    ("cong tac can bo", {}),
    ("công tác cán bộ", {}),
    ("quyet*", {}),
    ("kiem tra giam sat", {}),
    ("kiểm tra, giám sát", {}),
    ("to chuc co so dang", {}),
    ('"tổ chức cơ sở đảng"', {}),
    ("dang vien", {}),
    ("đảng viên", {}),
    ("dang", {}),
    ("đăng", {}),
    ("bao cao", {}),
    ("báo cáo kết quả", {}),
    ("ke hoach", {"year": 2025}),
    ("kế hoạch", {"sort": "date"}),
    ("thong bao ket luan", {}),
    ('"thông báo kết luận"', {}),
    ("chi thi", {}),
    ("chỉ thị số", {}),
    ("hoi nghi", {"urgency": 1}),
    ("hội nghị", {}),
    ("tuyen truyen", {}),
    ("tuyên truyền", {}),
    ("dan van", {}),
    ("dân vận", {}),
    ("phong chong tham nhung", {}),
    ("phòng, chống tham nhũng", {}),
    ("thi dua khen thuong", {}),
    ("thi đua, khen thưởng", {}),
    ("chuyen doi so", {}),
    ('"chuyển đổi số"', {}),
    ("cai cach hanh chinh", {}),
    ("cải cách hành chính", {}),
    ("dai hoi dang bo", {}),
    ("đại hội đảng bộ", {}),
    ("quoc phong an ninh", {}),
    ("quốc phòng, an ninh", {}),
    ("ho so", {"sort": "date"}),
    ("to trinh", {}),
    ("tờ trình", {}),
    ("xay dung dang", {}),
    ("xây dựng Đảng", {}),
    ("cong van", {"sort": "date"}),
    ("ubnd tinh", {}),
    ("van phong", {"year": 2024}),
    ("huong dan", {}),
    ("hướng dẫn thực hiện", {}),
    ("bao ve bi mat nha nuoc", {}),
    ("thuong truc tinh uy", {}),
    ("thường trực tỉnh ủy", {}),
    ("kỷ luật", {}),
    ("ky luat dang", {}),
    ("tham*", {}),
    ("zzzkhongco", {}),
]


def add_bodies(rng: random.Random, every: int) -> int:
    """One attachment with extracted text per document that has none yet, in batches."""
    from django.db import transaction

    from vanphong.documents import demo_corpus as corpus
    from vanphong.documents.models import DocumentFile, IncomingDocument
    from vanphong.files.models import Blob, BlobText, ExtractMethod, ExtractStatus

    last, added = 0, 0
    have = set(DocumentFile.objects.values_list("document_id", flat=True).distinct())
    while True:
        rows = list(
            IncomingDocument.objects.filter(pk__gt=last, content_withheld=False)
            .order_by("pk")
            .values_list("pk", "document_date", "registered_by_id", "sender__full_name")[:5000]
        )
        if not rows:
            return added
        blobs, texts, files = [], [], []
        for pk, on, by, sender in rows:
            if pk in have or pk % every:
                continue
            body = "\n".join(corpus.body_paragraphs(rng, on or date.today(), sender))
            data = body.encode()
            sha = hashlib.sha256(data + str(pk).encode()).hexdigest()
            blobs.append(Blob(sha256=sha, size=len(data), content_type="application/pdf"))
            texts.append(
                BlobText(
                    blob_id=sha,
                    status=ExtractStatus.DONE,
                    method=ExtractMethod.PDF_TEXT,
                    text=body,
                    pages=1,
                    progress=100,
                )
            )
            files.append(
                DocumentFile(document_id=pk, blob_id=sha, name="van-ban.pdf", uploaded_by_id=by)
            )
        with transaction.atomic():
            Blob.objects.bulk_create(blobs, batch_size=1000, ignore_conflicts=True)
            BlobText.objects.bulk_create(texts, batch_size=1000, ignore_conflicts=True)
            DocumentFile.objects.bulk_create(files, batch_size=1000)
            from vanphong.search.models import Outbox

            Outbox.objects.all().delete()  # the signals queued them; the rebuild covers them
        added += len(files)
        last = rows[-1][0]
        if added and added % 100_000 < len(files):
            _fill.log(f"  đã thêm nội dung tệp cho {added:,} văn bản")


def measure(username: str, rounds: int) -> dict[str, Any]:
    from vanphong.core.models import User
    from vanphong.search.selectors import SearchParams, search

    user = User.objects.get(username=username)
    for q, extra in QUERIES:  # warm-up: caches, prepared plans, page cache
        search(user, SearchParams(q=q, **extra))
    clock = _fill.CpuClock()
    times, cpu, totals, shapes = [], [], [], set()
    for _ in range(rounds):
        for q, extra in QUERIES:
            user = User.objects.get(username=username)  # per request, as a page does
            started, used = time.perf_counter(), clock()
            page = search(user, SearchParams(q=q, **extra))
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((clock() - used) * 1000)
            totals.append(page.total)
            shapes.add(page.shape)
    return {
        "p50_ms": round(_fill.percentile(times, 50), 1),
        "p95_ms": round(_fill.percentile(times, 95), 1),
        "p99_ms": round(_fill.percentile(times, 99), 1),
        "max_ms": round(max(times), 1),
        "cpu_p50_ms": round(_fill.percentile(cpu, 50), 1),
        "cpu_p95_ms": round(_fill.percentile(cpu, 95), 1),
        "cpu_mean_ms": round(sum(cpu) / len(cpu), 1),
        "median_total": sorted(totals)[len(totals) // 2],
        "max_total": max(totals),
        "shape": "/".join(sorted(shapes)),
    }


def main() -> None:
    args = _fill.arguments(
        __doc__ or "",
        bodies=(int, 1, "attachment text on every k-th document (0: none)"),
        rounds=(int, 3, "rounds of the query set"),
        skip_rebuild=(int, 0, "1: keep the existing index"),
        chunk=(int, 5000, "ids per indexing transaction"),
        workers=(int, 0, "indexing processes (0: one per CPU)"),
    )
    vendor = _fill.setup()
    filled = _fill.fill(args.docs) if args.docs else None
    if filled and filled.added:
        _fill.log(f"Đã thêm {filled.added:,} văn bản trong {filled.seconds:,.1f} giây.")
    from django.db import connection

    from vanphong.documents.models import IncomingDocument
    from vanphong.search import rebuild
    from vanphong.search.models import SearchEntry

    rng = random.Random(7)
    if args.bodies:
        started = time.perf_counter()
        added = add_bodies(rng, args.bodies)
        _fill.log(f"Nội dung tệp: {added:,} văn bản, {time.perf_counter() - started:,.1f} giây.")
    docs = IncomingDocument.objects.count()
    index_per_s = index_cpu_s = None
    if not args.skip_rebuild:
        _fill.log("Xóa chỉ mục cũ…")
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute("DELETE FROM search_searchentry")
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
            else:
                cursor.execute("TRUNCATE search_searchentry")
        started, cpu_started, children = time.perf_counter(), time.process_time(), os.times()
        logged = [0]

        def progress(done: int) -> None:
            if done - logged[0] >= 50_000:
                logged[0] = done
                rate = done / (time.perf_counter() - started)
                _fill.log(f"  chỉ mục: {done:,}/{docs:,} ({rate:,.0f}/giây)")

        rebuild.rebuild(
            chunk=args.chunk, progress=progress, workers=args.workers or None, restart=True
        )
        seconds = time.perf_counter() - started
        index_per_s = round(docs / seconds)
        after = os.times()
        index_cpu_s = round(
            time.process_time()
            - cpu_started
            + after.children_user
            + after.children_system
            - children.children_user
            - children.children_system,
            1,
        )
        _fill.log(
            f"Dựng chỉ mục: {docs:,} văn bản trong {seconds:,.1f} giây ({index_per_s:,}/giây)."
        )
    entries = SearchEntry.objects.count()
    ordinary = measure("chuyenvien", args.rounds)
    clerk = measure("vanthu", args.rounds)
    result = {
        "bench": "search",
        "database": vendor,
        "docs": docs,
        "entries": entries,
        "queries": len(QUERIES),
        "rounds": args.rounds,
        "index_per_s": index_per_s,
        "index_cpu_s": index_cpu_s,  # CPU of the Python processes (not the database server)
        "load_average": [round(x, 1) for x in os.getloadavg()],
        **ordinary,
        **{f"clerk_{k}": v for k, v in clerk.items()},
        "machine": f"{platform.machine()}, {_cpu_count()} CPU, Python {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False))


def _cpu_count() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
