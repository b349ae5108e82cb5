"""The one search entry point for pages, the API and the benchmark.

Permissions are part of the SQL: each entry must have a visible object (EXISTS over the object
with the policy's own scope: "documents.incoming" for incoming documents, "archive.records" for
archive records), so counts and pages never include a row the user may not see.

The query shape depends on the user (see `search.backends`): someone who sees only the documents
they take part in, and takes part in at most `CANDIDATE_LIMIT` of them, is searched from those
documents; everyone else (readers of the archive included) from the full-text index. Counting
stops at `MAX_RESULTS` + 1 ("hơn 1.000 kết quả"): pages beyond the first thousand matches are not
offered; a narrower query is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from vanphong.archive.models import ArchiveRecord, RecordFile
from vanphong.core.models import Secrecy, User
from vanphong.core.policy import can, filter_visible
from vanphong.documents import access
from vanphong.documents.models import DocumentFile, IncomingDocument, WorkItem
from vanphong.files.models import BlobText, ExtractStatus
from vanphong.search import backends
from vanphong.search.highlight import mark, snippet
from vanphong.search.models import Kind, SavedSearch, SearchEntry
from vanphong.search.query import Query, parse

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 500
SORTS = {"relevance": "Liên quan nhất", "date": "Mới nhất"}
# Above this many documents taken part in, the full-text index is the faster way in: reading the
# user's entries one by one costs about 10 µs each, while the index yields the newest matches and
# stops at MAX_RESULTS + 1 visible ones.
CANDIDATE_LIMIT = 20_000


@dataclass
class SearchParams:
    q: str = ""
    typing: bool = False
    kind: str = ""
    doc_type_id: int | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    sender_id: int | None = None
    lead_unit_id: int | None = None
    status: str = ""
    urgency: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def has_filters(self) -> bool:
        return any(
            v not in (None, "")
            for v in (
                self.kind,
                self.doc_type_id,
                self.year,
                self.date_from,
                self.date_to,
                self.sender_id,
                self.lead_unit_id,
                self.status,
                self.urgency,
            )
        )


@dataclass
class Hit:
    kind: str
    label: str  # "Văn bản đến", "Hồ sơ lưu trữ"
    object_id: int
    url: str
    number: str
    code_notation: str
    title: SafeString
    snippet: SafeString
    date: date
    sender: str
    doc_type: str
    status: str
    secrecy: str
    is_secret: bool
    rank: float


@dataclass
class SearchPage:
    query: Query
    params: SearchParams
    hits: list[Hit] = field(default_factory=list)
    total: int = 0  # at most MAX_RESULTS + 1: see `more`
    message: str = ""
    shape: str = ""  # "candidates" or "index": how the database was asked (for measurements)

    @property
    def more(self) -> bool:
        """More matches than were counted: the total shown is "hơn MAX_RESULTS"."""
        return self.total > backends.MAX_RESULTS

    @property
    def count_text(self) -> str:
        """The count as the page prints it: "1.234" or "hơn 1.000"."""
        text = f"{self.shown_total:,}".replace(",", ".")
        return f"hơn {text}" if self.more else text

    @property
    def shown_total(self) -> int:
        return min(self.total, backends.MAX_RESULTS)

    @property
    def pages(self) -> int:
        per_page = self.params.per_page
        return min(MAX_PAGE, (self.shown_total + per_page - 1) // per_page)

    @property
    def has_next(self) -> bool:
        return self.params.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.params.page > 1


def visible_entries(user: User) -> QuerySet[SearchEntry]:
    """Entries of objects the user may see, by the same policy scopes as every list."""
    if user.organisation_id is None:
        return SearchEntry.objects.none()
    incoming = filter_visible(
        user,
        "documents.incoming",
        IncomingDocument.objects.filter(pk=OuterRef("object_id")).only("pk"),
    )
    visible: Q = Q(kind=Kind.INCOMING) & Q(Exists(incoming))
    if reads_archive(user):
        records = filter_visible(
            user,
            "archive.records",
            ArchiveRecord.objects.filter(pk=OuterRef("object_id")).only("pk"),
        )
        visible |= Q(kind=Kind.ARCHIVE) & Q(Exists(records))
    return SearchEntry.objects.filter(
        organisation_id=user.organisation_id, secrecy__lte=user.clearance
    ).filter(visible)


def reads_archive(user: User) -> bool:
    """May open the archive at all; which records is the "archive.records" scope's business."""
    return can(user, "archive.view")


# Filters that only documents have: an archive record has no type from the catalogue, sender,
# lead unit, status or urgency, so any of them narrows the search to documents.
_DOCUMENT_FILTERS = ("doc_type_id", "sender_id", "lead_unit_id", "status", "urgency")


def _filtered(entries: QuerySet[SearchEntry], p: SearchParams) -> QuerySet[SearchEntry]:
    if p.kind:
        entries = entries.filter(kind=p.kind)
    if any(getattr(p, name) not in (None, "") for name in _DOCUMENT_FILTERS):
        entries = entries.filter(kind=Kind.INCOMING)
    if p.doc_type_id:
        entries = entries.filter(doc_type_id=p.doc_type_id)
    if p.year:
        entries = entries.filter(
            doc_date__gte=date(p.year, 1, 1), doc_date__lte=date(p.year, 12, 31)
        )
    if p.date_from:
        entries = entries.filter(doc_date__gte=p.date_from)
    if p.date_to:
        entries = entries.filter(doc_date__lte=p.date_to)
    if p.sender_id:
        entries = entries.filter(sender_id=p.sender_id)
    if p.lead_unit_id:
        entries = entries.filter(lead_unit_id=p.lead_unit_id)
    if p.status:
        entries = entries.filter(status=p.status)
    if p.urgency is not None:
        entries = entries.filter(urgency=p.urgency)
    return entries


def candidate_documents(user: User) -> QuerySet[WorkItem, Any] | None:
    """The documents a user takes part in, when that is all the policy lets them see and there
    are at most CANDIDATE_LIMIT of them; None otherwise (the index drives the query).

    A superset of what `documents.policy_rules.visibility_q` shows such a user (documents of
    their work items, secret ones included): the policy's own condition stays in the query, so
    this only chooses where the database starts, never what it returns."""
    if user.organisation_id is None:
        return None
    if user.has_role(*access.REGISTER_WIDE_ROLES) or access.delegators_of(user):
        return None
    if reads_archive(user):  # the candidates are documents only: the index finds the records
        return None
    items = WorkItem.objects.filter(user_id=user.pk)
    if items[: CANDIDATE_LIMIT + 1].count() > CANDIDATE_LIMIT:
        return None
    return items.values("document_id")


def search(user: User, params: SearchParams) -> SearchPage:
    query = parse(params.q, typing=params.typing)
    params.page = max(1, min(params.page, MAX_PAGE))
    params.per_page = max(1, min(params.per_page, MAX_PER_PAGE))
    if params.sort not in SORTS:
        params.sort = "relevance"
    result = SearchPage(query=query, params=params)
    if query.empty and not params.has_filters:
        result.message = (
            "Hãy nhập từ khóa để tìm."
            if not query.text
            else "Từ khóa không có chữ hoặc số nào để tìm; hãy nhập từ cần tìm."
        )
        return result
    entries = _filtered(visible_entries(user), params)
    drive = candidate_documents(user)
    result.shape = "candidates" if drive is not None else "index"
    start = (params.page - 1) * params.per_page
    if start >= backends.MAX_RESULTS:
        start, params.page = 0, 1
    limit = min(params.per_page, backends.MAX_RESULTS - start)
    rows: Sequence[Mapping[str, Any]]
    if query.empty:  # filters only: the newest documents that pass them
        if drive is not None:
            entries = entries.filter(object_id__in=drive)
        result.total = entries.order_by()[: backends.MAX_RESULTS + 1].count()
        ordered = entries.order_by("-doc_date", "-object_id")
        rows = list(ordered.values("kind", "object_id")[start : start + limit])
    else:
        found = backends.engine(entries.db).page(
            entries,
            query,
            sort=params.sort,
            offset=start,
            limit=limit,
            candidates=drive,
        )
        result.total, rows = found.total, found.rows
    if not result.total:
        result.message = "Không tìm thấy văn bản hoặc hồ sơ nào phù hợp."
        return result
    result.hits = _hydrate(rows, query)
    return result


def _texts(blob_ids: set[str]) -> dict[str, str]:
    # by primary key only: with `status` in the WHERE clause SQLite without statistics walked the
    # status index over every extracted file (160 ms at a million documents)
    return {
        blob_id: text
        for blob_id, status, text in BlobText.objects.filter(blob_id__in=blob_ids).values_list(
            "blob_id", "status", "text"
        )
        if status == ExtractStatus.DONE
    }


def _hydrate(rows: Sequence[Mapping[str, Any]], query: Query) -> list[Hit]:
    found = {
        **{(Kind.INCOMING.value, h.object_id): h for h in _incoming_hits(rows, query)},
        **{(Kind.ARCHIVE.value, h.object_id): h for h in _archive_hits(rows, query)},
    }
    hits = []
    for row in rows:
        hit = found.get((row["kind"], row["object_id"]))
        if hit is not None:  # None: deleted since it was indexed
            hit.rank = float(row.get("rank") or 0.0)
            hits.append(hit)
    return hits


# What a hit shows of an incoming document, read as plain values: model instances with their
# sender and type (select_related) cost about a millisecond per page in Python alone.
_HIT_FIELDS = (
    "pk",
    "content_withheld",
    "code_notation",
    "summary",
    "notes",
    "signer_name",
    "arrival_number",
    "arrival_date",
    "sender__full_name",
    "doc_type__name",
    "status",
    "secrecy",
)
_STATUS_LABELS = dict(IncomingDocument._meta.get_field("status").flatchoices)
_SECRECY_LABELS = dict(Secrecy.choices)


def _url_maker(name: str) -> Callable[[int], str]:
    """The URL of `name` for any pk, reversed once per page rather than once per hit."""
    marker = 918_273_645
    before, after = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


def _incoming_hits(rows: Sequence[Mapping[str, Any]], query: Query) -> list[Hit]:
    ids = [r["object_id"] for r in rows if r["kind"] == Kind.INCOMING]
    if not ids:
        return []
    files: dict[int, list[str]] = {}
    for doc_id, blob_id in DocumentFile.objects.filter(document_id__in=ids).values_list(
        "document_id", "blob_id"
    ):
        files.setdefault(doc_id, []).append(blob_id)
    # the texts by primary key, not joined through the files: PostgreSQL without statistics on
    # the files tables hashed every stored file for that join (37 ms a page at 200,000)
    texts = _texts({b for blobs in files.values() for b in blobs})
    url = _url_maker("documents:detail")
    hits = []
    for row in IncomingDocument.objects.filter(pk__in=ids).order_by().values_list(*_HIT_FIELDS):
        pk, withheld, code_notation, summary, notes, signer_name = row[:6]
        number, arrived, sender, doc_type, status, secrecy = row[6:]
        head = f"{code_notation} – {'Văn bản mật' if withheld else summary}"
        bodies = [] if withheld else [notes, *(texts.get(b, "") for b in files.get(pk, []))]
        hits.append(
            Hit(
                kind=Kind.INCOMING.value,
                label=Kind.INCOMING.label,
                object_id=pk,
                url=url(pk),
                number=f"Số đến {number}",
                code_notation=code_notation,
                title=mark(head, query),
                snippet=snippet([signer_name and f"Người ký: {signer_name}", *bodies], query)
                if any(bodies) or signer_name
                else mark("", query),
                date=arrived,
                sender=sender,
                doc_type=doc_type,
                status=_STATUS_LABELS.get(status, status),
                secrecy=_SECRECY_LABELS.get(secrecy, str(secrecy)),
                is_secret=secrecy > Secrecy.NONE,
                rank=0.0,
            )
        )
    return hits


def _archive_hits(rows: Sequence[Mapping[str, Any]], query: Query) -> list[Hit]:
    ids = [r["object_id"] for r in rows if r["kind"] == Kind.ARCHIVE]
    if not ids:
        return []
    records = ArchiveRecord.objects.in_bulk(ids)
    files: dict[int, list[str]] = {}
    for record_id, blob_id in RecordFile.objects.filter(record_id__in=ids).values_list(
        "record_id", "blob_id"
    ):
        files.setdefault(record_id, []).append(blob_id)
    texts = _texts({b for blobs in files.values() for b in blobs})
    hits = []
    for record in records.values():
        bodies = list(dict.fromkeys(t for b in files.get(record.pk, []) if (t := texts.get(b))))
        title = " – ".join(p for p in (record.code_notation, record.subject) if p) or str(record)
        hits.append(
            Hit(
                kind=Kind.ARCHIVE.value,
                label=Kind.ARCHIVE.label,
                object_id=record.pk,
                url=reverse("archive:detail", args=[record.pk]),
                number=f"Hồ sơ {record.file_notation}" if record.file_notation else "",
                code_notation=record.code_notation,
                title=mark(title, query),
                snippet=snippet(bodies, query) if bodies else mark("", query),
                date=record.issued_date or timezone.localdate(record.created_at),
                sender=record.organ_name,
                doc_type=record.type_name,
                status=record.maintenance and f"Bảo quản: {record.maintenance}",
                secrecy=record.get_secrecy_display(),
                is_secret=record.secrecy > Secrecy.NONE,
                rank=0.0,
            )
        )
    return hits


def saved_searches(user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user)
