"""What the exchange app adds to the shell: the count of electronic arrivals waiting."""

from __future__ import annotations

from vanphong.core.models import Role, User
from vanphong.core.nav import register_counts
from vanphong.exchange import selectors


@register_counts
def _counts(user: User) -> dict[str, int]:
    if user.organisation_id is None or not user.has_role(Role.VAN_THU):
        return {}
    return {"exchange": selectors.waiting_count(user)}
