"""Standard document types (loại văn bản) of Party and State documents."""

from django.db import migrations

from vanphong.documents.reference import ensure_document_types


def forwards(apps, schema_editor):
    ensure_document_types(apps.get_model("documents", "DocumentType"))


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
