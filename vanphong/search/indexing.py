"""Keeping the index in step: entries built from the documents, the outbox drained.

Services call `enqueue(kind, id)` in the transaction that changes an indexed object (for incoming
documents: `documents.services.common.record`, which every write of a document goes through; for
archive records: `archive.services.record_create` and `record_text_ready`, after the OCR); the
worker drains the outbox after commit. Every function here is idempotent: running it twice leaves
the same index. Full rebuilds (parallel, resumable) are in `search.rebuild`.

Entries are read with one query per chunk (documents with their sender and type, then files with
their extracted text) and written with plain multi-row statements: at a million documents the
ORM's per-object work was most of the indexing time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from vanphong.archive.models import ArchiveRecord, RecordFile
from vanphong.documents.models import DocumentFile, IncomingDocument
from vanphong.files import extract
from vanphong.files.models import ExtractStatus
from vanphong.search.models import Kind, Outbox, SearchEntry, entry_id
from vanphong.search.outbox import enqueue, enqueue_many
from vanphong.search.text import both_forms

__all__ = ["enqueue", "enqueue_many", "index_objects", "index_range", "drain", "reindex_blob_users"]

CHUNK = 2000
MAX_BODY_CHARS = 400_000  # a tsvector must stay under 1 MB; more text adds little to recall
FILTER_COLUMNS = (
    "organisation_id",
    "secrecy",
    "doc_date",
    "doc_type_id",
    "sender_id",
    "status",
    "urgency",
    "lead_unit_id",
)
TEXT_COLUMNS = ("head_folded", "head_exact", "body_folded", "body_exact")
UPDATED = (*FILTER_COLUMNS, *TEXT_COLUMNS)

# (organisation_id, secrecy, doc_date, doc_type_id, sender_id, status, urgency, lead_unit_id,
#  head_folded, head_exact, body_folded, body_exact): the values of UPDATED, in that order
Values = tuple[Any, ...]
# (the object's row as read, its files' texts): everything its entry is made of
Source = tuple[tuple[Any, ...], tuple[str, ...]]

_DOC_FIELDS = (
    "pk",
    "organisation_id",
    "secrecy",
    "arrival_date",
    "doc_type_id",
    "sender_id",
    "status",
    "urgency",
    "lead_unit_id",
    "content_withheld",
    "code_notation",
    "summary",
    "sender__full_name",
    "sender__short_name",
    "signer_name",
    "notes",
    "doc_type__name",
)


def _incoming_sources(
    first: int, last: int, ids: list[int] | None, *, request_missing: bool = True
) -> dict[int, Source]:
    """What the entries of the incoming documents first <= id <= last (only `ids` if given) are
    made of: the document's row and its attachments' texts, as read from the database."""
    docs = IncomingDocument.objects.filter(pk__gte=first, pk__lte=last)
    files = DocumentFile.objects.filter(document_id__gte=first, document_id__lte=last)
    if ids is not None:
        docs, files = docs.filter(pk__in=ids), files.filter(document_id__in=ids)
    bodies: dict[int, list[str]] = defaultdict(list)
    unread: list[str] = []
    for doc_id, blob_id, status, text in files.order_by("document_id", "id").values_list(
        "document_id", "blob_id", "blob__extracted__status", "blob__extracted__text"
    ):
        if status is None:
            unread.append(blob_id)
        elif status == ExtractStatus.DONE and text:
            bodies[doc_id].append(text)
    if unread and request_missing:
        _request_extraction(sorted(set(unread)))
    return {row[0]: (row, tuple(bodies.get(row[0], ()))) for row in docs.values_list(*_DOC_FIELDS)}


def _incoming_shape(source: Source) -> Values:
    row, texts = source
    org, secrecy, arrived, type_id, sender_id, status, urgency, unit, withheld = row[1:10]
    head = "\n".join(p for p in row[10:] if p)
    body = "" if withheld else "\n".join(texts)[:MAX_BODY_CHARS]
    return (
        org,
        secrecy,
        arrived,
        type_id,
        sender_id,
        status,
        urgency,
        unit,
        *both_forms(head),
        *both_forms(body),
    )


def _request_extraction(blob_ids: list[str]) -> None:
    """Files never read yet: queue their text extraction (after commit, in the worker)."""
    new = extract.request(blob_ids)
    if new:
        from vanphong.files.tasks import extract_text

        transaction.on_commit(lambda: [extract_text(b) for b in new])


_ARCHIVE_FIELDS = (
    "pk",
    "organisation_id",
    "secrecy",
    "issued_date",
    "created_at",
    "file_notation",
    "code_number",
    "code_notation",
    "subject",
    "type_name",
    "organ_name",
    "maintenance",
)


def _archive_sources(
    first: int, last: int, ids: list[int] | None, *, request_missing: bool = True
) -> dict[int, Source]:
    """What the entries of the archive records first <= id <= last (only `ids` if given) are
    made of. The body is the extracted (OCR) text of the record's files. A file not read yet is
    left to its digitisation batch, which runs the OCR and queues the record again when done."""
    records = ArchiveRecord.objects.filter(pk__gte=first, pk__lte=last)
    files = RecordFile.objects.filter(record_id__gte=first, record_id__lte=last)
    if ids is not None:
        records, files = records.filter(pk__in=ids), files.filter(record_id__in=ids)
    bodies: dict[int, list[str]] = defaultdict(list)
    for record_id, status, text in files.order_by("record_id", "id").values_list(
        "record_id", "blob__extracted__status", "blob__extracted__text"
    ):
        # a multi-page TIFF and the PDF made of it may carry the same text: once is enough
        if status == ExtractStatus.DONE and text and text not in bodies[record_id]:
            bodies[record_id].append(text)
    rows = records.values_list(*_ARCHIVE_FIELDS)
    return {row[0]: (row, tuple(bodies.get(row[0], ()))) for row in rows}


def _archive_shape(source: Source) -> Values:
    row, texts = source
    org, secrecy, issued, created = row[1:5]
    day = issued or timezone.localdate(created)
    head = "\n".join(p for p in (*row[5:], issued and issued.strftime("%d/%m/%Y")) if p)
    body = "\n".join(texts)[:MAX_BODY_CHARS]
    return (
        org,
        secrecy,
        day,
        None,
        None,
        "",
        0,
        None,
        *both_forms(head),
        *both_forms(body),
    )


def reindex_blob_users(blob_id: str) -> int:
    """A file's text is ready: re-index every document and archive record that carries it."""
    with transaction.atomic():
        ids = DocumentFile.objects.filter(blob_id=blob_id).values_list("document_id", flat=True)
        count = enqueue_many(Kind.INCOMING, sorted(set(ids)))
        records = RecordFile.objects.filter(blob_id=blob_id).values_list("record_id", flat=True)
        count += enqueue_many(Kind.ARCHIVE, sorted(set(records)))
    return count


SOURCES: dict[str, Callable[..., dict[int, Source]]] = {
    Kind.INCOMING: _incoming_sources,
    Kind.ARCHIVE: _archive_sources,
}
SHAPES: dict[str, Callable[[Source], Values]] = {
    Kind.INCOMING: _incoming_shape,
    Kind.ARCHIVE: _archive_shape,
}
# Per object id: the source read and the entry values made from it, ahead of the write.
Prepared = dict[int, tuple[Source, Values]]


def prepare_range(kind: str, first: int, last: int) -> Prepared:
    """Read and fold a range before its write transaction. Folding is most of indexing's CPU;
    done inside the transaction it held SQLite's write lock (transactions take it at BEGIN), so
    the rebuild's lanes ran one at a time. `index_range(..., prepared=...)` reads the sources
    again inside its transaction and folds again only what changed in between."""
    sources = SOURCES[kind](first, last, None, request_missing=False)
    shape = SHAPES[kind]
    return {oid: (source, shape(source)) for oid, source in sources.items()}


def index_objects(kind: str, ids: Iterable[int]) -> int:
    """Create, refresh or drop the entries of these objects; returns how many rows changed."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    return _index(kind, wanted[0], wanted[-1], wanted)


def index_range(kind: str, first: int, last: int, *, prepared: Prepared | None = None) -> int:
    """Create, refresh or drop the entries of every object with first <= id <= last."""
    return _index(kind, first, last, None, prepared)


def _index(
    kind: str, first: int, last: int, ids: list[int] | None, prepared: Prepared | None = None
) -> int:
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _apply(kind, first, last, ids, prepared)
        except IntegrityError:  # another worker created the same entry meanwhile: redo
            if attempt:
                raise
    return 0


def _apply(
    kind: str, first: int, last: int, ids: list[int] | None, prepared: Prepared | None
) -> int:
    shape, ready = SHAPES[kind], prepared or {}
    fresh: dict[int, Values] = {}
    for oid, source in SOURCES[kind](first, last, ids).items():
        done = ready.get(oid)
        fresh[oid] = done[1] if done is not None and done[0] == source else shape(source)
    current = SearchEntry.objects.filter(kind=kind, object_id__gte=first, object_id__lte=last)
    if ids is not None:
        current = current.filter(object_id__in=ids)
    existing = {row[1]: row for row in current.values_list("pk", "object_id", *UPDATED)}
    gone = [row[0] for oid, row in existing.items() if oid not in fresh]
    changed = [
        (*values, existing[oid][0])
        for oid, values in fresh.items()
        if oid in existing and _differs(existing[oid][2:], values)
    ]
    new = [
        (entry_id(kind, oid), kind, oid, *values)
        for oid, values in fresh.items()
        if oid not in existing
    ]
    if gone:
        SearchEntry.objects.filter(pk__in=gone).delete()
    now = timezone.now()
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    with connection.cursor() as cursor:
        if changed:
            sets = ", ".join(f"{c} = %s" for c in (*UPDATED, "indexed_at"))
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",
                [(*row[:-1], now, row[-1]) for row in changed],
            )
        if new:
            rows = [(*row, now) for row in new]
            if connection.vendor == "postgresql":
                _copy(cursor, table, rows)
            else:
                _insert(cursor, table, rows)
                _insert_fulltext(cursor, table, [row[0] for row in new])
    return len(gone) + len(changed) + len(new)


_INSERT_COLUMNS = ("id", "kind", "object_id", *UPDATED, "indexed_at")


def _insert(cursor: Any, table: str, rows: Sequence[tuple[Any, ...]], per: int = 200) -> None:
    """Multi-row INSERTs of `per` rows (one statement each: far fewer round trips)."""
    columns = ", ".join(_INSERT_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(_INSERT_COLUMNS)) + ")"
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))}",
            [value for row in part for value in row],
        )


def _copy(cursor: Any, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL: the new entries by COPY, one stream for the whole range (no statement to
    parse and no parameter list to bind per 200 rows: the server's share of a rebuild). COPY
    goes to psycopg directly, so its errors are mapped to Django's here (an entry created
    meanwhile by another worker must raise IntegrityError, which `_index` redoes)."""
    statement = f"COPY {table} ({', '.join(_INSERT_COLUMNS)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_fulltext(cursor: Any, table: str, ids: Sequence[int], per: int = 500) -> None:
    """SQLite: the new entries into the FTS5 table, read back from the entries, by statement
    (updates and deletes follow by triggers). An AFTER INSERT trigger did the same row by row
    and, with the ids given by the INSERT, cost three times the whole insert (migration 0006
    drops it)."""
    columns = ", ".join(TEXT_COLUMNS)
    for start in range(0, len(ids), per):
        part = sorted(ids[start : start + per])
        cursor.execute(
            f"INSERT INTO search_fts(rowid, {columns}) SELECT id, {columns} FROM {table} "
            f"WHERE id IN ({', '.join(['%s'] * len(part))}) ORDER BY id",
            part,
        )


def _differs(old: Sequence[Any], new: Sequence[Any]) -> bool:
    for a, b in zip(old, new, strict=True):
        if isinstance(b, date) and not isinstance(a, date):
            a = date.fromisoformat(str(a))
        if a != b:
            return True
    return False


def drain(limit: int | None = 5000) -> int:
    """Index what the outbox holds, oldest first, in chunks, until it is empty (or `limit` rows
    are done); a crash loses nothing (rows are removed only after their entries are written)."""
    done = 0
    while limit is None or done < limit:
        rows = list(Outbox.objects.order_by("id").values_list("id", "kind", "object_id")[:CHUNK])
        if not rows:
            break
        by_kind: dict[str, set[int]] = defaultdict(set)
        for _, kind, object_id in rows:
            by_kind[kind].add(object_id)
        for kind, ids in by_kind.items():
            index_objects(kind, ids)
        last = rows[-1][0]
        for kind, ids in by_kind.items():
            Outbox.objects.filter(id__lte=last, kind=kind, object_id__in=ids).delete()
        done += len(rows)
    return done
