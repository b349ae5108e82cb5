"""Small database helpers shared by the apps' selectors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def without_parallel_workers() -> Iterator[None]:
    """Run the statements inside without PostgreSQL's parallel workers (nothing on SQLite).

    For reads that fetch one page of a person's own rows by index: when the planner
    overestimates the matches (a person holding a tenth of a large table), it starts two
    parallel workers, which costs about 10 ms to find a handful of rows or none. The setting is
    `SET LOCAL`, so it ends with the transaction opened here (or the caller's).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield
