"""`vanphong outgoing_setup`: default outgoing configuration for every organisation served here."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vanphong.core.models import Organisation
from vanphong.drafting.setup import ensure_outgoing_configuration


class Command(BaseCommand):
    help = (
        "Tạo cấu hình mặc định cho văn bản đi (bộ đếm số theo nhiệm kỳ, dùng chung “QĐ” cho "
        "Quyết định và Quy định, quy trình trình duyệt, thẩm quyền ký) cho các tổ chức phục vụ "
        "trên máy chủ này. Chạy lại không tạo trùng."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for org in Organisation.objects.filter(served_here=True, is_active=True):
            ensure_outgoing_configuration(org)
            count += 1
        self.stdout.write(f"Đã kiểm tra cấu hình văn bản đi của {count} tổ chức.")
