"""`vanphong demo`: load the demo province committee (idempotent) and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vanphong.core.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_organisation
from vanphong.core.models import User


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: một Tỉnh ủy với các ban, đảng ủy và khoảng 25 người dùng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="chỉ nạp khi cơ sở dữ liệu chưa có người dùng nào",
        )
        parser.add_argument(
            "--documents", type=int, default=300, help="số văn bản đến mẫu (mặc định 300)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("Cơ sở dữ liệu đã có dữ liệu: bỏ qua việc nạp dữ liệu mẫu.")
        else:
            orgs = load_demo_organisation()
            self.stdout.write(
                f"Đã nạp tổ chức mẫu: {len(orgs)} tổ chức, {User.objects.count()} người dùng."
            )
            from vanphong.documents.demo import load_demo_documents

            created = load_demo_documents(count=options["documents"])
            self.stdout.write(f"Đã nạp {created} văn bản đến mẫu.")
            from django.core.management import call_command

            call_command("outgoing_setup", stdout=self.stdout)
            from vanphong.signing.demo import load_demo_signing

            added = load_demo_signing(orgs)
            if added:
                self.stdout.write("Ký số mẫu: đã tạo " + "; ".join(added) + ".")
            from vanphong.drafting.demo import load_demo_outgoing

            made = load_demo_outgoing()
            self.stdout.write(f"Đã nạp {made} văn bản đi mẫu.")
        self.stdout.write("")
        self.stdout.write(f"Tài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
        for username, label in DEMO_LOGINS:
            self.stdout.write(f"  {username:<12} {label}")
        from vanphong.signing.demo import DEMO_KEY_PASSPHRASE

        self.stdout.write(
            f"Khóa ký số MẪU (var/demo-keys/, không dùng thật): mật khẩu {DEMO_KEY_PASSPHRASE} "
            "khi lanhdao/bithu ký số và khi vanthu ký số của cơ quan."
        )
