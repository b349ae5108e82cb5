"""Reference data every installation starts with: the standard document types."""

from __future__ import annotations

from typing import Any

TYPES = [
    ("Nghị quyết", "NQ"), ("Quyết định", "QĐ"), ("Quy định", "QĐ"), ("Chỉ thị", "CT"),
    ("Kết luận", "KL"), ("Quy chế", "QC"), ("Hướng dẫn", "HD"), ("Thông báo", "TB"),
    ("Báo cáo", "BC"), ("Kế hoạch", "KH"), ("Chương trình", "CTr"), ("Tờ trình", "TTr"),
    ("Đề án", "ĐA"), ("Biên bản", "BB"), ("Công văn", "CV"), ("Thông tri", "TT"),
    ("Công điện", "CĐ"), ("Giấy mời", "GM"), ("Giấy giới thiệu", "GGT"), ("Lời kêu gọi", "LKG"),
]  # fmt: skip


def ensure_document_types(model: Any = None) -> int:
    """Create the standard types that are missing (idempotent); used by the migration too."""
    if model is None:
        from vanphong.documents.models import DocumentType as model
    created = 0
    for order, (name, abbr) in enumerate(TYPES):
        _, made = model.objects.get_or_create(name=name, defaults={"abbr": abbr, "order": order})
        created += made
    return created
