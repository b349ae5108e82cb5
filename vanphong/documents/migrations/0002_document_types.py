"""Standard document types (loại văn bản) of Party and State documents."""

from django.db import migrations

TYPES = [
    ("Nghị quyết", "NQ"), ("Quyết định", "QĐ"), ("Quy định", "QĐ"), ("Chỉ thị", "CT"),
    ("Kết luận", "KL"), ("Quy chế", "QC"), ("Hướng dẫn", "HD"), ("Thông báo", "TB"),
    ("Báo cáo", "BC"), ("Kế hoạch", "KH"), ("Chương trình", "CTr"), ("Tờ trình", "TTr"),
    ("Đề án", "ĐA"), ("Biên bản", "BB"), ("Công văn", "CV"), ("Thông tri", "TT"),
    ("Công điện", "CĐ"), ("Giấy mời", "GM"), ("Giấy giới thiệu", "GGT"), ("Lời kêu gọi", "LKG"),
]


def forwards(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    for order, (name, abbr) in enumerate(TYPES):
        DocumentType.objects.get_or_create(name=name, defaults={"abbr": abbr, "order": order})


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
