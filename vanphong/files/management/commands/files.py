"""`vanphong files verify`: fixity check of every stored file; non-zero exit on any problem."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vanphong.files.fixity import Problem, verify


class Command(BaseCommand):
    help = "Kho tệp: kiểm tra tính toàn vẹn (verify) của mọi tệp theo mã SHA-256."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        def show(problem: Problem) -> None:
            label = {"missing": "THIẾU", "changed": "BỊ THAY ĐỔI", "size": "SAI KÍCH THƯỚC"}
            self.stderr.write(f"{label[problem.kind]}: {problem.sha256}: {problem.detail}")

        report = verify(on_problem=show)
        size_mb = report.bytes / (1024 * 1024)
        self.stdout.write(f"Đã kiểm tra {report.checked} tệp ({size_mb:.1f} MB).")
        if not report.ok:
            missing = sum(1 for p in report.problems if p.kind == "missing")
            raise CommandError(
                f"Phát hiện {len(report.problems)} tệp có vấn đề "
                f"({missing} thiếu, {len(report.problems) - missing} bị thay đổi)."
            )
        self.stdout.write("Mọi tệp đều nguyên vẹn.")
