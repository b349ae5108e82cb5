"""Sign-in (password, then TOTP when enabled), sign-out, dashboard, account, module pages."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanphong.core import backends, services
from vanphong.core.errors import DomainError
from vanphong.core.forms import SignInForm, TokenCreateForm, TotpForm
from vanphong.core.models import ApiToken, User
from vanphong.core.nav import module_by_key, panels_for
from vanphong.core.policy import require

_PENDING_KEY = "vp_pending_user"
_NEXT_KEY = "vp_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(settings.LOGIN_REDIRECT_URL and "/")


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's own sign-in page, never shown: a visitor signs in on the app's page
    (which asks for the TOTP code when enabled), and a signed-in person without admin rights gets
    the Vietnamese 403 page instead of Django's offer to sign in as someone else."""
    target = _safe_next(request, request.GET.get("next") or reverse("admin:index"))
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?{urlencode({'next': target})}")
    if not admin.site.has_permission(request):
        raise PermissionDenied("Trang quản trị danh mục chỉ dành cho quản trị hệ thống.")
    return redirect(target)


@login_not_required
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    form = SignInForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        outcome = services.signin_check_password(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if outcome.user is None:
            error = outcome.error
        elif outcome.needs_totp:
            request.session[_PENDING_KEY] = outcome.user.pk
            request.session[_NEXT_KEY] = _safe_next(request, request.GET.get("next"))
            return redirect("core:signin_totp")
        else:
            login(request, outcome.user)
            return redirect(_safe_next(request, request.GET.get("next")))
    status = 200 if not error else 401
    return render(request, "core/signin.html", {"form": form, "error": error}, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def signin_totp(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(_PENDING_KEY)
    if not user_id:
        return redirect("core:login")
    user = get_object_or_404(User, pk=user_id, is_active=True)
    form = TotpForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(user=user, code=form.cleaned_data["code"]):
            target = request.session.get(_NEXT_KEY, "/")
            request.session.pop(_PENDING_KEY, None)
            login(request, user, backend=backends.PATH)
            return redirect(target)
        services.audit_record(
            actor=None,
            actor_name=user.username,
            action="auth.totp_failed",
            obj=user,
            summary="Mã xác thực hai lớp sai",
            request=request,
        )
        error = "Mã xác thực không đúng hoặc đã hết hạn."
    return render(
        request,
        "core/signin_totp.html",
        {"form": form, "error": error},
        status=401 if error else 200,
    )


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "Đồng chí đã đăng xuất.")
    return redirect("core:login")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every page: send them to the SVG icon."""
    return redirect(static("vanphong/favicon.svg"), permanent=True)


def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, "core.view_dashboard")
    return render(request, "core/dashboard.html", {"panels": panels_for(request)})


def module_page(request: HttpRequest, key: str) -> HttpResponse:
    module = module_by_key(key)
    if module is None or module.url_name is not None:
        raise Http404("Không có phân hệ này.")
    return render(request, "core/module_coming.html", {"module": module})


@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    token_form = TokenCreateForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and token_form.is_valid():
        require(user, "core.manage_own_tokens")
        _, new_token = services.api_token_create(
            actor=user, user=user, name=token_form.cleaned_data["name"]
        )
        token_form = TokenCreateForm()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    return render(
        request,
        "core/account.html",
        {
            "token_form": token_form,
            "tokens": tokens,
            "new_token": new_token,
        },
    )


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    require(request.user, "core.manage_own_tokens", token)
    services.api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, "Đã thu hồi mã truy cập.")
    return redirect("core:account")


@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and "disable" in request.POST:
        services.totp_disable(actor=user, target=user, request=request)
        messages.success(request, "Đã tắt xác thực hai lớp.")
        return redirect("core:account")
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm_enrolment(
                actor=user, code=form.cleaned_data["code"], request=request
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, "Đã bật xác thực hai lớp.")
            return redirect("core:account")
    qr_svg = ""
    secret = ""
    if not user.totp_enabled:
        if request.method == "GET" or not user.totp_secret:
            uri = services.totp_begin_enrolment(actor=user)
        else:
            import pyotp

            uri = pyotp.TOTP(user.totp_secret).provisioning_uri(
                name=user.username, issuer_name="vanphong"
            )
        qr_svg = segno.make(uri, error="m").svg_inline(scale=4)
        secret = user.totp_secret
    return render(
        request,
        "core/totp_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": secret,
            "required": settings.REQUIRE_ADMIN_TOTP,
        },
    )
