"""No leak through search: what a user may not see never appears, not even in a count."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from vanphong.core.models import Secrecy
from vanphong.core.policy import filter_visible
from vanphong.documents.models import IncomingDocument, WorkItem, WorkKind
from vanphong.documents.services import incoming_present
from vanphong.search import indexing
from vanphong.search.selectors import SearchParams, search

WORD = "Phương án bảo vệ an ninh nội bộ"


@pytest.fixture
def secret_docs(demo: Any, settings: Any) -> dict[str, IncomingDocument]:
    settings.NETWORK_ZONE = "isolated"  # secret documents keep their summaries on this network
    made = {
        "plain": demo.register_incoming(summary=WORD),
        "mat": demo.register_incoming(summary=f"{WORD} (mật)", secrecy=Secrecy.MAT),
        "toimat": demo.register_incoming(summary=f"{WORD} (tối mật)", secrecy=Secrecy.TOI_MAT),
    }
    demo.register_incoming("vanthubtc", summary=WORD)
    call_command("search", "rebuild", stdout=io.StringIO())
    return made


def visible_count(user: Any) -> int:
    return filter_visible(user, "documents.incoming", IncomingDocument.objects.all()).count()


@pytest.mark.parametrize(
    "username", ["vanthu", "lanhdao", "chuyenvien", "truongphong", "vanthubtc", "admin", "bithu"]
)
def test_search_counts_equal_what_the_policy_lets_the_user_see(
    demo: Any, secret_docs: Any, username: str
) -> None:
    user = demo.user(username)
    page = search(user, SearchParams(q="an ninh noi bo", per_page=100))
    visible = filter_visible(user, "documents.incoming", IncomingDocument.objects.all())
    expected = set(visible.filter(summary__contains="an ninh nội bộ").values_list("pk", flat=True))
    assert page.total == len(page.hits) == len(expected)
    assert {h.object_id for h in page.hits} == expected
    filtered = search(user, SearchParams(q="", year=secret_docs["plain"].arrival_date.year))
    assert filtered.total == visible_count(user)


def test_a_leader_finds_a_secret_document_only_once_it_is_presented_to_them(
    demo: Any, secret_docs: Any
) -> None:
    leader = demo.user("lanhdao")
    before = search(leader, SearchParams(q="an ninh noi bo"))
    assert {h.object_id for h in before.hits} == {secret_docs["plain"].pk}
    assert before.total == 1
    incoming_present(actor=demo.user("vanthu"), document=secret_docs["mat"], to=leader)
    indexing.drain()
    after = search(demo.user("lanhdao"), SearchParams(q="an ninh noi bo"))
    assert {h.object_id for h in after.hits} == {secret_docs["plain"].pk, secret_docs["mat"].pk}
    assert after.total == 2


def test_a_clerk_finds_the_secret_register_within_their_clearance(
    demo: Any, secret_docs: Any
) -> None:
    page = search(demo.user("vanthu"), SearchParams(q="an ninh"))
    assert page.total == 3
    assert any(h.is_secret for h in page.hits)


def test_a_specialist_outside_the_document_sees_nothing_not_even_a_count(
    demo: Any, secret_docs: Any
) -> None:
    page = search(demo.user("chuyenvien"), SearchParams(q="an ninh", per_page=5))
    assert page.total == 0 and page.hits == []


def test_a_participant_finds_secret_documents_up_to_their_clearance_and_none_above(
    demo: Any, secret_docs: Any
) -> None:
    specialist = demo.user("chuyenvien")
    for doc in secret_docs.values():
        WorkItem.objects.create(document=doc, user=specialist, kind=WorkKind.INFO)
    specialist.clearance = Secrecy.MAT
    found = search(specialist, SearchParams(q="an ninh noi bo"))
    assert {h.object_id for h in found.hits} == {secret_docs["plain"].pk, secret_docs["mat"].pk}
    assert found.total == 2
    specialist.clearance = Secrecy.NONE
    found = search(specialist, SearchParams(q="an ninh noi bo"))
    assert [h.object_id for h in found.hits] == [secret_docs["plain"].pk]
    assert visible_count(specialist) == 1


def test_another_organisation_never_sees_our_documents(demo: Any, secret_docs: Any) -> None:
    page = search(demo.user("vanthubtc"), SearchParams(q="an ninh"))
    assert page.total == 1
    assert all(
        IncomingDocument.objects.get(pk=h.object_id).organisation.short_name != "VPTU"
        for h in page.hits
    )


def test_an_inactive_user_finds_nothing(demo: Any, secret_docs: Any) -> None:
    user = demo.user("vanthu")
    user.is_active = False
    assert search(user, SearchParams(q="an ninh")).total == 0


# --- the two query shapes (search.backends): same answers, same permissions -------------------


@pytest.fixture
def shared_docs(demo: Any, secret_docs: Any) -> dict[str, IncomingDocument]:
    """The specialist takes part in two of the documents (one of them secret at his clearance
    or above it), so the candidate-driven shape has something to find and something to hide."""
    from vanphong.documents.models import WorkItem, WorkKind

    specialist = demo.user("chuyenvien")
    for key in ("plain", "mat"):
        WorkItem.objects.create(
            document=secret_docs[key], user=specialist, kind=WorkKind.INFO, secrecy=0
        )
    return secret_docs


def _answer(user: Any, q: str, **params: Any) -> tuple[str, int, list[int]]:
    page = search(user, SearchParams(q=q, per_page=100, **params))
    return page.shape, page.total, [h.object_id for h in page.hits]


@pytest.mark.parametrize("q", ["an ninh noi bo", "an ninh", '"bảo vệ"', "phuong*", "zzz"])
def test_a_specialist_gets_the_same_answer_from_both_shapes(
    demo: Any, shared_docs: Any, monkeypatch: Any, q: str
) -> None:
    from vanphong.search import selectors

    user = demo.user("chuyenvien")
    few = _answer(user, q)
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 0)  # "too many items": index-driven
    many = _answer(demo.user("chuyenvien"), q)
    assert few[0] == "candidates" and many[0] == "index"
    assert few[1:] == many[1:]
    visible = filter_visible(user, "documents.incoming", IncomingDocument.objects.all())
    assert set(few[2]) <= set(visible.values_list("pk", flat=True))
    if q.startswith("an ninh"):
        expected = {shared_docs["plain"].pk}
        if user.clearance >= Secrecy.MAT:
            expected.add(shared_docs["mat"].pk)
        assert set(few[2]) == expected and few[1] == len(expected)


def test_whole_register_users_are_searched_from_the_index(demo: Any, secret_docs: Any) -> None:
    assert search(demo.user("vanthu"), SearchParams(q="an ninh")).shape == "index"
    assert search(demo.user("lanhdao"), SearchParams(q="an ninh")).shape == "index"


def test_the_count_stops_at_the_cap_and_says_more(
    demo: Any, secret_docs: Any, monkeypatch: Any
) -> None:
    from vanphong.search import backends

    monkeypatch.setattr(backends, "MAX_RESULTS", 2)
    page = search(demo.user("vanthu"), SearchParams(q="an ninh", per_page=1))
    assert page.total == 3 and page.more and page.count_text == "hơn 2"
    assert page.pages == 2 and len(page.hits) == 1
    last = search(demo.user("vanthu"), SearchParams(q="an ninh", per_page=1, page=2))
    assert len(last.hits) == 1 and last.hits[0].object_id != page.hits[0].object_id
    # a leader sees one of the three: the cap never counts what the policy hides
    assert search(demo.user("lanhdao"), SearchParams(q="an ninh")).total == 1
    body = demo.client("vanthu").get("/tim-kiem/", {"q": "an ninh"}).content.decode()
    assert "Tìm thấy <strong>hơn 2</strong> kết quả" in body


def test_above_the_cap_both_shapes_keep_the_same_newest_matches(
    demo: Any, monkeypatch: Any
) -> None:
    """The candidate-driven shape reads the user's entries newest first and stops after
    MAX_RESULTS + 1 matches: the matches kept, the count, the order and the pages are those the
    index-driven shape gives. Here with a cap of 3 among 9 matches, one of them taken over by a
    secret document the specialist is not cleared for."""
    from vanphong.documents.models import WorkItem, WorkKind
    from vanphong.search import backends, indexing, selectors

    specialist = demo.user("chuyenvien")
    docs = [
        demo.register_incoming(
            summary=f"Kế hoạch phòng chống thiên tai đợt {i}",
            secrecy=Secrecy.TOI_MAT if i == 7 else Secrecy.NONE,
        )
        for i in range(9)
    ]
    for doc in docs:
        WorkItem.objects.create(document=doc, user=specialist, kind=WorkKind.INFO, secrecy=0)
    indexing.drain()
    monkeypatch.setattr(backends, "MAX_RESULTS", 3)
    answers = {}
    for limit in (selectors.CANDIDATE_LIMIT, 0):
        monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", limit)
        for sort in ("relevance", "date"):
            for page in (1, 2):
                found = search(
                    demo.user("chuyenvien"),
                    SearchParams(q="phong chong thien tai", sort=sort, page=page, per_page=2),
                )
                answers[limit, sort, page] = (found.total, [h.object_id for h in found.hits])
                assert found.shape == ("index" if limit == 0 else "candidates")
    for key, answer in answers.items():
        assert answer == answers[selectors.CANDIDATE_LIMIT, *key[1:]], key
    newest = sorted((d.pk for d in docs if d.pk != docs[7].pk), reverse=True)
    assert answers[0, "date", 1] == (4, newest[:2])  # 4 = "more than 3"
    assert answers[0, "date", 2] == (4, newest[2:3])


def test_the_specialists_walk_is_written_as_the_index_it_reads_newest_first(
    demo: Any, shared_docs: Any
) -> None:
    """PostgreSQL: the candidate-driven shape looks up and orders by -id, the expression of the
    index of migration 0008, so it walks that index forwards (not the primary key backwards,
    which reads one more page per candidate). SQLite: the IN list of ids, newest first."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as seen:
        page = search(demo.user("chuyenvien"), SearchParams(q="an ninh"))
    assert page.shape == "candidates" and page.total >= 1
    walk = next(q["sql"] for q in seen.captured_queries if "COUNT(*) OVER ()" in q["sql"])
    if connection.vendor == "postgresql":
        assert "(-search_searchentry.id) = ANY(ARRAY(SELECT (-(d.document_id * 4 + 0))" in walk
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")  # a tiny table: no seq scan
            cursor.execute(f"EXPLAIN {walk}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index Scan using search_entry_newest" in plan
        assert "Backward using search_entry_newest" not in plan
    else:
        assert "search_searchentry.id IN (SELECT (d.document_id * 4 + 0)" in walk
        assert "ORDER BY search_searchentry.id DESC" in walk
