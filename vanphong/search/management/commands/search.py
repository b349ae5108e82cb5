"""`vanphong search rebuild|drain`: rebuild the index in chunks, or drain the outbox now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vanphong.search import indexing
from vanphong.search.models import Kind


class Command(BaseCommand):
    help = "Chỉ mục tìm kiếm: dựng lại (rebuild) theo từng lô, hoặc xử lý hàng đợi (drain)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "drain"])
        parser.add_argument("--chunk", type=int, default=indexing.CHUNK)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["action"] == "drain":
            count = indexing.drain(limit=10**9)
            self.stdout.write(f"Đã xử lý {count} yêu cầu cập nhật chỉ mục.")
            return

        def progress(done: int) -> None:
            self.stdout.write(f"  … {done} văn bản")

        total = indexing.rebuild(Kind.INCOMING, chunk=max(1, options["chunk"]), progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(f"Đã dựng lại chỉ mục: {total} văn bản trong {elapsed:.1f} giây.")
