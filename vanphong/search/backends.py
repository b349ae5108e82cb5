"""The two engines behind one interface, and the two query shapes each of them runs.

A search returns at most `MAX_RESULTS` + 1 matching entries (the count shown is capped: "hơn
1.000 kết quả"), ranks only those, and returns one page of them. Two shapes:

- **index-driven** (users who see a large part of the register): the full-text index yields the
  matches newest first (FTS5 `ORDER BY rowid DESC`; on PostgreSQL the newest `NEWEST_WINDOW`
  entries are walked backwards first, and the GIN index is used only when they hold too few
  matches); each is checked against the permission and filter conditions until `MAX_RESULTS` + 1
  have passed;
- **candidate-driven** (users who see only the documents they take part in): the entries of those
  documents are read by id (an entry's id derives from its document's id), newest first, and
  their stored words matched with `instr`/`strpos` until `MAX_RESULTS` + 1 have passed; the
  full-text index is not used, so a frequent word costs nothing extra.

Both shapes match the same words: the text columns hold words already tokenised in Python,
each with one space before and after (" w1 w2 w3 "), so the phrase "w1 w2" (prefix: "w1 w2…")
occurs in a column exactly when " w1 w2 " (" w1 w2") is a substring of it. The rank is computed
the same way in both shapes and both engines (metadata matches weigh ten times attachment text,
repeated words in the attachments count up to five times), so a query gives the same order
everywhere.
Permissions and filters are the caller's queryset WHERE clause, compiled by Django: no shape ever
returns or counts a row the policy hides.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import QuerySet

from vanphong.search.models import ID_SLOTS, SLOTS, Kind, SearchEntry
from vanphong.search.query import Query, Term, fts5_expression, tsquery

MAX_RESULTS = 1000  # matches counted and ranked per search; more shows "hơn 1.000"
HEAD_WEIGHT, BODY_WEIGHT = 10, 1  # metadata (trích yếu, số ký hiệu...) vs attachments' text
BODY_REPEATS = 5  # occurrences in the attachments that still raise the rank
NEWEST_WINDOW = 20_000  # PostgreSQL: entries searched first, newest first (PostgresEngine)
SECOND_WINDOW_MAX = 80_000  # ... and at most this many more when the first held too few

TABLE = SearchEntry._meta.db_table


@dataclass
class Result:
    total: int  # matching entries, at most MAX_RESULTS + 1
    rows: list[dict[str, Any]]  # the page: kind, object_id, rank

    @property
    def more(self) -> bool:
        return self.total > MAX_RESULTS


def _entry_ids(documents: QuerySet[Any, Any], key: str) -> tuple[str, list[Any]]:
    """A subquery of the entry ids (`models.entry_id`) of `documents` (a query of their ids),
    each written as `key` writes an entry's id ("{}" or "(-{})")."""
    sql, params = documents.query.sql_with_params()
    entry = f"(d.document_id * {ID_SLOTS} + {SLOTS[Kind.INCOMING.value]})"
    return f"SELECT {key.format(entry)} FROM ({sql}) AS d", list(params)


def _columns(term: Term) -> tuple[str, str]:
    return ("head_exact", "body_exact") if term.exact else ("head_folded", "body_folded")


def _pattern(term: Term) -> str:
    return " " + " ".join(term.words) + ("" if term.prefix else " ")


class Engine(ABC):
    """What both back-ends share; each says how the full-text index matches (`matches`)."""

    vendor = ""
    find = "instr"  # position of a substring: instr(haystack, needle) / strpos(...)
    least = "min"
    octets = "length(CAST({} AS BLOB))"  # a text's size in bytes, without counting characters
    member = "{} IN ({})"  # a column's value among a subquery's
    # The candidate-driven shape's walk, newest first: how it writes an entry's id (the lookup
    # and the order) and in which direction it orders.
    walk_key, walk_order = "{}", "DESC"

    def _contains(self, column: str) -> str:
        return f"{self.find}({TABLE}.{column}, %s) > 0"

    def terms_sql(self, query: Query) -> tuple[str, list[Any]]:
        """Every term in the head or the body of the entry (candidate-driven matching)."""
        parts, params = [], []
        for term in query.terms:
            head, body = _columns(term)
            parts.append(f"({self._contains(head)} OR {self._contains(body)})")
            params += [_pattern(term)] * 2
        return " AND ".join(parts), params

    def rank_sql(self, query: Query) -> tuple[str, list[Any]]:
        parts, params = [], []
        for term in query.terms:
            head, body = _columns(term)
            text, size = f"{TABLE}.{body}", self.octets.format
            removed = "replace(" + text + ", %s, '')"
            count = f"(({size(text)} - {size(removed)}) / {size('%s')})"
            parts.append(
                f"(CASE WHEN {self._contains(head)} THEN {HEAD_WEIGHT} ELSE 0 END"
                f" + {BODY_WEIGHT} * {self.least}({count}, {BODY_REPEATS}))"
            )
            params += [_pattern(term)] * 3
        return " + ".join(parts) or "0", params

    def candidate_source(
        self, candidates: QuerySet[Any, Any], condition: str
    ) -> tuple[str, list[Any]]:
        """The FROM ... WHERE `condition` ... ORDER BY of the candidate-driven shape, and the
        params that come before the condition's: the user's entries by their ids, newest first,
        so the search reads no further than the newest MAX_RESULTS + 1 matches (SQLite walks the
        IN list of ids backwards, PostgreSQL the index on -id forwards with the array of negated
        ids: no sort)."""
        key = self.walk_key.format(f"{TABLE}.id")
        ids, params = _entry_ids(candidates, self.walk_key)
        where = f"{self.member.format(key, ids)} AND {condition}"
        return f"FROM {TABLE} WHERE {where} ORDER BY {key} {self.walk_order}", params

    @abstractmethod
    def matches(self, query: Query) -> tuple[str, str, list[Any], str]:
        """(FROM clause, WHERE condition, its params, newest-first ORDER BY) of index-driven
        matching."""

    def page(
        self,
        entries: QuerySet[SearchEntry],
        query: Query,
        *,
        sort: str,
        offset: int,
        limit: int,
        candidates: QuerySet[Any, Any] | None,
        above: int | None = None,
    ) -> Result:
        """`candidates`: the documents to search from (candidate-driven shape), or None (the
        full-text index drives). `above`: only entries with a greater id (index-driven)."""
        compiler = entries.query.get_compiler(using=entries.db)
        try:
            where, where_params = compiler.compile(entries.query.where)
        except EmptyResultSet:
            return Result(0, [])
        where = where or "1 = 1"
        rank, rank_params = self.rank_sql(query)
        if candidates is not None:
            terms, term_params = self.terms_sql(query)
            # the words first: a cheap test on the row already read, before the policy's EXISTS
            source, drive_params = self.candidate_source(candidates, f"{terms} AND {where}")
            params = [*rank_params, *drive_params, *term_params, *where_params]
        else:
            from_sql, match, match_params, newest = self.matches(query)
            if above is not None:
                match, match_params = f"{match} AND {TABLE}.id > %s", [*match_params, above]
            source = f"FROM {from_sql} WHERE {match} AND {where} ORDER BY {newest}"
            params = [*rank_params, *match_params, *where_params]
        order = "rank DESC, doc_date DESC, object_id DESC"
        if sort == "date":
            order = "doc_date DESC, object_id DESC"
        sql = (
            f"SELECT kind, object_id, rank, COUNT(*) OVER () FROM ("
            f"SELECT {TABLE}.kind, {TABLE}.object_id, {TABLE}.doc_date, {rank} AS rank "
            f"{source} LIMIT {MAX_RESULTS + 1}) AS hits ORDER BY {order} LIMIT %s OFFSET %s"
        )
        with connections[entries.db].cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            fetched = cursor.fetchall()
            if not fetched and offset:  # past the last page: the count alone
                cursor.execute(
                    f"SELECT COUNT(*) FROM (SELECT 1 AS one {source} LIMIT {MAX_RESULTS + 1}) AS c",
                    params[len(rank_params) :],
                )
                return Result(int(cursor.fetchone()[0]), [])
        total = int(fetched[0][3]) if fetched else 0
        rows = [{"kind": k, "object_id": o, "rank": float(r)} for k, o, r, _ in fetched]
        return Result(total, rows)


class SqliteEngine(Engine):
    """FTS5 table `search_fts` (external content = the entries, rowid = entry id). The FTS table
    drives the index-driven shape (CROSS JOIN fixes the join order in SQLite)."""

    vendor = "sqlite"

    def matches(self, query: Query) -> tuple[str, str, list[Any], str]:
        return (
            f"search_fts CROSS JOIN {TABLE} ON {TABLE}.id = search_fts.rowid",
            "search_fts MATCH %s",
            [fts5_expression(query)],
            "search_fts.rowid DESC",
        )


class PostgresEngine(Engine):
    """Generated tsvector columns `fts_folded` and `fts_exact` with GIN indexes."""

    vendor = "postgresql"
    find = "strpos"
    least = "LEAST"
    octets = "octet_length({})"
    # An array, not IN: with IN the planner joined from the policy's side (every document of
    # the user's work items, merged with the entries, every match sorted: 110 ms at a million;
    # an older form scanned every document: 750 ms); with the array it walks one index, newest
    # first, and stops at the cap.
    member = "{} = ANY(ARRAY({}))"
    # The index walked is on -id (migration 0008), read forwards: PostgreSQL 15 descends a
    # B-tree once per array element, and a backward scan reads one more page per element than a
    # forward one (5 buffers a candidate instead of 4: the walk of 5,857 candidates 36 -> 27 ms).
    walk_key, walk_order = "(-{})", "ASC"

    def page(self, entries: QuerySet[SearchEntry], query: Query, **options: Any) -> Result:
        # The plans' estimated cost passes jit_above_cost, and compiling them took ~280 ms of a
        # search at a million documents (EXPLAIN ANALYZE: "JIT ... Emission 233 ms") for queries
        # that run in a few ms: no JIT for the search, in its own transaction.
        with transaction.atomic(using=entries.db):
            with connections[entries.db].cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
            if options.get("candidates") is None:
                recent = self._newest_first(entries, query, **options)
                if recent is not None:
                    return recent
            return super().page(entries, query, **options)

    def _newest_first(
        self, entries: QuerySet[SearchEntry], query: Query, **options: Any
    ) -> Result | None:
        """The index-driven shape among the newest entries only, walking the primary key
        backwards; None when they hold too few matches to fill the capped set.

        For words in a large part of the register ("xây dựng Đảng": 187,000 of a million) the
        planner collected every match through the GIN index, then checked, sorted and cut them:
        1-3 s for the văn thư. The newest matches are the ones kept, so when the newest entries
        alone hold more than MAX_RESULTS of them the result is the same, in 40-80 ms. The first
        window (NEWEST_WINDOW entries) also measures how dense the matches are: a second window
        just wide enough is walked when that is cheap; rare words go to the GIN index."""
        with connections[entries.db].cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {TABLE}")
            top = cursor.fetchone()[0]
            first = NEWEST_WINDOW * ID_SLOTS  # windows are spans of ids (see models.entry_id)
            if top is None or top <= first:
                return None
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            try:
                result = super().page(entries, query, above=top - first, **options)
                if result.total > MAX_RESULTS:
                    return result
                if result.total * SECOND_WINDOW_MAX < (MAX_RESULTS + 1) * NEWEST_WINDOW:
                    return None  # rare: the second window would be longer than the GIN path
                span = min(top, (MAX_RESULTS + 1) * first * 3 // (2 * result.total))
                result = super().page(entries, query, above=top - span, **options)
                return result if result.total > MAX_RESULTS or span == top else None
            finally:
                cursor.execute("SET LOCAL enable_bitmapscan = on")

    def matches(self, query: Query) -> tuple[str, str, list[Any], str]:
        where, params = [], []
        for column, terms in (
            ("fts_folded", [t for t in query.terms if not t.exact]),
            ("fts_exact", [t for t in query.terms if t.exact]),
        ):
            if terms:
                where.append(f"{TABLE}.{column} @@ to_tsquery('simple', %s)")
                params.append(tsquery(terms))
        return TABLE, " AND ".join(where), params, f"{TABLE}.id DESC"


def engine(alias: str = "default") -> Engine:
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return PostgresEngine()
    if vendor == "sqlite":
        return SqliteEngine()
    raise RuntimeError(f"no search back-end for {vendor}")
