"""The bell: list page, a small htmx dropdown, open one, mark read (one or all)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from vanphong.core.models import User
from vanphong.notifications import selectors
from vanphong.notifications.models import Notification
from vanphong.notifications.services import notification_mark_read

DROPDOWN_SIZE = 8


def _rows(items: list[Notification]) -> list[tuple[Notification, str]]:
    return [(n, selectors.icon(n.kind)) for n in items]


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _safe(request: HttpRequest, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    unread_only = request.GET.get("chua_doc") == "1"
    page = selectors.page(request.user, _page_number(request.GET.get("trang")), 30, unread_only)
    return render(
        request,
        "notifications/list.html",
        {"page": page, "rows": _rows(page.items), "unread_only": unread_only},
    )


def _dropdown(request: HttpRequest, user: User) -> HttpResponse:
    items = list(selectors.recent(user, DROPDOWN_SIZE))
    count = selectors.unread_count(user)
    return render(
        request,
        "notifications/_dropdown.html",
        {"rows": _rows(items), "count": count, "oob": True},
    )


@require_GET
def dropdown(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    return _dropdown(request, request.user)


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """POST id=<pk> marks one, no id marks all; htmx gets the updated fragment back."""
    assert isinstance(request.user, User)
    user = request.user
    raw = request.POST.get("id", "")
    pk = int(raw) if raw.isdigit() else None
    notification_mark_read(actor=user, ids=[pk] if pk is not None else None)
    if getattr(request, "htmx", False):
        if pk is None:
            return _dropdown(request, user)
        note = selectors.own(user, pk)
        if note is None:
            return HttpResponse(status=204)
        return render(
            request,
            "notifications/_item_response.html",
            {
                "n": note,
                "icon": selectors.icon(note.kind),
                "count": selectors.unread_count(user),
                "oob": True,
            },
        )
    target = request.POST.get("next", "")
    return redirect(target if _safe(request, target) else "notifications:list")


@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    assert isinstance(request.user, User)
    note = selectors.own(request.user, pk)
    if note is None:
        return redirect("notifications:list")
    notification_mark_read(actor=request.user, ids=[note.pk])
    return redirect(note.url if _safe(request, note.url) else "notifications:list")
