"""The two engines behind one interface: narrow a queryset of entries to those matching a parsed
query and give each a relevance (higher is better). Everything else (permissions, filters,
ordering, paging) is plain ORM, shared by both."""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import QuerySet

from vanphong.search.models import SearchEntry
from vanphong.search.query import Query, fts5_expression, tsquery

# relevance weights: metadata (trích yếu, số ký hiệu...) counts ten times the attachments' text
HEAD_WEIGHT, BODY_WEIGHT = 10.0, 1.0


Rows = list[dict[str, Any]]


class Backend(Protocol):
    def page(
        self, entries: QuerySet[SearchEntry], query: Query, *, sort: str, offset: int, limit: int
    ) -> tuple[int, Rows]:
        """(number of matching entries, the rows kind/object_id/rank of the page)."""
        ...


def _order(sort: str) -> list[str]:
    by_date = ["-doc_date", "-object_id"]
    return ["-rank", *by_date] if sort == "relevance" else by_date


class SqliteBackend:
    """FTS5 table `search_fts` (external content = the entries, rowid = entry id).

    The FTS table must drive the join (CROSS JOIN fixes the order in SQLite): otherwise the
    planner may walk the organisation's entries and run the full-text query once per entry."""

    def page(
        self, entries: QuerySet[SearchEntry], query: Query, *, sort: str, offset: int, limit: int
    ) -> tuple[int, Rows]:
        compiler = entries.query.get_compiler(using=entries.db)
        try:
            where, params = compiler.compile(entries.query.where)
        except EmptyResultSet:
            return 0, []
        weights = f"{HEAD_WEIGHT}, {HEAD_WEIGHT}, {BODY_WEIGHT}, {BODY_WEIGHT}"
        base = (
            "FROM search_fts CROSS JOIN search_searchentry "
            "ON search_searchentry.id = search_fts.rowid WHERE search_fts MATCH %s"
            + (f" AND ({where})" if where else "")
        )
        args = [fts5_expression(query), *params]
        order = ", ".join(
            f"{f[1:] if f.startswith('-') else f} {'DESC' if f.startswith('-') else 'ASC'}"
            for f in _order(sort)
        )
        with connections[entries.db].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) {base}", args)
            total = int(cursor.fetchone()[0])
            if not total or offset >= total:
                return total, []
            cursor.execute(
                "SELECT search_searchentry.kind, search_searchentry.object_id, "
                f"search_searchentry.doc_date, -bm25(search_fts, {weights}) AS rank {base} "
                f"ORDER BY {order} LIMIT %s OFFSET %s",
                [*args, limit, offset],
            )
            rows = [
                {"kind": kind, "object_id": oid, "rank": rank}
                for kind, oid, _, rank in cursor.fetchall()
            ]
        return total, rows


class PostgresBackend:
    """Generated tsvector columns `fts_folded` and `fts_exact` with GIN indexes."""

    def page(
        self, entries: QuerySet[SearchEntry], query: Query, *, sort: str, offset: int, limit: int
    ) -> tuple[int, Rows]:
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
        matched = entries.extra(where=where, params=params)
        total = matched.count()
        if not total or offset >= total:
            return total, []
        ranked = matched.extra(select={"rank": " + ".join(ranks)}, select_params=rank_params)
        rows = list(
            ranked.order_by(*_order(sort)).values("kind", "object_id", "rank")[
                offset : offset + limit
            ]
        )
        return total, rows


def backend() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise RuntimeError(f"no search back-end for {connection.vendor}")
