"""PostgreSQL: package bodies in the message log are stored without compression.

A body is mostly the base64 of PDF files whose streams are already compressed. pglz, the
default, tried on every one and saved nothing: 200 bodies of 130 KB took 692 ms to insert with
pglz against 163 ms without compression (STORAGE EXTERNAL), and both tables were 26 MB. Each
document exchanged is stored twice (the sender's outbox row, the receiver's inbox row; a hub
adds two more), so that is about 7 ms of database CPU per document.

Only bodies written from now on are affected; older ones read the same. SQLite: nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _storage(apps: Any, schema_editor: Any, *, storage: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE exchange_message ALTER COLUMN body SET STORAGE {storage}")


def forwards(apps: Any, schema_editor: Any) -> None:
    _storage(apps, schema_editor, storage="EXTERNAL")


def backwards(apps: Any, schema_editor: Any) -> None:
    _storage(apps, schema_editor, storage="EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_status_order")]

    operations = [migrations.RunPython(forwards, backwards)]
