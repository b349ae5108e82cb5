"""Electronic exchange in the one policy.

- The directory (danh bạ liên thông) and the node settings: administrators only.
- Arrivals (văn bản điện tử chờ tiếp nhận) and recall requests: the văn thư of the organisation
  the package is addressed to; the scope "exchange.arrivals" applies the same rule in SQL.
- The message log: administrators see every package of the node; a văn thư sees the packages
  sent from or to their own organisation (scope "exchange.messages").
- The status timeline of an outgoing document: whoever may see the outgoing document.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vanphong.core.models import Role, User
from vanphong.core.policy import can, is_admin, rule, scope
from vanphong.documents import access


@rule("exchange.manage_directory")
def _manage_directory(user: User, obj: Any) -> bool:
    return is_admin(user)


@rule("exchange.view_log")
def _view_log(user: User, obj: Any) -> bool:
    return is_admin(user) or (user.organisation_id is not None and user.has_role(Role.VAN_THU))


@rule("exchange.receive")
def _receive(user: User, arrival: Any) -> bool:
    """Accept or refuse an arrival, answer a recall request (obj: the Arrival, or None)."""
    if arrival is None:
        return user.organisation_id is not None and user.has_role(Role.VAN_THU)
    return access.is_clerk(user, arrival.organisation_id)


@rule("exchange.view_timeline")
def _view_timeline(user: User, outgoing: Any) -> bool:
    return can(user, "drafting.view", outgoing)


@scope("exchange.arrivals")
def _arrivals(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    if user.organisation_id is None or not user.has_role(Role.VAN_THU):
        return queryset.none()
    return queryset.filter(organisation_id=user.organisation_id)


@scope("exchange.messages")
def _messages(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    if is_admin(user):
        return queryset
    if user.organisation_id is None or not user.has_role(Role.VAN_THU):
        return queryset.none()
    own = user.organisation.identifier if user.organisation else ""
    if not own:
        return queryset.none()
    return queryset.filter(Q(from_identifier=own) | Q(to_identifier=own))
