from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from vanphong.core.models import User
from vanphong.notifications.selectors import recent
from vanphong.notifications.services import notification_mark_read


def notification_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    return render(request, "notifications/list.html", {"items": recent(request.user)})


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    pk = request.POST.get("id")
    notification_mark_read(actor=request.user, ids=[int(pk)] if pk and pk.isdigit() else None)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")
