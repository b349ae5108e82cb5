from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from vanphong.core.nav import counts_for_request, modules_for
from vanphong.core.policy import is_admin


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"network_zone": settings.NETWORK_ZONE}
    return {
        "nav_modules": modules_for(user),
        "nav_counts": counts_for_request(request, user),
        "is_admin_user": is_admin(user),
        "network_zone": settings.NETWORK_ZONE,
    }
