"""Core rules: what any signed-in person may do, and what only administrators may do."""

from __future__ import annotations

from typing import Any

from vanphong.core.models import User
from vanphong.core.policy import is_admin, rule


@rule("core.view_dashboard")
def _view_dashboard(user: User, obj: Any) -> bool:
    return True


@rule("core.manage_reference_data")
def _manage_reference_data(user: User, obj: Any) -> bool:
    return is_admin(user)


@rule("core.view_audit_log")
def _view_audit_log(user: User, obj: Any) -> bool:
    return is_admin(user)


@rule("core.manage_own_tokens")
def _manage_own_tokens(user: User, obj: Any) -> bool:
    return obj is None or obj.user_id == user.pk or is_admin(user)
