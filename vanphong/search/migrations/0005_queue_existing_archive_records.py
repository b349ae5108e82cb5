"""Archive records made before they were searchable: queued once for indexing (the worker drains
the outbox), so an upgraded deployment needs no manual `vanphong search rebuild`."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def queue_records(apps: Any, schema_editor: Any) -> None:
    record = apps.get_model("archive", "ArchiveRecord")
    outbox = apps.get_model("search", "Outbox")
    ids = record.objects.using(schema_editor.connection.alias).values_list("pk", flat=True)
    now = timezone.now()
    batch: list[Any] = []
    for pk in ids.iterator(chunk_size=5000):
        batch.append(outbox(kind="archive", object_id=pk, queued_at=now))
        if len(batch) >= 5000:
            outbox.objects.using(schema_editor.connection.alias).bulk_create(batch)
            batch = []
    outbox.objects.using(schema_editor.connection.alias).bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_archive_kind"),
        ("archive", "0001_initial"),
    ]

    operations = [migrations.RunPython(queue_records, migrations.RunPython.noop)]
