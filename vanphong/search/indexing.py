"""Keeping the index in step: entries built from the documents, the outbox drained, rebuilds in
chunks. Every function here is idempotent: running it twice leaves the same index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import IntegrityError, connection, transaction

from vanphong.documents.models import DocumentFile, IncomingDocument
from vanphong.files import extract
from vanphong.files.models import BlobText, ExtractStatus
from vanphong.search.models import Kind, Outbox, SearchEntry
from vanphong.search.outbox import enqueue_many
from vanphong.search.text import exact_text, folded_text

CHUNK = 1000
MAX_BODY_CHARS = 400_000  # a tsvector must stay under 1 MB; more text adds little to recall
UPDATED = [
    "organisation_id",
    "secrecy",
    "doc_date",
    "doc_type_id",
    "sender_id",
    "status",
    "urgency",
    "lead_unit_id",
    "head_folded",
    "head_exact",
    "body_folded",
    "body_exact",
]


def _head(doc: IncomingDocument) -> str:
    parts = [
        doc.code_notation,
        doc.summary,
        doc.sender.full_name,
        doc.sender.short_name,
        doc.signer_name,
    ]
    parts.append(doc.notes)
    parts.append(doc.doc_type.name)
    return "\n".join(p for p in parts if p)


def _incoming_entries(ids: list[int]) -> dict[int, SearchEntry]:
    docs = IncomingDocument.objects.filter(pk__in=ids).select_related("sender", "doc_type")
    blobs_by_doc: dict[int, list[str]] = defaultdict(list)
    for doc_id, blob_id in DocumentFile.objects.filter(document_id__in=ids).values_list(
        "document_id", "blob_id"
    ):
        blobs_by_doc[doc_id].append(blob_id)
    wanted = {b for blobs in blobs_by_doc.values() for b in blobs}
    _request_extraction(sorted(wanted))
    texts = dict(
        BlobText.objects.filter(blob_id__in=wanted, status=ExtractStatus.DONE).values_list(
            "blob_id", "text"
        )
    )
    entries = {}
    for doc in docs:
        body = "\n".join(texts.get(b, "") for b in blobs_by_doc.get(doc.pk, []))
        body = "" if doc.content_withheld else body[:MAX_BODY_CHARS]
        head = _head(doc)
        entries[doc.pk] = SearchEntry(
            kind=Kind.INCOMING,
            object_id=doc.pk,
            organisation_id=doc.organisation_id,
            secrecy=doc.secrecy,
            doc_date=doc.arrival_date,
            doc_type_id=doc.doc_type_id,
            sender_id=doc.sender_id,
            status=doc.status,
            urgency=doc.urgency,
            lead_unit_id=doc.lead_unit_id,
            head_folded=folded_text(head),
            head_exact=exact_text(head),
            body_folded=folded_text(body),
            body_exact=exact_text(body),
        )
    return entries


def _request_extraction(blob_ids: list[str]) -> None:
    """Files never read yet: queue their text extraction (after commit, in the worker)."""
    new = extract.request(blob_ids)
    if new:
        from vanphong.files.tasks import extract_text

        transaction.on_commit(lambda: [extract_text(b) for b in new])


def reindex_blob_users(blob_id: str) -> int:
    """A file's text is ready: re-index every document that carries it."""
    with transaction.atomic():
        ids = DocumentFile.objects.filter(blob_id=blob_id).values_list("document_id", flat=True)
        count = enqueue_many(Kind.INCOMING, sorted(set(ids)))
    return count


BUILDERS: dict[str, Callable[[list[int]], dict[int, SearchEntry]]] = {
    Kind.INCOMING: _incoming_entries,
}


def index_objects(kind: str, ids: Iterable[int]) -> int:
    """Create, refresh or drop the entries of these objects; returns how many rows changed."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _apply(kind, ids)
        except IntegrityError:  # another worker created the same entry meanwhile: redo
            if attempt:
                raise
    return 0


def _apply(kind: str, ids: list[int]) -> int:
    fresh = BUILDERS[kind](ids)
    existing = {e.object_id: e for e in SearchEntry.objects.filter(kind=kind, object_id__in=ids)}
    gone = [e.pk for oid, e in existing.items() if oid not in fresh]
    changed = []
    for oid, entry in fresh.items():
        old = existing.get(oid)
        if old is None:
            continue
        if any(getattr(old, f) != getattr(entry, f) for f in UPDATED):
            entry.pk = old.pk
            changed.append(entry)
    new = [e for oid, e in fresh.items() if oid not in existing]
    if gone:
        SearchEntry.objects.filter(pk__in=gone).delete()
    for entry in changed:
        entry.save(update_fields=[*UPDATED, "indexed_at"])
    SearchEntry.objects.bulk_create(new, batch_size=500)
    return len(gone) + len(changed) + len(new)


def drain(limit: int = 5000) -> int:
    """Index what the outbox holds, oldest first, in chunks; a crash loses nothing (rows are
    removed only after their entries are written)."""
    done = 0
    while done < limit:
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


def rebuild(
    kind: str = Kind.INCOMING,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-index every object, `chunk` at a time (bounded memory), then drop orphaned entries."""
    if kind != Kind.INCOMING:
        raise ValueError(kind)
    last, total = 0, 0
    while True:
        ids = list(
            IncomingDocument.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            break
        index_objects(kind, ids)
        last, total = ids[-1], total + len(ids)
        if progress:
            progress(total)
    last = 0
    while True:
        rows = list(
            SearchEntry.objects.filter(kind=kind, pk__gt=last)
            .order_by("pk")
            .values_list("pk", "object_id")[:chunk]
        )
        if not rows:
            break
        alive = set(
            IncomingDocument.objects.filter(pk__in=[o for _, o in rows]).values_list(
                "pk", flat=True
            )
        )
        dead = [pk for pk, oid in rows if oid not in alive]
        if dead:
            SearchEntry.objects.filter(pk__in=dead).delete()
        last = rows[-1][0]
    optimise()
    return total


def optimise() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchentry")
