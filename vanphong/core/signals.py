"""Sign-in and sign-out go to the audit log (failed sign-ins are written by the service).

People named in the audit log are never deleted: the actor column is part of each row's hash,
so the database's SET NULL on delete would break the chain. Such accounts are deactivated.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.deletion import ProtectedError
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.http import HttpRequest

from vanphong.core.audit import audit_record
from vanphong.core.models import AuditEvent, User


@receiver(user_logged_in)
def _audit_signin(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.signin", obj=user, summary="Đăng nhập", request=request)


@receiver(user_logged_out)
def _audit_signout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user, action="auth.signout", obj=user, summary="Đăng xuất", request=request
        )


@receiver(pre_delete, sender=User)
def _keep_audited_people(sender: Any, instance: User, **kwargs: Any) -> None:
    rows = AuditEvent.objects.filter(actor=instance)
    if rows.exists():
        raise ProtectedError(
            f"Không xóa được người dùng “{instance.username}” vì đã có trong nhật ký hệ thống; "
            "hãy khóa tài khoản (bỏ chọn “đang hoạt động”) thay cho việc xóa.",
            set(rows[:10]),
        )
