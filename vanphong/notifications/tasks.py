"""Notification jobs run by the worker (enqueued after commit)."""

from __future__ import annotations

from django.urls import reverse
from huey.contrib.djhuey import db_task

from vanphong.notifications.services import notification_send, notification_send_many


@db_task(retries=3, retry_delay=30)
def notify_users(
    *, user_ids: list[int], title: str, kind: str, document_id: int | None = None
) -> int:
    url = reverse("documents:detail", args=[document_id]) if document_id else ""
    return len(notification_send(user_ids=user_ids, title=title, kind=kind, url=url))


@db_task(retries=3, retry_delay=30)
def notify_many(*, notices: list[tuple[list[int], str, str]], kind: str) -> int:
    """Many notifications in one job (`notification_send_many`)."""
    return len(notification_send_many(notices=notices, kind=kind))
