"""Who is who for a document: routers, unit heads, delegations, participants.

Used by the policy rules, the SQL scope and the services, so the three never disagree.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from vanphong.core.models import Role, Unit, User
from vanphong.documents.models import Delegation

ROUTER_ROLES = (Role.LANH_DAO_VAN_PHONG, Role.THUONG_TRUC)
REGISTER_WIDE_ROLES = (Role.VAN_THU, Role.LANH_DAO_VAN_PHONG, Role.THUONG_TRUC)


def today() -> date:
    return timezone.localdate()


def delegators_of(user: User, on: date | None = None) -> list[int]:
    """Ids of routers who delegated their routing to `user` for a period including `on`."""
    cache_key = "_delegators_cache"
    cached: list[int] | None = getattr(user, cache_key, None)
    if cached is not None and on is None:
        return cached
    on = on or today()
    ids = list(
        Delegation.objects.filter(  # type: ignore[misc]
            to_user=user,
            start_date__lte=on,
            end_date__gte=on,
            revoked_at__isnull=True,
            from_user__organisation_id=user.organisation_id,
            from_user__is_active=True,
        ).values_list("from_user_id", flat=True)
    )
    setattr(user, cache_key, ids)
    return ids


def is_router(user: User, organisation_id: int | None) -> bool:
    if organisation_id is None or user.organisation_id != organisation_id:
        return False
    return user.has_role(*ROUTER_ROLES) or bool(delegators_of(user))


def acting_for(user: User) -> User | None:
    """The leader on whose behalf `user` routes (None when routing in their own right)."""
    if user.has_role(*ROUTER_ROLES):
        return None
    ids = delegators_of(user)
    return User.objects.filter(pk=ids[0]).first() if ids else None


def is_clerk(user: User, organisation_id: int | None) -> bool:
    return (
        organisation_id is not None
        and user.organisation_id == organisation_id
        and user.has_role(Role.VAN_THU)
    )


def unit_heads(unit: Unit) -> list[User]:
    return list(
        User.objects.filter(unit=unit, is_active=True, roles__role=Role.LANH_DAO_DON_VI)
        .distinct()
        .order_by("pk")
    )


def is_unit_head(user: User, unit_id: int | None) -> bool:
    return unit_id is not None and user.unit_id == unit_id and user.has_role(Role.LANH_DAO_DON_VI)
