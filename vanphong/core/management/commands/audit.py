"""`vanphong audit verify`: recompute the hash chain; exit 1 naming the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vanphong.core.audit import audit_verify


class Command(BaseCommand):
    help = "Nhật ký hệ thống: verify kiểm tra toàn bộ chuỗi băm."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"Chuỗi nhật ký bị phá vỡ tại dòng #{result.broken_id}: {result.reason} "
                f"(đã kiểm tra {result.rows} dòng)."
            )
        self.stdout.write(f"Chuỗi nhật ký nguyên vẹn: {result.rows} dòng.")
