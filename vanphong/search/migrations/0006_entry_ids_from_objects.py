"""Entries keyed by their objects, their words padded with spaces.

- An entry's id is derived from its object (`models.entry_id`: object id · 4 + the kind's slot):
  existing entries are renumbered in place, through negative ids so that no two rows ever share
  one.
- The text columns get a space before their first word and after their last (`text.both_forms`),
  so a search tests " w1 w2 " against the column itself instead of a padded copy of it.

SQLite's FTS5 table (its rowids are the entry ids) is then rebuilt from the entries; the update
trigger is left out meanwhile, since the rebuild rewrites the whole index anyway. The insert
trigger goes for good: with the ids given by the INSERT it made indexing three times slower, and
`search.indexing` now writes new entries into FTS5 itself (updates and deletes keep their
triggers). PostgreSQL's tsvector columns follow by themselves. At a million entries this takes a
few minutes; searches work afterwards without a `vanphong search rebuild`.

The factor 4 and the slots are written out, not imported from `models`: a migration stays what
it was when it ran.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.db import migrations

SLOT = "CASE kind WHEN 'incoming' THEN 0 WHEN 'archive' THEN 1 ELSE 3 END"
TEXTS = ("head_folded", "head_exact", "body_folded", "body_exact")
# a column already padded (it starts with a space: words never do) is left as it is
PADDED = ", ".join(
    f"{c} = CASE WHEN {c} = '' OR {c} LIKE ' %' THEN {c} ELSE ' ' || {c} || ' ' END" for c in TEXTS
)


def _update_trigger() -> str:
    fulltext = importlib.import_module("vanphong.search.migrations.0002_fulltext")
    return next(s for s in fulltext.SQLITE_UP if "search_entry_au" in s)


def renumber_and_pad(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS search_entry_au")
        cursor.execute(f"UPDATE search_searchentry SET id = -(object_id * 4 + {SLOT}), {PADDED}")
        cursor.execute("UPDATE search_searchentry SET id = -id")
        if connection.vendor == "sqlite":
            cursor.execute(_update_trigger())
            # inserts are written to FTS5 by the indexing code from now on (search.indexing)
            cursor.execute("DROP TRIGGER IF EXISTS search_entry_ai")
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            # nothing inserts without an id any more; the sequence is kept clear of the ids
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('search_searchentry', 'id'), "
                "COALESCE((SELECT MAX(id) FROM search_searchentry), 0) + 1, false)"
            )


class Migration(migrations.Migration):
    dependencies = [("search", "0005_queue_existing_archive_records")]

    operations = [migrations.RunPython(renumber_and_pad, migrations.RunPython.noop)]
