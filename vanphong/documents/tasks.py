"""Daily deadline reminders: approaching and passed. Idempotent per item and day."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vanphong.documents import access, selectors
from vanphong.notifications.services import notification_send


def send_deadline_reminders(on: date | None = None) -> int:
    on = on or access.today()
    sent = 0
    for item in selectors.due_reminders(on).iterator(chunk_size=500):
        doc = item.document
        assert item.due_date is not None
        overdue = item.due_date < on
        prefix = "Quá hạn" if overdue else "Sắp đến hạn"
        title = f"{prefix} xử lý văn bản đến số {doc.arrival_number} (hạn {item.due_date:%d/%m/%Y})"
        sent += len(
            notification_send(
                user_ids=[item.user_id],
                title=title,
                kind="overdue" if overdue else "deadline",
                url=reverse("documents:detail", args=[doc.pk]),
                dedupe_key=f"deadline:{item.pk}:{on.isoformat()}",
            )
        )
    return sent


@db_periodic_task(crontab(hour="7", minute="0"))
def daily_deadline_reminders() -> int:
    return send_deadline_reminders()
