"""Entry ids derived from their objects (`models.entry_id`: object id · 4 + the kind's slot).

Existing entries are renumbered in place (through negative ids, so no two rows ever share one),
then SQLite's FTS5 table, whose rowids are the entry ids, is rebuilt from the entries. At a
million entries this takes a few minutes; searches keep working afterwards without a
`vanphong search rebuild`.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SLOT = "CASE kind WHEN 'incoming' THEN 0 WHEN 'archive' THEN 1 ELSE 3 END"


def renumber(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE search_searchentry SET id = -(object_id * 4 + {SLOT})")
        cursor.execute("UPDATE search_searchentry SET id = -id")
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            # nothing inserts without an id any more; the sequence is kept clear of the ids
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('search_searchentry', 'id'), "
                "COALESCE((SELECT MAX(id) FROM search_searchentry), 0) + 1, false)"
            )


class Migration(migrations.Migration):
    dependencies = [("search", "0005_queue_existing_archive_records")]

    operations = [migrations.RunPython(renumber, migrations.RunPython.noop)]
