"""What the documents app adds to the shell: navigation counts and the dashboard panel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vanphong.core.models import User
from vanphong.core.nav import register_counts, register_dashboard_panel
from vanphong.documents import selectors


@register_counts
def _counts(user: User) -> dict[str, int]:
    return selectors.nav_counts(user)


@register_dashboard_panel
def _stats_panel(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    user = request.user
    if not isinstance(user, User) or user.organisation_id is None:
        return None
    return "documents/_stats_panel.html", {"stats": selectors.statistics(user)}
