"""`vanphong search rebuild|drain`: rebuild the index (parallel, resumable), or drain the outbox."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vanphong.search import indexing, rebuild
from vanphong.search.models import Kind, RebuildLane


class Command(BaseCommand):
    help = (
        "Chỉ mục tìm kiếm: dựng lại (rebuild) theo từng lô, song song, tiếp tục được nếu bị "
        "ngắt; hoặc xử lý hàng đợi cập nhật (drain)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "drain"])
        parser.add_argument("--chunk", type=int, default=indexing.CHUNK)
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help=f"số tiến trình (mặc định: số CPU, tối đa {rebuild.MAX_WORKERS})",
        )
        parser.add_argument(
            "--kind",
            choices=list(rebuild.MODELS),
            default="",
            help="chỉ dựng lại một loại (mặc định: mọi loại: văn bản đến, hồ sơ lưu trữ)",
        )
        parser.add_argument(
            "--restart", action="store_true", help="bỏ lần dựng lại dở dang, làm lại từ đầu"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["action"] == "drain":
            count = indexing.drain(limit=None)
            self.stdout.write(f"Đã xử lý {count} yêu cầu cập nhật chỉ mục.")
            return
        kinds = [options["kind"]] if options["kind"] else list(rebuild.MODELS)
        for kind in kinds:
            self._rebuild(kind, options)
        elapsed = time.monotonic() - started
        self.stdout.write(f"Đã dựng lại chỉ mục trong {elapsed:.1f} giây.")

    def _rebuild(self, kind: str, options: dict[str, Any]) -> None:
        label = Kind(kind).label.lower()
        if not options["restart"] and RebuildLane.objects.filter(kind=kind).exists():
            self.stdout.write(f"Tiếp tục lần dựng lại chỉ mục {label} bị ngắt trước đây…")

        def progress(done: int) -> None:
            self.stdout.write(f"  … {done} {label}")

        started = time.monotonic()
        total = rebuild.rebuild(
            kind,
            chunk=max(1, options["chunk"]),
            progress=progress,
            workers=max(0, options["workers"]) or None,
            restart=options["restart"],
        )
        elapsed = time.monotonic() - started
        self.stdout.write(f"Đã dựng lại chỉ mục {label}: {total} mục trong {elapsed:.1f} giây.")
