"""Writes of notifications. Idempotent when a dedupe key is given."""

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


def notification_send(
    *, user_ids: Iterable[int], title: str, kind: str, url: str = "", dedupe_key: str = ""
) -> list[Notification]:
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
    if settings.EMAIL_ENABLED:
        for note in created:
            if note.user.email:
                try:
                    send_mail(
                        f"[vanphong] {note.title}",
                        f"{note.title}\n\n{note.url}",
                        settings.DEFAULT_FROM_EMAIL,
                        [note.user.email],
                    )
                except OSError as exc:
                    log.warning("gửi thư thông báo thất bại: %s", exc)
                    continue
                Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return created


def notification_mark_read(*, actor: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
