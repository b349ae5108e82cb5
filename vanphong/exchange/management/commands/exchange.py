"""`vanphong exchange ...`: node key and certificate, directory file, delivery, retention.

vanphong exchange init [--cn NAME] [--force] [--days N] [--csr FILE]
vanphong exchange install-cert FILE
vanphong exchange show
vanphong exchange directory export [FILE] | import FILE | self [FILE]
vanphong exchange deliver            # deliver every due outbox row now
vanphong exchange purge              # apply EXCHANGE_LOG_RETENTION_DAYS now
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vanphong.core.errors import DomainError
from vanphong.exchange import node
from vanphong.exchange.services import directory_export, directory_import, outbox
from vanphong.exchange.services.directory import node_entries_file


class Command(BaseCommand):
    help = "Liên thông: khóa và chứng thư của máy chủ, tệp danh bạ, gửi gói tin, thời hạn lưu."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="Tạo khóa và chứng thư tự ký (hoặc CSR)")
        init.add_argument("--cn", default="", help="Tên ghi trong chứng thư")
        init.add_argument("--force", action="store_true", help="Tạo lại khóa mới")
        init.add_argument("--days", type=int, default=3650)
        init.add_argument("--csr", default="", help="Ghi thêm yêu cầu cấp chứng thư (CSR)")
        cert = sub.add_parser("install-cert", help="Cài chứng thư do CA cấp cho khóa này")
        cert.add_argument("file")
        sub.add_parser("show", help="Thông tin máy chủ liên thông")
        directory = sub.add_parser("directory", help="Xuất, nhập tệp danh bạ")
        directory.add_argument("what", choices=["export", "import", "self"])
        directory.add_argument("file", nargs="?", default="-")
        sub.add_parser("deliver", help="Gửi ngay các gói tin đến hạn")
        sub.add_parser("purge", help="Xóa nội dung gói tin quá thời hạn lưu")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _init(self, options: dict[str, Any]) -> None:
        exists = node.key_path().exists()
        csr = Path(options["csr"]) if options["csr"] else None
        identity = node.init_node(
            common_name=options["cn"], force=options["force"], days=options["days"], csr_path=csr
        )
        verb = "Giữ khóa đã có" if exists and not options["force"] else "Đã tạo khóa mới"
        self.stdout.write(f"{verb}: {node.key_path()}")
        self.stdout.write(f"Chứng thư: {node.cert_path()} (SHA-256 {identity.fingerprint})")
        if csr:
            self.stdout.write(f"Yêu cầu cấp chứng thư (CSR): {csr}")

    def _install_cert(self, options: dict[str, Any]) -> None:
        identity = node.install_certificate(Path(options["file"]).read_bytes())
        self.stdout.write(f"Đã cài chứng thư (SHA-256 {identity.fingerprint}).")

    def _show(self, options: dict[str, Any]) -> None:
        identity = node.identity()
        self.stdout.write(f"Địa chỉ nhận gói tin: {node.inbox_url()}")
        self.stdout.write(f"Trục liên thông: {'có' if settings.EXCHANGE_HUB else 'không'}")
        self.stdout.write(f"Chứng thư: {identity.certificate.subject.rfc4514_string()}")
        self.stdout.write(f"SHA-256: {identity.fingerprint}")
        for org in node.served_organisations():
            self.stdout.write(f"  {org.identifier}  {org.full_name}")

    def _directory(self, options: dict[str, Any]) -> None:
        what, target = options["what"], options["file"]
        if what == "import":
            data = sys.stdin.buffer.read() if target == "-" else Path(target).read_bytes()
            result = directory_import(actor=None, data=data)
            self.stdout.write(f"Đã nhập: {result.created} mới, {result.updated} cập nhật.")
            return
        data = directory_export(actor=None) if what == "export" else node_entries_file()
        if target == "-":
            self.stdout.write(data.decode("utf-8"))
        else:
            Path(target).write_bytes(data)
            self.stdout.write(f"Đã ghi {target}.")

    def _deliver(self, options: dict[str, Any]) -> None:
        counts = outbox.deliver_due(limit=10**6)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "Không có.")

    def _purge(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"Đã xóa nội dung {outbox.purge_bodies()} gói tin quá hạn lưu.")
