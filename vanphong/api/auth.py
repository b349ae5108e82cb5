"""Bearer-token authentication for the API (tokens from `vanphong token create`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from vanphong.core.models import User
from vanphong.core.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def session_or_token(request: HttpRequest) -> Any:
    """Allow the browser's own session too, so pages can call the API with htmx."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None
