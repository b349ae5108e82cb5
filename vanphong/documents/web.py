"""Request helpers shared by the page modules of the incoming-documents app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import DENIED_MESSAGE


def current_user(request: HttpRequest) -> User:
    """The signed-in person (the login middleware guarantees one on every page)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(DENIED_MESSAGE)
    return user


def error_message(exc: DomainError | PermissionDenied) -> str:
    """The Vietnamese message of a refusal, to show as-is."""
    if isinstance(exc, DomainError):
        return exc.message
    return str(exc) or DENIED_MESSAGE


def is_partial(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (not a history restore, which needs the page)."""
    htmx = getattr(request, "htmx", None)
    if htmx is None or not htmx:
        return False
    return not htmx.history_restore_request
