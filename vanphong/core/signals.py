"""Sign-in and sign-out go to the audit log (failed sign-ins are written by the service)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from vanphong.core.audit import audit_record
from vanphong.core.models import User


@receiver(user_logged_in)
def _audit_signin(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.signin", obj=user, summary="Đăng nhập", request=request)


@receiver(user_logged_out)
def _audit_signout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user, action="auth.signout", obj=user, summary="Đăng xuất", request=request
        )
