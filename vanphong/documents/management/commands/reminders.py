"""`vanphong reminders`: send today's deadline reminders once (for cron, or to check by hand)."""

from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vanphong.documents import access
from vanphong.documents.tasks import send_deadline_reminders


def _day(raw: str) -> date:
    try:
        return datetime.strptime(raw.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise ArgumentTypeError(
            f"ngày “{raw}” không đúng dạng ngày/tháng/năm (dd/mm/yyyy)."
        ) from None


class Command(BaseCommand):
    help = (
        "Gửi nhắc hạn xử lý văn bản đến (sắp đến hạn, quá hạn) một lần. Chạy lại trong cùng "
        "ngày không gửi trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ngay",
            type=_day,
            default=None,
            help="tính hạn theo ngày này (dd/mm/yyyy); mặc định: hôm nay",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = options["ngay"] or access.today()
        sent = send_deadline_reminders(on)
        self.stdout.write(f"Đã gửi {sent} thông báo nhắc hạn xử lý (ngày {on:%d/%m/%Y}).")
