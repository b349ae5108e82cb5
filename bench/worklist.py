"""Work-list page latency: /van-ban-den/?tab=... rendered for a signed-in specialist.

    python bench/worklist.py [--docs N] [--requests 200] [--user chuyenvien] [--mode client]

Runs against DATABASE_URL (default: a SQLite file under var/bench); with --docs N the database
is first filled up to N incoming documents (bench/_fill.py). Each request goes through the whole
Django stack with `django.test.Client` (middleware, session, selectors, template, navigation
counts), cycling through the six tabs. `--mode selector` times only
`selectors.worklist_page(...)` with its rows evaluated. The last line printed is one JSON object:
p50/p95 over the timed requests for --user, plus the same figures for the văn thư, the Chánh
Văn phòng and the head of Phòng Tổng hợp (people with far more work items).
"""

from __future__ import annotations

import json
import time
from typing import Any

import _fill


def _client_timer(username: str) -> tuple[Any, Any]:
    from django.test import Client

    from vanphong.core.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))

    def request(tab: str, page: int) -> int:
        response = client.get("/van-ban-den/", {"tab": tab, "trang": page})
        if response.status_code != 200:
            raise SystemExit(f"/van-ban-den/?tab={tab} trả về mã {response.status_code}")
        return len(response.content)

    return request, client


def _selector_timer(username: str) -> tuple[Any, Any]:
    from vanphong.core.models import User
    from vanphong.documents import selectors

    def request(tab: str, page: int) -> int:
        user = User.objects.get(username=username)  # a fresh user per request, as in a view
        result = selectors.worklist_page(user, tab, selectors.ListFilters(), page)
        for row in result.rows:  # touch what the template shows
            str(row.document.sender)
            str(row.document.doc_type)
        selectors.nav_counts(user)
        return len(result.rows)

    return request, None


def measure(username: str, requests: int, mode: str) -> dict[str, Any]:
    from vanphong.documents.selectors import TABS

    request, _ = (_client_timer if mode == "client" else _selector_timer)(username)
    tabs = list(TABS)
    for tab in tabs:  # warm-up: connection, templates, caches
        request(tab, 1)
    timings: dict[str, list[float]] = {tab: [] for tab in tabs}
    all_ms: list[float] = []
    cpu_ms: list[float] = []
    cpu = _fill.CpuClock()
    for i in range(requests):
        tab = tabs[i % len(tabs)]
        page = 2 if i % 10 == 9 else 1  # now and then the next page
        c0, t0 = cpu(), time.perf_counter()
        request(tab, page)
        ms = (time.perf_counter() - t0) * 1000
        cpu_ms.append((cpu() - c0) * 1000)
        timings[tab].append(ms)
        all_ms.append(ms)
    return {
        "p50_ms": round(_fill.percentile(all_ms, 50), 1),
        "p95_ms": round(_fill.percentile(all_ms, 95), 1),
        "cpu_p50_ms": round(_fill.percentile(cpu_ms, 50), 1),
        "cpu_p95_ms": round(_fill.percentile(cpu_ms, 95), 1),
        "tabs_p95_ms": {t: round(_fill.percentile(v, 95), 1) for t, v in timings.items()},
    }


def item_counts(username: str) -> int:
    from vanphong.documents.models import WorkItem

    return WorkItem.objects.filter(user__username=username).count()


def main() -> None:
    args = _fill.arguments(
        __doc__ or "",
        requests=(int, 200, "timed requests per person"),
        user=(str, "chuyenvien", "the person whose list is the headline figure"),
        mode=(str, "client", "client (whole page) or selector (the query only)"),
    )
    vendor = _fill.setup()
    filled = _fill.fill(args.docs) if args.docs else None
    if filled and filled.added:
        _fill.log(f"Đã thêm {filled.added:,} văn bản trong {filled.seconds:,.1f} giây.")
    if args.mode == "client":
        from django.conf import settings
        from django.core.management import call_command

        if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]:
            call_command("collectstatic", interactive=False, verbosity=0)

    from vanphong.documents.models import IncomingDocument

    docs = IncomingDocument.objects.count()
    headline = measure(args.user, args.requests, args.mode)
    others = {}
    for username in ("vanthu", "lanhdao", "truongphong"):
        if username != args.user:
            others[username] = {
                "work_items": item_counts(username),
                **measure(username, max(60, args.requests // 2), args.mode),
            }
    result = {
        "bench": "worklist",
        "db": vendor,
        "docs": docs,
        "mode": args.mode,
        "user": args.user,
        "work_items": item_counts(args.user),
        "requests": args.requests,
        **headline,
        "others": others,
        "fill_s": round(filled.seconds, 1) if filled else 0.0,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
