"""Writes of notifications. Idempotent when a dedupe key is given; email when SMTP is set."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from vanphong.core.models import User
from vanphong.notifications.models import Notification

log = logging.getLogger(__name__)


def email_body(note: Notification) -> str:
    lines = [f"Kính gửi {note.user.full_name or note.user.username},", "", note.title]
    if note.url:
        if settings.SITE_URL:
            lines += ["", f"Xem chi tiết: {settings.SITE_URL}{note.url}"]
        else:
            lines += ["", "Xem chi tiết trong mục Thông báo của hệ thống văn phòng điện tử."]
    lines += ["", "—", "Thư gửi tự động từ hệ thống văn phòng điện tử; vui lòng không trả lời."]
    return "\n".join(lines)


def _email(notes: Iterable[Notification]) -> None:
    for note in notes:
        if not note.user.email:
            continue
        try:
            send_mail(
                f"[Văn phòng điện tử] {note.title}",
                email_body(note),
                settings.DEFAULT_FROM_EMAIL,
                [note.user.email],
            )
        except OSError as exc:  # smtplib errors and timeouts: the bell still has it
            log.warning("gửi thư thông báo %s thất bại: %s", note.pk, exc)
            continue
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())


def notification_send(
    *, user_ids: Iterable[int], title: str, kind: str, url: str = "", dedupe_key: str = ""
) -> list[Notification]:
    """One notification per active user; a repeated dedupe key sends nothing the second time."""
    created = []
    for user in User.objects.filter(pk__in=list(user_ids), is_active=True):
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        user=user,
                        kind=kind,
                        title=title[:300],
                        url=url[:300],
                        dedupe_key=dedupe_key[:120],
                    )
                )
        except IntegrityError:
            continue  # already sent with this key: a retried job sends nothing twice
    if settings.EMAIL_ENABLED and created:
        _email(created)
    return created


def notification_send_many(
    *, notices: Iterable[tuple[Iterable[int], str, str]], kind: str
) -> list[Notification]:
    """Several notifications, each (users, title, link), written at once (the arrivals of one
    exchange request, each to its organisation's văn thư): the users read once, one INSERT, in
    one transaction, so a retried job has sent all of them or none."""
    wanted = [(list(user_ids), title, url) for user_ids, title, url in notices]
    users = User.objects.filter(pk__in={pk for ids, _, _ in wanted for pk in ids}, is_active=True)
    active = {user.pk: user for user in users}
    rows = [
        Notification(user=active[pk], kind=kind, title=title[:300], url=url[:300])
        for ids, title, url in wanted
        for pk in ids
        if pk in active
    ]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
    if settings.EMAIL_ENABLED and created:
        _email(created)
    return created


def notification_mark_read(*, actor: User, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them when `ids` is None)."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
