"""Template tags of the page shell (base.html)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from vanphong.core.nav import module_by_key

register = template.Library()

# The counts the side navigation shows (documents/_subnav.html included).
SIDEBAR_COUNTS = (
    "incoming_pending",
    "incoming_overdue",
    "incoming_due_soon",
    "incoming_info",
    "exchange",
)


@register.simple_tag(takes_context=True)
def sidebar(context: template.Context) -> SafeString:
    """The side navigation. Its HTML depends only on the modules the person may open and on
    the counts shown, so each distinct combination is rendered once per process (the module
    loop with its thirty links was a fifth of the work-list page's template time)."""
    modules = tuple(m.key for m in context.get("nav_modules") or ())
    counts = context.get("nav_counts") or {}
    shown = tuple((name, str(counts[name])) for name in SIDEBAR_COUNTS if counts.get(name))
    html = _sidebar_html(get_script_prefix(), modules, shown)  # links depend on the prefix
    return mark_safe(html)  # a template's output, escaped there


@lru_cache(maxsize=512)
def _sidebar_html(
    prefix: str, modules: tuple[str, ...], counts: tuple[tuple[str, str], ...]
) -> str:
    values: dict[str, Any] = {
        "nav_modules": [module_by_key(key) for key in modules],
        "nav_counts": dict(counts),
    }
    return render_to_string("_sidebar.html", values)
