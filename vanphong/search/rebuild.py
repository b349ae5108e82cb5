"""`vanphong search rebuild`: re-index every object, in parallel, resumable, bounded memory.

The ids are cut into ranges of `chunk` ids; lane i of n (one process each) takes the ranges
k ≡ i (mod n), so the lanes never touch the same entries and finish together. Each range is
indexed in one transaction that also moves the lane's checkpoint (`RebuildLane.last_id`): after a
crash, the next `rebuild` continues each lane after its last finished range. Memory is one range
per process. On SQLite each range is read and folded before its transaction (`prepare_range`)
and only checked and written inside it, so the lanes fold at the same time and take the single
write lock in turn only to write; PostgreSQL has no such lock and reads each range once, inside
its transaction. Inside an open transaction (tests, a caller's atomic block) other processes
could not see the caller's rows, so the rebuild then runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection, connections, models, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from vanphong.archive.models import ArchiveRecord
from vanphong.documents.models import IncomingDocument
from vanphong.search.indexing import CHUNK, index_range, prepare_range
from vanphong.search.models import Kind, RebuildLane, SearchEntry

MAX_WORKERS = 8
# PostgreSQL: the GIN indexes of migration 0002, by the tsvector column each one covers
FULLTEXT_INDEXES = {"search_entry_fts_folded": "fts_folded", "search_entry_fts_exact": "fts_exact"}
BULK_MAINTENANCE_MEMORY = "256MB"  # for building them (PostgreSQL's default is 64MB)
# The table each kind indexes (ids of one kind are cut into ranges, lanes and checkpoints apart
# from the other kinds': RebuildLane rows are per kind).
MODELS: dict[str, type[models.Model]] = {
    Kind.INCOMING: IncomingDocument,
    Kind.ARCHIVE: ArchiveRecord,
}


def default_workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def rebuild(
    kind: str = Kind.INCOMING,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    restart: bool = False,
) -> int:
    """Index every object (continuing an interrupted run unless `restart`), drop orphaned
    entries, optimise the index; returns the number of objects indexed by this run."""
    if kind not in MODELS:
        raise ValueError(kind)
    lanes = _plan(kind, chunk=max(1, chunk), workers=workers or default_workers(), restart=restart)
    with _bulk_load() as bulk:
        if len(lanes) == 1 or connection.in_atomic_block:
            for lane in lanes:
                _run_lane(kind, lane.lane, progress)
        else:
            _run_parallel(kind, lanes, progress)
    total = RebuildLane.objects.filter(kind=kind).aggregate(n=Sum("done"))["n"] or 0
    if not bulk:  # an index that started empty has no entry of a vanished object
        _drop_orphans(kind, chunk=max(1, chunk))
    optimise()
    RebuildLane.objects.filter(kind=kind).delete()
    return int(total)


def _plan(kind: str, *, chunk: int, workers: int, restart: bool) -> list[RebuildLane]:
    if restart:
        RebuildLane.objects.filter(kind=kind).delete()
    lanes = list(RebuildLane.objects.filter(kind=kind).order_by("lane"))
    if lanes:  # an interrupted run: its grid (lanes, chunk, upto) stays as it was
        return lanes
    upto = MODELS[kind]._default_manager.aggregate(m=Max("pk"))["m"] or 0
    count = max(1, min(workers, -(-upto // chunk) or 1))
    return RebuildLane.objects.bulk_create(
        RebuildLane(kind=kind, lane=i, lanes=count, chunk=chunk, upto=upto) for i in range(count)
    )


def _run_lane(kind: str, lane_no: int, progress: Callable[[int], None] | None = None) -> None:
    lane = RebuildLane.objects.get(kind=kind, lane=lane_no)
    width, step = lane.chunk, lane.chunk * lane.lanes
    first = lane.last_id + 1 if lane.last_id else lane.lane * width + 1
    while first <= lane.upto:
        last = min(first + width - 1, lane.upto)
        # SQLite: folded before the write lock is taken, so the lanes fold at the same time.
        # PostgreSQL has no such lock: the range is read and folded once, inside its transaction.
        prepared = prepare_range(kind, first, last) if connection.vendor == "sqlite" else None
        with transaction.atomic():
            index_range(kind, first, last, prepared=prepared)
            done = MODELS[kind]._default_manager.filter(pk__gte=first, pk__lte=last).count()
            RebuildLane.objects.filter(pk=lane.pk).update(
                last_id=last, done=lane.done + done, updated_at=timezone.now()
            )
        lane.done += done
        if progress:
            progress(_done(kind))
        first += step


def _done(kind: str) -> int:
    return int(RebuildLane.objects.filter(kind=kind).aggregate(n=Sum("done"))["n"] or 0)


def _child(kind: str, lane_no: int) -> None:  # pragma: no cover - runs in a forked process
    try:
        _run_lane(kind, lane_no)
    finally:
        connections.close_all()


def _run_parallel(
    kind: str, lanes: list[RebuildLane], progress: Callable[[int], None] | None
) -> None:
    connections.close_all()  # each process opens its own connection
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_child, args=(kind, lane.lane)) for lane in lanes]
    for process in processes:
        process.start()
    reported = -1
    while any(p.is_alive() for p in processes):
        time.sleep(0.5)
        if progress:
            done = _done(kind)
            if done != reported:
                progress(done)
                reported = done
    failed = [p.exitcode for p in processes if p.exitcode]
    if failed:
        raise RuntimeError(f"rebuild: {len(failed)} lane(s) failed (exit codes {failed})")


def _drop_orphans(kind: str, *, chunk: int) -> None:
    """Entries whose object is gone (deleted while no worker ran), a range at a time."""
    table = SearchEntry._meta.db_table
    objects = MODELS[kind]._meta.db_table
    top = SearchEntry.objects.filter(kind=kind).aggregate(m=Max("object_id"))["m"] or 0
    step = chunk * 10
    for first in range(1, top + 1, step):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE kind = %s AND object_id BETWEEN %s AND %s "
                f"AND NOT EXISTS (SELECT 1 FROM {objects} o WHERE o.id = {table}.object_id)",
                [kind, first, first + step - 1],
            )


@contextmanager
def _bulk_load() -> Iterator[bool]:
    """PostgreSQL, an empty index (the first build; `--restart` does not empty it, entries
    already there are refreshed in place): the GIN indexes are dropped while the entries are
    written and built once at the end, from all their rows at once, instead of growing with
    every insert. They are built again when the run ends, whichever way it ends; a process
    killed outright leaves them to the next rebuild, which builds any missing one first
    (searches meanwhile are slower, not wrong)."""
    ensure_fulltext_indexes()
    bulk = connection.vendor == "postgresql" and not SearchEntry.objects.exists()
    if bulk:
        with connection.cursor() as cursor:
            for name in FULLTEXT_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    try:
        yield bulk
    finally:
        if bulk:
            ensure_fulltext_indexes()


def ensure_fulltext_indexes() -> None:
    """Build the GIN indexes that are missing (PostgreSQL; nothing to do on SQLite), side by
    side on their own connections unless inside a transaction."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s", [SearchEntry._meta.db_table]
        )
        present = {row[0] for row in cursor.fetchall()}
    missing = [name for name in FULLTEXT_INDEXES if name not in present]
    if len(missing) < 2 or connection.in_atomic_block:
        for name in missing:
            _build_index(name)
        return
    with ThreadPoolExecutor(max_workers=len(missing)) as pool:
        list(pool.map(_build_index_and_close, missing))


def _build_index(name: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{BULK_MAINTENANCE_MEMORY}'")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {SearchEntry._meta.db_table} "
            f"USING gin ({FULLTEXT_INDEXES[name]})"
        )


def _build_index_and_close(name: str) -> None:  # in a thread: its own connection
    try:
        _build_index(name)
    finally:
        connection.close()


def optimise() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE search_searchentry")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE search_searchentry")
