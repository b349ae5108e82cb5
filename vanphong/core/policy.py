"""The one permission policy. Deny by default.

Actions are strings ("documents.register"). Apps register a rule per action with @rule;
`can()` answers yes/no, `require()` raises PermissionDenied with a Vietnamese message.
Querysets are filtered with the same rules in SQL by scope functions registered with @scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from vanphong.core.models import Role, User

Rule = Callable[[User, Any], bool]
Scope = Callable[[User, QuerySet[Any]], QuerySet[Any]]
_rules: dict[str, Rule] = {}
_scopes: dict[str, Scope] = {}
F = TypeVar("F", bound=Callable[..., Any])

DENIED_MESSAGE = "Đồng chí không có quyền thực hiện thao tác này."


def rule(action: str) -> Callable[[F], F]:
    def register(func: F) -> F:
        if action in _rules:
            raise RuntimeError(f"policy rule {action!r} registered twice")
        _rules[action] = func
        return func

    return register


def scope(name: str) -> Callable[[F], F]:
    def register(func: F) -> F:
        if name in _scopes:
            raise RuntimeError(f"policy scope {name!r} registered twice")
        _scopes[name] = func
        return func

    return register


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def can(user: Any, action: str, obj: Any = None) -> bool:
    if not _active(user):
        return False
    check = _rules.get(action)
    if check is None:
        return False
    return bool(check(user, obj))


def require(user: Any, action: str, obj: Any = None, message: str = DENIED_MESSAGE) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(message)


def filter_visible(user: Any, name: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Apply the named scope; an unknown scope or an inactive user sees nothing."""
    if not _active(user):
        return queryset.none()
    apply = _scopes.get(name)
    if apply is None:
        return queryset.none()
    return apply(user, queryset)


def is_admin(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.QUAN_TRI)


def registered_actions() -> list[str]:
    return sorted(_rules)
