"""Small catalogues the list pages show on every request, cached per process.

The filter panel of the work lists and the register offers every document type and the active
units of the person's organisation. Both change a few times a year, yet were read (two
statements, a model instance per option) on every tab click. Here they are read once per process
as `(pk, label)` pairs.

Invalidation: a save or delete of a `DocumentType` or a `Unit` (admin, services, fixtures; not
`QuerySet.update()`, which sends no signal) clears this process's copy at once and writes a new
token into a stamp file in VAR_DIR, which every read compares (a few microseconds), so the other
web workers and the task worker reload at their next read. The token is written again after the
commit, in case another process reloaded in between and read the rows as they were before it.
While the current transaction holds such an uncommitted change, reads here go to the database
and are not kept, so a rollback cannot leave rows in the cache that never existed. A flush (the
test runner's) sends `post_migrate`, which also clears it.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from vanphong.core.models import Unit
from vanphong.documents.models import DocumentType

Choices = list[tuple[int, str]]

_lock = threading.Lock()
_cache: dict[Any, Any] = {}
_seen: str | None = None  # the stamp the cache belongs to


def _stamp_path() -> Path:
    return Path(settings.VAR_DIR) / "catalog.stamp"


def _stamp() -> str:
    """A random token rewritten on every change (read, not stat-ed: file times are coarse)."""
    try:
        return _stamp_path().read_text()
    except FileNotFoundError:
        return ""


def _current() -> dict[Any, Any]:
    """This process's cache, emptied first if another process moved the stamp; a throw-away
    dict while this transaction has changed the catalogue and not committed yet."""
    global _seen
    if connection.in_atomic_block and any(
        entry[1] is invalidate
        for entry in connection.run_on_commit  # (savepoints, func, robust)
    ):
        return {}
    stamp = _stamp()
    if stamp != _seen:
        with _lock:
            _cache.clear()
            _seen = stamp
    return _cache


def doc_type_choices() -> Choices:
    """Every document type, in the model's order (as `DocumentType.objects.all()`)."""
    cache = _current()
    found = cache.get("doc_types")
    if found is None:
        found = [(t.pk, str(t)) for t in DocumentType.objects.all()]
        cache["doc_types"] = found
    return found


def unit_choices(organisation_id: int | None) -> Choices:
    """The active units of one organisation, in the model's order."""
    if organisation_id is None:
        return []
    cache = _current()
    key = ("units", organisation_id)
    found = cache.get(key)
    if found is None:
        units = Unit.objects.filter(organisation_id=organisation_id, is_active=True)
        found = [(u.pk, str(u)) for u in units]
        cache[key] = found
    return found


def fragment(key: tuple[Any, ...], build: Callable[[], str]) -> str:
    """HTML made only from these catalogues and constants (the empty filter panel), built once
    per process and forgotten with them: the same stamp, the same rules inside a transaction."""
    cache = _current()
    found = cache.get(("fragment", *key))
    if found is None:
        found = build()
        cache[("fragment", *key)] = found
    return str(found)


def invalidate() -> None:
    """Forget the catalogues here and tell the other processes (a new stamp file)."""
    path = _stamp_path()
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        tmp.write_text(uuid.uuid4().hex)
        os.replace(tmp, path)  # atomic: a reader sees the old token or the new one
    except OSError:
        tmp.unlink(missing_ok=True)
    global _seen
    with _lock:
        _cache.clear()
        _seen = None


def _changed(sender: Any, using: str = "default", **kwargs: Any) -> None:
    invalidate()
    transaction.on_commit(invalidate, using=using)


def connect() -> None:
    for model in (DocumentType, Unit):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-del-{model.__name__}")
    post_migrate.connect(_flushed, dispatch_uid="catalog-migrate")


def _flushed(sender: Any, **kwargs: Any) -> None:
    invalidate()
