"""Search behaviour, the same suite on SQLite (FTS5) and on PostgreSQL (tsvector + GIN): the
back-end is the test database's (run once with each DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from vanphong.documents.models import IncomingDocument, Urgency
from vanphong.search import indexing
from vanphong.search.models import Outbox, SearchEntry
from vanphong.search.selectors import SearchParams, search
from vanphong.search.text import exact_word

SUMMARIES = {
    "dang_uy": "Nghị quyết của Ban Thường vụ Đảng ủy khối về công tác cán bộ",
    "dang_ky": "V/v đăng ký thi đua năm 2026 của các chi bộ",
    "dieu_dong": "Quyết định về việc điều động cán bộ đi công tác",
    "thuy_loi": "Báo cáo công tác thủy lợi và phòng chống thiên tai",
    "hoa_binh": "Kế hoạch tổ chức lễ kỷ niệm ngày giải phóng, hoà bình thống nhất",
}


@pytest.fixture
def docs(demo: Any) -> dict[str, IncomingDocument]:
    made = {key: demo.register_incoming(summary=text) for key, text in SUMMARIES.items()}
    indexing.drain()
    return made


def found(user: Any, q: str, **params: Any) -> set[int]:
    page = search(user, SearchParams(q=q, per_page=100, **params))
    return {h.object_id for h in page.hits}


def test_the_test_database_is_the_backend_under_test() -> None:
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_query_without_diacritics_finds_words_with_them(demo: Any, docs: Any) -> None:
    clerk = demo.user("vanthu")
    assert found(clerk, "dang uy") == {docs["dang_uy"].pk}
    assert found(clerk, "dieu dong") == {docs["dieu_dong"].pk}
    assert found(clerk, "DIEU DONG") == {docs["dieu_dong"].pk}
    # every test document comes from "Văn phòng Trung ương Đảng": "dang" alone finds them all
    assert found(clerk, "dang") == {d.pk for d in docs.values()}


def test_a_query_with_diacritics_matches_those_words_exactly(demo: Any, docs: Any) -> None:
    clerk = demo.user("vanthu")
    assert found(clerk, "đăng") == {docs["dang_ky"].pk}
    assert found(clerk, "ĐĂNG KÝ") == {docs["dang_ky"].pk}
    assert found(clerk, "Đảng") == {d.pk for d in docs.values()}
    assert found(clerk, "đảng ủy") == {docs["dang_uy"].pk}


def test_old_and_new_tone_placement_are_the_same_word(demo: Any, docs: Any) -> None:
    clerk = demo.user("vanthu")
    assert found(clerk, "Đảng uỷ") == {docs["dang_uy"].pk}
    assert found(clerk, "thuỷ lợi") == {docs["thuy_loi"].pk}
    assert found(clerk, "hòa bình") == {docs["hoa_binh"].pk}
    assert exact_word("ủy") == exact_word("uỷ") != exact_word("ủ")


def test_a_quoted_phrase_needs_the_words_together_and_in_order(demo: Any, docs: Any) -> None:
    clerk = demo.user("vanthu")
    assert found(clerk, '"can bo"') == {docs["dang_uy"].pk, docs["dieu_dong"].pk}
    assert found(clerk, '"dieu dong can bo"') == {docs["dieu_dong"].pk}
    assert found(clerk, '"can bo dieu dong"') == set()
    assert found(clerk, '"thường vụ đảng"') == {docs["dang_uy"].pk}


def test_prefixes_explicit_and_while_typing(demo: Any, docs: Any) -> None:
    clerk = demo.user("vanthu")
    assert found(clerk, "quyet*") == {docs["dang_uy"].pk, docs["dieu_dong"].pk}
    assert found(clerk, "quyet") == {docs["dang_uy"].pk, docs["dieu_dong"].pk}
    assert found(clerk, "thuy l") == set()
    assert found(clerk, "thuy lo", typing=True) == {docs["thuy_loi"].pk}
    assert found(clerk, "thuy lo") == set()


def test_code_notation_sender_and_signer_are_searchable(demo: Any) -> None:
    doc = demo.register_incoming(code_notation="57-CV/BTCTU", signer_name="Nguyễn Thị Hường")
    indexing.drain()
    clerk = demo.user("vanthu")
    assert doc.pk in found(clerk, "57-CV/BTCTU")
    assert doc.pk in found(clerk, "nguyen thi huong")
    assert doc.pk in found(clerk, "Văn phòng Trung ương")


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '"""',
        '"dang uy',
        "dang*uy",
        "*",
        "NEAR(dang uy)",
        "dang NEAR uy",
        "-dang",
        "dang -uy",
        "dang OR uy AND NOT can",
        "{head_exact}: dang",
        "head_folded:dang",
        "^dang",
        "dang' OR 1=1 --",
        "(((",
        "\x00dang",
        "a" * 10_000,
        "dang " * 500,
        "đ",
        "🙂 dang",
    ],
)
def test_bad_queries_never_raise_and_never_reach_the_engine_raw(
    demo: Any, docs: Any, q: str
) -> None:
    page = search(demo.user("vanthu"), SearchParams(q=q))
    assert page.total >= 0


def test_an_unbalanced_quote_is_closed_at_the_end(demo: Any, docs: Any) -> None:
    assert found(demo.user("vanthu"), '"dieu dong') == {docs["dieu_dong"].pk}


def test_a_huge_query_is_cut_with_a_message(demo: Any, docs: Any) -> None:
    page = search(demo.user("vanthu"), SearchParams(q="dang " * 500))
    assert page.query.notices


def test_an_empty_query_asks_for_words(demo: Any, docs: Any) -> None:
    page = search(demo.user("vanthu"), SearchParams(q="  "))
    assert page.total == 0 and page.message == "Hãy nhập từ khóa để tìm."
    page = search(demo.user("vanthu"), SearchParams(q="***"))
    assert "không có chữ" in page.message


def test_filters_narrow_the_results(demo: Any, docs: Any) -> None:
    clerk = demo.user("vanthu")
    urgent = demo.register_incoming(summary="Công tác cán bộ khẩn", urgency=Urgency.KHAN)
    old = demo.register_incoming(
        summary="Công tác cán bộ năm trước",
        arrival_date=dt.date.today() - dt.timedelta(days=400),
        document_date=dt.date.today() - dt.timedelta(days=402),
    )
    indexing.drain()
    assert urgent.pk in found(clerk, "can bo", urgency=Urgency.KHAN)
    assert found(clerk, "can bo", urgency=Urgency.KHAN) == {urgent.pk}
    assert found(clerk, "can bo", year=old.arrival_date.year) >= {old.pk}
    assert old.pk not in found(clerk, "can bo", date_from=dt.date.today() - dt.timedelta(days=30))
    assert found(clerk, "", date_to=old.arrival_date) == {old.pk}
    assert found(clerk, "can bo", status="closed") == set()
    sender = docs["dang_uy"].sender_id
    assert docs["dang_uy"].pk in found(clerk, "can bo", sender_id=sender)


def test_results_sort_by_relevance_or_date_and_page(demo: Any, docs: Any) -> None:
    clerk = demo.user("vanthu")
    for i in range(25):
        demo.register_incoming(summary=f"Thông báo số {i} về lịch công tác")
    indexing.drain()
    first = search(clerk, SearchParams(q="lich cong tac", sort="date"))
    second = search(clerk, SearchParams(q="lich cong tac", sort="date", page=2))
    assert first.total == second.total == 25
    assert len(first.hits) == 20 and len(second.hits) == 5
    assert not {h.object_id for h in first.hits} & {h.object_id for h in second.hits}
    assert [h.object_id for h in first.hits] == sorted(
        (h.object_id for h in first.hits), reverse=True
    )
    ranked = search(clerk, SearchParams(q="cong tac"))
    titles = [str(h.title) for h in ranked.hits]
    assert all(
        "<mark>" in t or "<mark>" in str(h.snippet)
        for t, h in zip(titles, ranked.hits, strict=True)
    )


def test_snippets_mark_the_original_words(demo: Any, docs: Any) -> None:
    page = search(demo.user("vanthu"), SearchParams(q="dang uy"))
    assert "<mark>Đảng</mark> <mark>ủy</mark>" in str(page.hits[0].title)
    page = search(demo.user("vanthu"), SearchParams(q="<script>"))
    assert page.total == 0


def test_editing_a_document_updates_the_index(demo: Any, docs: Any) -> None:
    from vanphong.documents.services import incoming_edit

    clerk = demo.user("vanthu")
    incoming_edit(actor=clerk, document=docs["thuy_loi"], summary="Báo cáo về giao thông nông thôn")
    assert Outbox.objects.exists()
    indexing.drain()
    assert not Outbox.objects.exists()
    assert found(clerk, "thuy loi") == set()
    assert found(clerk, "giao thong") == {docs["thuy_loi"].pk}


def test_registration_reaches_the_index_after_commit(
    demo: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        doc = demo.register_incoming(summary="Tờ trình về việc kiện toàn tổ chức bộ máy")
    assert found(demo.user("vanthu"), "kien toan bo may") == {doc.pk}
    assert not Outbox.objects.exists()


def test_rebuild_in_chunks_restores_a_lost_index(demo: Any, docs: Any) -> None:
    SearchEntry.objects.all().delete()
    assert found(demo.user("vanthu"), "dang uy") == set()
    call_command("search", "rebuild", "--chunk", "2", stdout=io.StringIO())
    assert found(demo.user("vanthu"), "dang uy") == {docs["dang_uy"].pk}
    assert SearchEntry.objects.count() == IncomingDocument.objects.count()


def test_draining_twice_changes_nothing(demo: Any, docs: Any) -> None:
    for doc in docs.values():
        Outbox.objects.create(kind="incoming", object_id=doc.pk)
    before = list(SearchEntry.objects.order_by("pk").values_list("pk", "head_folded"))
    indexing.drain()
    indexing.drain()
    assert list(SearchEntry.objects.order_by("pk").values_list("pk", "head_folded")) == before


def _results(user: Any, q: str, **params: Any) -> list[tuple[int, list[int]]]:
    pages = []
    for page in (1, 2):
        found_page = search(user, SearchParams(q=q, per_page=2, page=page, **params))
        pages.append((found_page.total, [h.object_id for h in found_page.hits]))
    return pages


def test_the_newest_entries_first_give_the_same_results_as_the_whole_index(
    demo: Any, monkeypatch: Any
) -> None:
    """PostgreSQL searches the newest entries first, walking backwards, when the words are
    frequent; the results (count, order, pages) are those of the whole index. Here with a cap
    of 3 matches, a first window of 6 entries and a second of at most 24."""
    from django.test.utils import CaptureQueriesContext

    from vanphong.search import backends

    for i in range(30):
        summary = f"Thông báo số {i} về lịch công tác" + (" phòng cháy" if i % 4 == 0 else "")
        demo.register_incoming(summary=summary + (" đê điều" if i == 2 else ""))
    indexing.drain()
    clerk = demo.user("vanthu")
    queries = [("lich cong tac", {}), ("phong chay", {}), ("de dieu", {}), ("zzz", {})]
    queries += [("lich cong tac", {"sort": "date"}), ("phong chay", {"urgency": 0})]
    monkeypatch.setattr(backends, "MAX_RESULTS", 3)
    monkeypatch.setattr(backends, "NEWEST_WINDOW", 10**9)  # the window is never used
    whole = {q + str(p): _results(clerk, q, **p) for q, p in queries}
    monkeypatch.setattr(backends, "NEWEST_WINDOW", 6)
    monkeypatch.setattr(backends, "SECOND_WINDOW_MAX", 24)
    with CaptureQueriesContext(connection) as statements:
        windowed = {q + str(p): _results(clerk, q, **p) for q, p in queries}
    assert windowed == whole
    assert whole["lich cong tac{}"][0][0] == 4  # more than the cap
    assert whole["de dieu{}"][0][0] == 1 and whole["zzz{}"][0][0] == 0
    walked = [
        s["sql"] for s in statements.captured_queries if "enable_bitmapscan = off" in s["sql"]
    ]
    assert bool(walked) == (connection.vendor == "postgresql")
