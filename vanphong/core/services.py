"""Writes of the core domain: sign-in outcomes, two-factor enrolment, API tokens, people."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import ApiToken, Role, User, UserRole


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    error: str = ""
    needs_totp: bool = False


def _locked_message(user: User) -> str:
    until = timezone.localtime(user.locked_until).strftime("%H:%M %d/%m/%Y")  # type: ignore[arg-type]
    return (
        f"Tài khoản tạm khóa đến {until} do nhập sai mật khẩu hoặc mã xác thực "
        f"{settings.LOGIN_MAX_FAILURES} lần. Vui lòng thử lại sau hoặc liên hệ quản trị hệ thống."
    )


def _count_failure(user: User) -> None:
    """One more failed attempt (password or second-step code); lock at LOGIN_MAX_FAILURES."""
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])


def _is_locked(user: User) -> bool:
    until = User.objects.filter(pk=user.pk).values_list("locked_until", flat=True).first()
    return until is not None and until > timezone.now()


def signin_check_password(*, request: HttpRequest, username: str, password: str) -> SignInOutcome:
    """First factor. Counts failures, locks the account after LOGIN_MAX_FAILURES."""
    generic = "Tên đăng nhập hoặc mật khẩu không đúng."
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is not None and user.locked_until and user.locked_until > timezone.now():
        audit_record(
            actor=None,
            actor_name=username[:150],
            action="auth.signin_locked",
            obj=user,
            summary="Đăng nhập khi tài khoản đang bị khóa",
            request=request,
        )
        return SignInOutcome(None, _locked_message(user))
    authenticated = authenticate(
        request, username=user.username if user else username, password=password
    )
    if authenticated is None or not isinstance(authenticated, User):
        with transaction.atomic():
            if user is not None:
                _count_failure(user)
            audit_record(
                actor=None,
                actor_name=username[:150],
                action="auth.signin_failed",
                obj=user,
                summary="Đăng nhập sai",
                request=request,
            )
        if user is not None and user.locked_until and user.locked_until > timezone.now():
            return SignInOutcome(None, _locked_message(user))
        return SignInOutcome(None, generic)
    if not authenticated.totp_enabled and (
        authenticated.failed_logins or authenticated.locked_until
    ):
        # With a second factor the count is reset only when the code is right (totp_verify).
        User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
    return SignInOutcome(authenticated, needs_totp=authenticated.totp_enabled)


def totp_verify(*, user: User, code: str) -> bool:
    """Check a 6-digit code (±30 s); a code is accepted once (no replay).

    A wrong or replayed code counts as a failed sign-in, and a locked account accepts no code,
    so the six digits cannot be guessed by trying them all.
    """
    code = "".join(ch for ch in code if ch.isdigit())
    if not user.totp_secret or _is_locked(user):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    current_step = int(now.timestamp()) // totp.interval
    with transaction.atomic():
        if len(code) == 6:
            for offset in (0, -1, 1):
                step = current_step + offset
                if secrets.compare_digest(totp.generate_otp(step), code):
                    updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(
                        totp_last_step=step, failed_logins=0, locked_until=None
                    )
                    if updated == 1:
                        return True
                    break
        _count_failure(user)
    return False


def totp_begin_enrolment(*, actor: User) -> str:
    """Give the user a fresh secret (not yet active). Returns the provisioning URI."""
    if actor.totp_enabled:
        raise DomainError("Xác thực hai lớp đã được bật cho tài khoản này.")
    actor.totp_secret = pyotp.random_base32()
    actor.save(update_fields=["totp_secret"])
    return pyotp.TOTP(actor.totp_secret).provisioning_uri(
        name=actor.username, issuer_name="vanphong"
    )


def totp_confirm_enrolment(*, actor: User, code: str, request: HttpRequest | None = None) -> None:
    if not actor.totp_secret:
        raise DomainError("Hãy bắt đầu lại việc bật xác thực hai lớp.")
    if not totp_verify(user=actor, code=code):
        raise DomainError("Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã mới trên ứng dụng.")
    with transaction.atomic():
        actor.totp_enabled = True
        actor.save(update_fields=["totp_enabled"])
        audit_record(
            actor=actor,
            action="auth.totp_enabled",
            obj=actor,
            summary="Bật xác thực hai lớp",
            request=request,
        )


def totp_disable(*, actor: User, target: User, request: HttpRequest | None = None) -> None:
    from vanphong.core.policy import is_admin

    if actor.pk != target.pk and not is_admin(actor):
        raise DomainError("Đồng chí không có quyền tắt xác thực hai lớp của người khác.")
    with transaction.atomic():
        target.totp_enabled = False
        target.totp_secret = ""
        target.save(update_fields=["totp_enabled", "totp_secret"])
        audit_record(
            actor=actor,
            action="auth.totp_disabled",
            obj=target,
            summary=f"Tắt xác thực hai lớp của {target.username}",
            request=request,
        )


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(*, actor: User, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = settings.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=raw[:10], key_hash=_hash_token(raw)
        )
        audit_record(
            actor=actor,
            action="api.token_created",
            obj=token,
            summary=f"Tạo mã truy cập API cho {user.username}",
        )
    return token, raw


def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="api.token_revoked",
                obj=token,
                summary=f"Thu hồi mã truy cập API {token.prefix}…",
            )


def api_token_authenticate(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_set_roles(*, actor: User | None, user: User, roles: list[str]) -> None:
    valid = set(Role.values)
    unknown = [r for r in roles if r not in valid]
    if unknown:
        raise DomainError(f"Vai trò không hợp lệ: {', '.join(unknown)}")
    with transaction.atomic():
        UserRole.objects.filter(user=user).exclude(role__in=roles).delete()
        for role in roles:
            UserRole.objects.get_or_create(user=user, role=role)
        user.__dict__.pop("_role_cache", None)
        audit_record(
            actor=actor,
            action="core.user_roles_set",
            obj=user,
            summary=f"Đặt vai trò cho {user.username}",
            data={"roles": sorted(roles)},
        )
