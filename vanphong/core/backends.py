"""The sign-in backend: Django's model backend, reading the person with what every page shows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from vanphong.core.models import User

PATH = "vanphong.core.backends.UserBackend"


class UserBackend(ModelBackend):
    """Every page shows the person's unit and checks rights against their organisation; the
    plain backend read those with two more statements on each request."""

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            user = User._default_manager.select_related("organisation", "unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
