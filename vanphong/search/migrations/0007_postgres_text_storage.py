"""PostgreSQL: how the entries' long values are stored.

- The four word columns are compressed with lz4 instead of pglz, when the server has lz4 (every
  packaged PostgreSQL since 14 has). A million entries with attachment text on one in five were
  indexed 7 % faster (6,956 /s against 6,522 /s on the bench machine). lz4 also decompresses
  faster when the search reads them back (`strpos`, the rank's `replace`); no difference in the
  search's timings could be told apart from the machine's run-to-run variation.
- The two tsvector columns are stored without compression (STORAGE EXTERNAL): pglz gave up on
  every one of them (a tsvector is already compact), after spending CPU on each try.

Only values written from now on are affected: an entry written before keeps pglz until it changes
(both read the same; a rebuild into an empty index writes every entry anew). SQLite: nothing to
do.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TEXT_COLUMNS = ("head_folded", "head_exact", "body_folded", "body_exact")
VECTOR_COLUMNS = ("fts_folded", "fts_exact")


def _alter(apps: Any, schema_editor: Any, *, compression: str, storage: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'",
            [compression],
        )
        row = cursor.fetchone()
        changes = [f"ALTER COLUMN {c} SET STORAGE {storage}" for c in VECTOR_COLUMNS]
        if row and row[0]:  # a server built without lz4 keeps pglz
            changes += [f"ALTER COLUMN {c} SET COMPRESSION {compression}" for c in TEXT_COLUMNS]
        cursor.execute(f"ALTER TABLE search_searchentry {', '.join(changes)}")


def forwards(apps: Any, schema_editor: Any) -> None:
    _alter(apps, schema_editor, compression="lz4", storage="EXTERNAL")


def backwards(apps: Any, schema_editor: Any) -> None:
    _alter(apps, schema_editor, compression="pglz", storage="EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("search", "0006_entry_ids_from_objects")]

    operations = [migrations.RunPython(forwards, backwards)]
