from __future__ import annotations

from django.db.models import QuerySet

from vanphong.core.models import User
from vanphong.notifications.models import Notification


def unread_count(user: User) -> int:
    # Capped: the bell shows "99+" style counts without scanning a long history.
    ids = Notification.objects.filter(user=user, read_at__isnull=True).values("id")[:100]
    return len(ids)


def recent(user: User, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]
