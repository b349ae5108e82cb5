"""Reads of a person's own notifications (never anyone else's)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from vanphong.core.models import User
from vanphong.notifications.models import Notification

UNREAD_CAP = 100
ICONS = {
    "assignment": "fa-inbox",
    "return": "fa-rotate-left",
    "done": "fa-circle-check",
    "deadline": "fa-hourglass-half",
    "overdue": "fa-triangle-exclamation",
}


def unread_count(user: User) -> int:
    # Capped: the bell shows "99+" without scanning a long history.
    ids = Notification.objects.filter(user=user, read_at__isnull=True).values("id")[:UNREAD_CAP]
    return len(ids)


def bell_label(count: int) -> str:
    return "99+" if count > 99 else str(count)


def recent(user: User, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def own(user: User, pk: int) -> Notification | None:
    return Notification.objects.filter(user=user, pk=pk).first()


@dataclass
class NotificationPage:
    items: list[Notification]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page(user: User, number: int, size: int = 30, unread_only: bool = False) -> NotificationPage:
    """One page, newest first; one row more is fetched to know whether a next page exists."""
    number = max(1, number)
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    start = (number - 1) * size
    rows = list(qs.order_by("-created_at", "-id")[start : start + size + 1])
    return NotificationPage(items=rows[:size], number=number, has_next=len(rows) > size)


def icon(kind: str) -> str:
    return ICONS.get(kind, "fa-bell")
