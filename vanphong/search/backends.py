"""The two engines behind one interface: narrow a queryset of entries to those matching a parsed
query and give each a relevance (higher is better). Everything else (permissions, filters,
ordering, paging) is plain ORM, shared by both."""

from __future__ import annotations

from typing import Protocol

from django.db import connection
from django.db.models import QuerySet

from vanphong.search.models import SearchEntry
from vanphong.search.query import Query, fts5_expression, tsquery

# relevance weights: metadata (trích yếu, số ký hiệu...) counts ten times the attachments' text
HEAD_WEIGHT, BODY_WEIGHT = 10.0, 1.0


class Backend(Protocol):
    def match(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]: ...


class SqliteBackend:
    """FTS5 table `search_fts` (external content = the entries, rowid = entry id)."""

    def match(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
        weights = f"{HEAD_WEIGHT}, {HEAD_WEIGHT}, {BODY_WEIGHT}, {BODY_WEIGHT}"
        return entries.extra(
            tables=["search_fts"],
            where=["search_fts.rowid = search_searchentry.id", "search_fts MATCH %s"],
            params=[fts5_expression(query)],
            select={"rank": f"-bm25(search_fts, {weights})"},
        )


class PostgresBackend:
    """Generated tsvector columns `fts_folded` and `fts_exact` with GIN indexes."""

    def match(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
        where, params, ranks, rank_params = [], [], [], []
        for column, terms in (
            ("fts_folded", [t for t in query.terms if not t.exact]),
            ("fts_exact", [t for t in query.terms if t.exact]),
        ):
            if not terms:
                continue
            text = tsquery(terms)
            where.append(f"search_searchentry.{column} @@ to_tsquery('simple', %s)")
            params.append(text)
            ranks.append(
                f"ts_rank('{{{BODY_WEIGHT / HEAD_WEIGHT}, 0, 0, 1}}', "
                f"search_searchentry.{column}, to_tsquery('simple', %s))"
            )
            rank_params.append(text)
        return entries.extra(
            where=where,
            params=params,
            select={"rank": " + ".join(ranks)},
            select_params=rank_params,
        )


def backend() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise RuntimeError(f"no search back-end for {connection.vendor}")
