"""`vanphong token create USERNAME` (prints the token as its last word), list, revoke."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vanphong.core.models import ApiToken, User
from vanphong.core.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Quản lý mã truy cập API."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="")
        listing = sub.add_parser("list")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix", help="phần đầu của mã (hiển thị trong list)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"Không có người dùng {options['username']!r}.")
            _, raw = api_token_create(actor=None, user=user, name=options["name"])  # type: ignore[arg-type]
            self.stdout.write(f"Mã truy cập cho {user.username}: {raw}")
        elif action == "list":
            tokens = ApiToken.objects.select_related("user")
            if options.get("username"):
                tokens = tokens.filter(user__username=options["username"])
            for t in tokens:
                state = "đã thu hồi" if t.revoked_at else "còn hiệu lực"
                self.stdout.write(
                    f"{t.prefix}\t{t.user.username}\t{t.name}\t{t.created_at:%d/%m/%Y}\t{state}"
                )
        else:
            matches = list(
                ApiToken.objects.filter(
                    prefix__startswith=options["prefix"], revoked_at__isnull=True
                )
            )
            if len(matches) != 1:
                raise CommandError("Cần đúng một mã còn hiệu lực khớp với phần đầu đã nhập.")
            api_token_revoke(actor=None, token=matches[0])  # type: ignore[arg-type]
            self.stdout.write(f"Đã thu hồi {matches[0].prefix}…")
