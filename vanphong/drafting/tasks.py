"""Notification jobs of the outgoing documents (enqueued after commit)."""

from __future__ import annotations

from django.urls import reverse
from huey.contrib.djhuey import db_task

from vanphong.notifications.services import notification_send


@db_task(retries=3, retry_delay=30)
def notify_outgoing(*, user_ids: list[int], title: str, kind: str, document_id: int) -> int:
    url = reverse("drafting:detail", args=[document_id])
    return len(notification_send(user_ids=user_ids, title=title, kind=kind, url=url))
