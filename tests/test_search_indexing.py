"""Keeping the index in step: explicit enqueue from the services, the debounced wake-up of the
worker, and the parallel, resumable rebuild."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from vanphong.documents.models import IncomingDocument
from vanphong.search import outbox, rebuild
from vanphong.search.models import Kind, Outbox, RebuildLane, SearchEntry
from vanphong.search.selectors import SearchParams, search


def found(user: Any, q: str) -> set[int]:
    return {h.object_id for h in search(user, SearchParams(q=q, per_page=100)).hits}


def test_a_service_write_queues_the_document_in_its_own_transaction(demo: Any) -> None:
    doc = demo.register_incoming(summary="Tờ trình về công tác dân vận")
    assert Outbox.objects.filter(kind=Kind.INCOMING, object_id=doc.pk).exists()
    # a save outside the services is not a write of the application: nothing is queued
    Outbox.objects.all().delete()
    IncomingDocument.objects.filter(pk=doc.pk).update(notes="ghi chú")
    assert not Outbox.objects.exists()


def test_the_worker_is_woken_once_per_burst(monkeypatch: Any) -> None:
    from vanphong.search import tasks

    scheduled: list[float] = []
    clock = [1000.0]
    monkeypatch.setattr(outbox, "_immediate", lambda: False)
    monkeypatch.setattr(outbox, "_wake_covered_until", 0.0)
    monkeypatch.setattr(outbox.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(tasks.drain_outbox, "schedule", lambda delay: scheduled.append(delay))
    assert outbox.wake_worker() is True
    for _ in range(50):  # fifty registrations within the same second: no more queued tasks
        clock[0] += 0.01
        assert outbox.wake_worker() is False
    assert scheduled == [outbox.WAKE_DELAY]
    clock[0] += outbox.WAKE_DELAY  # the scheduled drain has started: the next commit wakes again
    assert outbox.wake_worker() is True
    assert len(scheduled) == 2


@pytest.fixture
def docs(demo: Any) -> list[IncomingDocument]:
    made = [
        demo.register_incoming(summary=f"Báo cáo chuyên đề số {i} về dân vận") for i in range(7)
    ]
    Outbox.objects.all().delete()
    SearchEntry.objects.all().delete()
    return made


def test_an_interrupted_rebuild_resumes_after_its_checkpoint(demo: Any, docs: Any) -> None:
    ids = sorted(d.pk for d in docs)
    first = ids[0]
    # a previous run (one lane, ranges of 3 ids) stopped after its first range
    RebuildLane.objects.create(
        kind=Kind.INCOMING, lane=0, lanes=1, chunk=3, upto=ids[-1], last_id=first + 2, done=3
    )
    out = io.StringIO()
    call_command("search", "rebuild", stdout=out)
    assert "Tiếp tục" in out.getvalue()
    indexed = set(SearchEntry.objects.values_list("object_id", flat=True))
    assert indexed == {pk for pk in ids if pk > first + 2}  # the finished range was not redone
    assert not RebuildLane.objects.exists()
    call_command("search", "rebuild", "--restart", "--chunk", "2", stdout=io.StringIO())
    assert set(SearchEntry.objects.values_list("object_id", flat=True)) == set(ids)
    assert found(demo.user("vanthu"), "dan van") == set(ids)


def test_a_rebuild_drops_entries_of_documents_that_are_gone(demo: Any, docs: Any) -> None:
    call_command("search", "rebuild", stdout=io.StringIO())
    gone = docs[0].pk
    IncomingDocument.objects.filter(pk=gone).delete()
    rebuild.rebuild(chunk=3)
    assert not SearchEntry.objects.filter(object_id=gone).exists()
    assert SearchEntry.objects.count() == len(docs) - 1


@pytest.mark.django_db(transaction=True)
def test_a_parallel_rebuild_in_two_processes_indexes_everything_once(demo: Any) -> None:
    ids = [demo.register_incoming(summary=f"Kế hoạch kiểm tra số {i}").pk for i in range(9)]
    SearchEntry.objects.all().delete()
    total = rebuild.rebuild(chunk=2, workers=2)
    assert total == len(ids)
    rows = list(SearchEntry.objects.values_list("object_id", flat=True))
    assert sorted(rows) == sorted(ids)  # each once: the lanes' ranges are disjoint
    assert found(demo.user("vanthu"), "ke hoach kiem tra") == set(ids)
    assert not RebuildLane.objects.exists()


def test_a_range_folded_before_its_transaction_is_written_as_the_database_holds_it(
    demo: Any, docs: Any, monkeypatch: Any
) -> None:
    """The rebuild folds a range before it takes the write lock; inside, the sources are read
    again: what is unchanged is written as prepared, what changed meanwhile is folded again."""
    from vanphong.search import indexing

    ids = sorted(d.pk for d in docs)
    prepared = indexing.prepare_range(Kind.INCOMING, ids[0], ids[-1])
    assert set(prepared) == set(ids)
    changed = docs[3]
    IncomingDocument.objects.filter(pk=changed.pk).update(summary="Thông báo lịch tiếp công dân")
    folded: list[Any] = []
    real = indexing.SHAPES[Kind.INCOMING]
    monkeypatch.setitem(indexing.SHAPES, Kind.INCOMING, lambda s: folded.append(s) or real(s))
    indexing.index_range(Kind.INCOMING, ids[0], ids[-1], prepared=prepared)
    assert [source[0][0] for source in folded] == [changed.pk]  # only the changed one again
    vanthu = demo.user("vanthu")
    assert found(vanthu, "tiep cong dan") == {changed.pk}
    assert found(vanthu, '"chuyen de"') == set(ids) - {changed.pk}


def test_an_entry_id_is_derived_from_its_object_and_its_words_are_padded(
    demo: Any, docs: Any
) -> None:
    from vanphong.search.models import entry_id

    rebuild.rebuild(chunk=3, workers=1)
    entries = SearchEntry.objects.filter(kind=Kind.INCOMING, object_id__in=[d.pk for d in docs])
    for pk, object_id, head in entries.values_list("pk", "object_id", "head_folded"):
        assert pk == entry_id(Kind.INCOMING, object_id) == object_id * 4
        assert head.startswith(" ") and head.endswith(" ") and "  " not in head
        assert " bao cao chuyen de so " in head
    assert entry_id(Kind.ARCHIVE, 7) == 29


def test_the_migration_renumbers_and_pads_entries_made_before_it(demo: Any, docs: Any) -> None:
    """Entries of an older version (ids in insertion order, words without the outer spaces)
    are renumbered and padded in place, and SQLite's full-text rowids follow."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    migration = importlib.import_module("vanphong.search.migrations.0006_entry_ids_from_objects")
    rebuild.rebuild(chunk=50, workers=1)
    ids = sorted(d.pk for d in docs)
    old = {oid: n + 1 for n, oid in enumerate(ids)}  # what the sequence gave them
    SearchEntry.objects.filter(kind=Kind.INCOMING).exclude(object_id__in=ids).delete()
    with connection.cursor() as cursor:
        for oid, pk in old.items():
            cursor.execute(
                "UPDATE search_searchentry SET id = %s, head_folded = trim(head_folded), "
                "head_exact = trim(head_exact) WHERE kind = 'incoming' AND object_id = %s",
                [-pk, oid],
            )
        cursor.execute("UPDATE search_searchentry SET id = -id WHERE id < 0")
    assert set(SearchEntry.objects.values_list("pk", flat=True)) == set(old.values())
    migration.renumber_and_pad(None, SimpleNamespace(connection=connection))
    rows = SearchEntry.objects.order_by("pk").values_list("pk", "object_id", "head_exact")
    assert {pk: oid for pk, oid, _ in rows} == {oid * 4: oid for oid in ids}
    assert all(head[0] == head[-1] == " " and " báo cáo " in head for _, _, head in rows)
    migration.renumber_and_pad(None, SimpleNamespace(connection=connection))  # once more
    again = SearchEntry.objects.order_by("pk").values_list("pk", "object_id", "head_exact")
    assert list(again) == list(rows)
    vanthu = demo.user("vanthu")
    assert found(vanthu, "dan van") == set(ids)  # the index-driven shape: FTS5 / GIN
    assert found(vanthu, '"chuyên đề số 3"') == {ids[3]}


def _fulltext_indexes() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'search_searchentry'")
        return {row[0] for row in cursor} & set(rebuild.FULLTEXT_INDEXES)


def test_a_rebuild_of_an_empty_index_builds_the_gin_indexes_once_after_the_entries(
    demo: Any, docs: Any, monkeypatch: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vanphong.search import indexing

    real_copy = indexing._copy

    def copy(cursor: Any, table: str, rows: Any) -> None:  # COPY bypasses Django's query log
        connection.queries_log.append({"sql": f"COPY {table}", "time": "0.000"})
        real_copy(cursor, table, rows)

    monkeypatch.setattr(indexing, "_copy", copy)
    with CaptureQueriesContext(connection) as seen:
        rebuild.rebuild(chunk=3, workers=1)
    statements = [s["sql"] for s in seen.captured_queries]
    written = ('INSERT INTO "search_searchentry"', 'COPY "search_searchentry"')
    inserts = [i for i, s in enumerate(statements) if s.startswith(written)]
    assert inserts
    ddl = [i for i, s in enumerate(statements) if "INDEX" in s and "search_entry_fts" in s]
    if connection.vendor == "postgresql":
        assert [statements[i].split()[0] for i in ddl] == ["DROP", "DROP", "CREATE", "CREATE"]
        assert ddl[1] < inserts[0] and inserts[-1] < ddl[2]  # dropped before, built after
        assert _fulltext_indexes() == set(rebuild.FULLTEXT_INDEXES)
        with connection.cursor() as cursor:  # as a rebuild killed in bulk mode leaves it
            cursor.execute("DROP INDEX search_entry_fts_exact")
        rebuild.rebuild(chunk=3, workers=1, restart=True)  # entries exist: not in bulk mode
        assert _fulltext_indexes() == set(rebuild.FULLTEXT_INDEXES)  # built first
    else:
        assert ddl == []
    assert found(demo.user("vanthu"), "dan van") == {d.pk for d in docs}


def test_long_attachment_text_is_stored_compressed_and_still_found_by_its_last_words(
    demo: Any, docs: Any
) -> None:
    """PostgreSQL keeps the word columns with lz4 (migration 0007) and the tsvectors without
    compression; a search still finds the words at the end of a long, compressed text."""
    from django.db import connection

    from vanphong.search import indexing

    doc = docs[0]
    IncomingDocument.objects.filter(pk=doc.pk).update(
        notes=" ".join(["Triển khai nghị quyết của Ban Chấp hành."] * 400) + " Kết thúc quý tư."
    )
    indexing.index_objects(Kind.INCOMING, [doc.pk])
    assert doc.pk in found(demo.user("vanthu"), '"ket thuc quy tu"')  # index-driven shape
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, attcompression, attstorage FROM pg_attribute "
                "WHERE attrelid = 'search_searchentry'::regclass AND attname IN "
                "('head_exact', 'head_folded', 'fts_folded', 'fts_exact')"
            )
            columns = {name: (compression, storage) for name, compression, storage in cursor}
            cursor.execute(
                "SELECT pg_column_compression(head_folded) FROM search_searchentry "
                "WHERE kind = 'incoming' AND object_id = %s",
                [doc.pk],
            )
            stored = cursor.fetchone()[0]
        assert columns["fts_folded"][1] == columns["fts_exact"][1] == "e"  # external, no pglz
        assert columns["head_exact"][0] == columns["head_folded"][0] == "l"
        assert stored == "lz4"
    else:
        assert connection.vendor == "sqlite"


def test_writing_an_entry_that_another_worker_created_meanwhile_raises_integrity_error(
    demo: Any, docs: Any
) -> None:
    """The indexing redoes a range on IntegrityError (another worker created the same entry);
    PostgreSQL's COPY reaches psycopg directly, and its error must still be Django's."""
    from django.db import IntegrityError, connection, transaction
    from django.utils import timezone

    from vanphong.search import indexing
    from vanphong.search.models import entry_id

    rebuild.rebuild(chunk=50, workers=1)
    doc = docs[0]
    values = SearchEntry.objects.filter(kind=Kind.INCOMING, object_id=doc.pk).values_list(
        *indexing.UPDATED
    )[0]
    row = (entry_id(Kind.INCOMING, doc.pk), Kind.INCOMING.value, doc.pk, *values, timezone.now())
    write = indexing._copy if connection.vendor == "postgresql" else indexing._insert
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        write(cursor, table, [row])
    assert SearchEntry.objects.filter(kind=Kind.INCOMING, object_id=doc.pk).count() == 1
