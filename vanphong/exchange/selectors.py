"""Reads of the exchange app, already filtered by the policy (scopes in policy_rules)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from vanphong.core.models import User
from vanphong.core.policy import can, filter_visible
from vanphong.exchange.models import (
    Arrival,
    ArrivalState,
    Direction,
    Dispatch,
    Message,
    Peer,
    RecallState,
)


def arrivals(user: User, which: str = "cho") -> QuerySet[Arrival]:
    """ "cho": waiting for a decision or with a recall request to answer; "da": decided."""
    rows = Arrival.objects.select_related("sender", "organisation", "incoming")
    waiting = Q(state=ArrivalState.PENDING) | Q(recall_state=RecallState.REQUESTED)
    rows = rows.filter(waiting) if which == "cho" else rows.exclude(waiting)
    return filter_visible(user, "exchange.arrivals", rows).order_by("-received_at", "-id")


def waiting_count(user: User) -> int:
    """The navigation badge: arrivals of the user's organisation waiting (an indexed count over
    the organisation's open arrivals only, not the log)."""
    return arrivals(user, "cho").count()


def arrival_detail(user: User, pk: int) -> Arrival | None:
    rows = filter_visible(user, "exchange.arrivals", Arrival.objects.all())
    return (
        rows.select_related("sender", "organisation", "incoming", "decided_by")
        .filter(pk=pk)
        .first()
    )


def peers() -> QuerySet[Peer]:
    return Peer.objects.select_related("via_hub").order_by("-is_hub", "identifier")


@dataclass
class LogFilter:
    direction: str = ""
    state: str = ""
    kind: str = ""
    peer: str = ""
    document_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def messages(user: User, flt: LogFilter) -> QuerySet[Message]:
    rows = Message.objects.defer("body", "receipt")
    if flt.direction:
        rows = rows.filter(direction=flt.direction)
    if flt.state:
        rows = rows.filter(state=flt.state)
    if flt.kind:
        rows = rows.filter(kind=flt.kind)
    if flt.peer:
        rows = rows.filter(Q(from_identifier=flt.peer) | Q(to_identifier=flt.peer))
    if flt.document_id:
        rows = rows.filter(document_id__icontains=flt.document_id)
    if flt.date_from:
        rows = rows.filter(created_at__date__gte=flt.date_from)
    if flt.date_to:
        rows = rows.filter(created_at__date__lte=flt.date_to)
    return filter_visible(user, "exchange.messages", rows).order_by("-created_at", "-id")


def message_detail(user: User, pk: int) -> Message | None:
    return filter_visible(user, "exchange.messages", Message.objects.all()).filter(pk=pk).first()


def outbox_problems(user: User) -> QuerySet[Message]:
    """Outgoing rows still waiting after a failed try, or refused: what the admin watches."""
    rows = (
        Message.objects.defer("body")
        .filter(direction=Direction.OUT)
        .filter(Q(state="pending", attempts__gt=0) | Q(state="failed"))
    )
    return filter_visible(user, "exchange.messages", rows).order_by("next_attempt_at", "-id")


def timeline(user: User, outgoing: Any) -> list[Dispatch] | None:
    """Exchange recipients of an outgoing document with their statuses (None: not allowed)."""
    if not can(user, "exchange.view_timeline", outgoing):
        return None
    dispatches = list(
        Dispatch.objects.filter(outgoing=outgoing)
        .select_related("organisation")
        .prefetch_related("statuses", "messages")
    )
    return dispatches
