"""Signing in: the real form, Argon2, lockout, two-factor codes, and pages behind the login."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyotp
import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.templatetags.static import static
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from vanphong.core import services
from vanphong.core.models import AuditEvent, User

SIGNIN = "/dang-nhap/"
TOTP_STEP = "/dang-nhap/xac-thuc/"
TOTP_SETUP = "/tai-khoan/xac-thuc-hai-lop/"
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def _sign_in(client: Client, username: str, password: str, next_url: str = "") -> Any:
    url = f"{SIGNIN}?next={next_url}" if next_url else SIGNIN
    return client.post(url, {"username": username, "password": password})


def _signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def _enable_totp(user: User) -> pyotp.TOTP:
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = True
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_step"])
    return pyotp.TOTP(user.totp_secret)


def _wrong_code(totp: pyotp.TOTP) -> str:
    """A six-digit code valid in none of the accepted steps (now, one before, one after)."""
    now = timezone.now()
    valid = {totp.at(now + dt.timedelta(seconds=delta)) for delta in (-30, 0, 30)}
    candidate = 0
    while f"{candidate:06d}" in valid:
        candidate += 1
    return f"{candidate:06d}"


# --- password -----------------------------------------------------------------------------


def test_a_clerk_signs_in_with_the_real_form(demo, password):
    client = Client()
    form = client.get(SIGNIN)
    assert form.status_code == 200
    assert 'name="username"' in form.content.decode()
    response = _sign_in(client, "vanthu", password)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_as(client) == demo.user("vanthu").pk
    assert client.get("/").status_code == 200


def test_the_sign_in_honours_a_local_next_address_and_ignores_a_foreign_one(demo, password):
    client = Client()
    response = _sign_in(client, "vanthu", password, next_url="/thong-bao/")
    assert response["Location"] == "/thong-bao/"
    other = Client()
    response = _sign_in(other, "vanthu", password, next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_the_user_name_is_not_case_sensitive(demo, password):
    client = Client()
    assert _sign_in(client, "VanThu", password).status_code == 302
    assert _signed_in_as(client) == demo.user("vanthu").pk


def test_new_passwords_are_hashed_with_argon2(demo, password):
    assert make_password("Mật khẩu mới 2026").startswith("argon2$")
    user = demo.user("chuyenvien")
    user.set_password("Mật khẩu mới 2026")
    user.save()
    assert demo.user("chuyenvien").password.startswith("argon2$")
    assert _sign_in(Client(), "chuyenvien", "Mật khẩu mới 2026").status_code == 302


def test_a_wrong_password_is_refused_with_a_vietnamese_message_and_401(demo):
    client = Client()
    response = _sign_in(client, "vanthu", "sai-mat-khau")
    assert response.status_code == 401
    assert WRONG in response.content.decode()
    assert _signed_in_as(client) is None
    assert demo.user("vanthu").failed_logins == 1


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(demo):
    response = _sign_in(Client(), "khong-co-ai", "sai-mat-khau")
    assert response.status_code == 401
    assert WRONG in response.content.decode()


def test_an_empty_form_asks_for_the_fields_in_vietnamese(demo):
    response = Client().post(SIGNIN, {"username": "", "password": ""})
    content = response.content.decode()
    assert "Vui lòng nhập tên đăng nhập." in content
    assert "Vui lòng nhập mật khẩu." in content


def test_an_inactive_account_cannot_sign_in(demo, password):
    User.objects.filter(username="vanthu").update(is_active=False)
    client = Client()
    assert _sign_in(client, "vanthu", password).status_code == 401
    assert _signed_in_as(client) is None


# --- lockout ------------------------------------------------------------------------------


def test_the_account_locks_after_the_allowed_failures_even_for_the_right_password(
    demo, password, settings
):
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for attempt in range(2):
        response = _sign_in(client, "vanthu", f"sai-{attempt}")
        assert WRONG in response.content.decode()
    response = _sign_in(client, "vanthu", "sai-lan-cuoi")
    assert response.status_code == 401
    assert "tạm khóa" in response.content.decode()
    assert demo.user("vanthu").locked_until is not None
    response = _sign_in(client, "vanthu", password)
    assert response.status_code == 401
    assert "tạm khóa" in response.content.decode()
    assert _signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="auth.signin_locked").count() == 1


def test_the_lock_lifts_when_the_lock_period_is_over(demo, password, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    _sign_in(client, "vanthu", "sai-1")
    _sign_in(client, "vanthu", "sai-2")
    assert "tạm khóa" in _sign_in(client, "vanthu", password).content.decode()
    User.objects.filter(username="vanthu").update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    response = _sign_in(client, "vanthu", password)
    assert response.status_code == 302
    assert _signed_in_as(client) == demo.user("vanthu").pk
    user = demo.user("vanthu")
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_a_successful_sign_in_resets_the_failure_count(demo, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    _sign_in(Client(), "vanthu", "sai-1")
    _sign_in(Client(), "vanthu", "sai-2")
    assert _sign_in(Client(), "vanthu", password).status_code == 302
    assert demo.user("vanthu").failed_logins == 0
    response = _sign_in(Client(), "vanthu", "sai-3")
    assert "tạm khóa" not in response.content.decode()


def test_the_lock_message_names_the_time_it_lifts(demo, settings):
    settings.LOGIN_MAX_FAILURES = 1
    settings.LOGIN_LOCK_MINUTES = 15
    response = _sign_in(Client(), "vanthu", "sai")
    until = timezone.localtime(demo.user("vanthu").locked_until)
    assert f"{until:%H:%M %d/%m/%Y}" in response.content.decode()


# --- two factors --------------------------------------------------------------------------


def test_a_person_enrols_a_second_factor_with_a_code_from_the_app(demo, password):
    client = Client()
    _sign_in(client, "chuyenvien", password)
    page = client.get(TOTP_SETUP)
    assert page.status_code == 200
    user = demo.user("chuyenvien")
    assert user.totp_secret and not user.totp_enabled
    assert user.totp_secret in page.content.decode()
    assert "<svg" in page.content.decode()
    code = pyotp.TOTP(user.totp_secret).now()
    response = client.post(TOTP_SETUP, {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/"
    user = demo.user("chuyenvien")
    assert user.totp_enabled
    assert AuditEvent.objects.filter(action="auth.totp_enabled", actor=user).count() == 1


def test_enrolment_refuses_a_wrong_code(demo, password):
    client = Client()
    _sign_in(client, "chuyenvien", password)
    client.get(TOTP_SETUP)
    totp = pyotp.TOTP(demo.user("chuyenvien").totp_secret)
    response = client.post(TOTP_SETUP, {"code": _wrong_code(totp)})
    assert response.status_code == 200
    assert "Mã xác thực không đúng hoặc đã hết hạn" in response.content.decode()
    assert not demo.user("chuyenvien").totp_enabled


def test_the_services_refuse_to_enrol_twice_and_to_confirm_without_a_secret(demo):
    user = demo.user("chuyenvien")
    with pytest.raises(services.DomainError, match="Hãy bắt đầu lại"):
        services.totp_confirm_enrolment(actor=user, code="123456")
    uri = services.totp_begin_enrolment(actor=user)
    assert uri.startswith("otpauth://totp/") and "issuer=vanphong" in uri
    services.totp_confirm_enrolment(actor=user, code=pyotp.TOTP(user.totp_secret).now())
    with pytest.raises(services.DomainError, match="đã được bật"):
        services.totp_begin_enrolment(actor=demo.user("chuyenvien"))


def test_with_two_factors_the_password_alone_does_not_sign_in(demo, password):
    totp = _enable_totp(demo.user("lanhdao"))
    client = Client()
    response = _sign_in(client, "lanhdao", password, next_url="/thong-bao/")
    assert response.status_code == 302
    assert response["Location"] == TOTP_STEP
    assert _signed_in_as(client) is None
    assert client.get("/").status_code == 302
    response = client.post(TOTP_STEP, {"code": totp.now()})
    assert response.status_code == 302
    assert response["Location"] == "/thong-bao/"
    assert _signed_in_as(client) == demo.user("lanhdao").pk


def test_a_wrong_second_step_code_is_refused(demo, password):
    totp = _enable_totp(demo.user("lanhdao"))
    client = Client()
    _sign_in(client, "lanhdao", password)
    response = client.post(TOTP_STEP, {"code": _wrong_code(totp)})
    assert response.status_code == 401
    assert "Mã xác thực không đúng hoặc đã hết hạn." in response.content.decode()
    assert _signed_in_as(client) is None
    assert AuditEvent.objects.filter(action="auth.totp_failed").count() == 1


def test_a_second_step_code_cannot_be_replayed(demo, password):
    totp = _enable_totp(demo.user("lanhdao"))
    first = Client()
    _sign_in(first, "lanhdao", password)
    code = totp.now()
    assert first.post(TOTP_STEP, {"code": code}).status_code == 302
    second = Client()
    _sign_in(second, "lanhdao", password)
    response = second.post(TOTP_STEP, {"code": code})
    assert response.status_code == 401
    assert _signed_in_as(second) is None


def test_the_second_step_cannot_be_guessed_by_trying_many_codes(demo, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    totp = _enable_totp(demo.user("lanhdao"))
    client = Client()
    _sign_in(client, "lanhdao", password)
    for _ in range(3):
        assert client.post(TOTP_STEP, {"code": _wrong_code(totp)}).status_code == 401
    assert demo.user("lanhdao").locked_until is not None
    response = client.post(TOTP_STEP, {"code": totp.now()})
    assert response.status_code == 401
    assert _signed_in_as(client) is None
    response = _sign_in(Client(), "lanhdao", password)
    assert "tạm khóa" in response.content.decode()


def test_entering_the_password_again_does_not_reset_the_count_of_wrong_codes(
    demo, password, settings
):
    settings.LOGIN_MAX_FAILURES = 3
    totp = _enable_totp(demo.user("lanhdao"))
    for _ in range(3):
        client = Client()
        assert _sign_in(client, "lanhdao", password)["Location"] == TOTP_STEP
        client.post(TOTP_STEP, {"code": _wrong_code(totp)})
    assert demo.user("lanhdao").locked_until is not None


def test_the_second_step_page_without_a_password_first_goes_back_to_sign_in(demo):
    response = Client().get(TOTP_STEP)
    assert response.status_code == 302
    assert response["Location"] == SIGNIN


def test_an_administrator_without_two_factors_is_sent_to_enrol_when_required(
    demo, password, settings
):
    settings.REQUIRE_ADMIN_TOTP = True
    admin = demo.client("admin")
    response = admin.get("/")
    assert response.status_code == 302
    assert response["Location"] == TOTP_SETUP
    assert admin.get("/van-ban-den/")["Location"] == TOTP_SETUP
    assert admin.get(TOTP_SETUP).status_code == 200
    assert demo.client("vanthu").get("/").status_code == 200


def test_an_administrator_with_two_factors_is_not_redirected(demo, settings):
    settings.REQUIRE_ADMIN_TOTP = True
    _enable_totp(demo.user("admin"))
    assert demo.client("admin").get("/").status_code == 200


def test_administrators_are_not_redirected_when_the_operator_does_not_require_it(demo, settings):
    settings.REQUIRE_ADMIN_TOTP = False
    assert demo.client("admin").get("/").status_code == 200


# --- pages behind the login ---------------------------------------------------------------

PROTECTED = [
    "/",
    "/van-ban-den/",
    "/van-ban-den/so/",
    "/van-ban-den/vao-so/",
    "/van-ban-den/uy-quyen/",
    "/van-ban-den/1/",
    "/thong-bao/",
    "/tai-khoan/",
    TOTP_SETUP,
    "/phan-he/archive/",
    "/phan-he/outgoing/",
]


@pytest.mark.parametrize("url", PROTECTED)
def test_every_page_sends_a_visitor_to_the_sign_in_page(demo, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{SIGNIN}?next=")


def test_the_administration_site_needs_a_sign_in_too(demo):
    response = Client().get("/quan-tri/")
    assert response.status_code == 302
    assert "login" in response["Location"] or response["Location"].startswith(SIGNIN)
    follow = Client().get("/quan-tri/core/user/")
    assert follow.status_code == 302


def test_the_administration_site_refuses_a_signed_in_non_administrator(demo):
    response = demo.client("vanthu").get("/quan-tri/core/user/")
    assert response.status_code == 302
    assert "/quan-tri/login/" in response["Location"]


_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_SAMPLES = {"key": "archive", "action": "present", "kind": "den", "fmt": "xlsx"}


def _sample(match: re.Match[str]) -> str:
    if match["name"] in _SAMPLES:
        return _SAMPLES[match["name"]]
    return "1" if match["converter"] == "int" else "mau"


def _all_routes() -> list[str]:
    """Every URL pattern of the site with sample arguments, except the API and the admin."""
    routes: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            text = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if text.startswith(("quan-tri/", "api/")):
                    continue
                walk(entry.url_patterns, prefix + text)
            elif isinstance(entry, URLPattern):
                routes.append("/" + _PARAMETER.sub(_sample, prefix + text))

    walk(get_resolver().url_patterns, "")
    return routes


def test_every_route_of_the_site_needs_a_sign_in_except_the_sign_in_pages(demo):
    open_routes = {SIGNIN, TOTP_STEP}
    # Machine endpoints other nodes post to: open without a session, each package is
    # authenticated by its XML-DSig signature against the directory (tests/test_exchange*.py).
    machine_routes = {"/lien-thong/inbox/"}
    icon_routes = {"/favicon.ico"}  # browsers ask for it before any sign-in
    routes = _all_routes()
    assert len(routes) >= 10
    assert machine_routes <= set(routes)
    assert icon_routes <= set(routes)
    for route in routes:
        assert "<" not in route, route
        response = Client().get(route)
        if route in machine_routes:
            assert response.status_code == 405, route  # POST only; nothing to read
        elif route in icon_routes:
            assert response.status_code == 301, route
            assert response["Location"] == static("vanphong/favicon.svg"), route
        elif route in open_routes:
            assert response.status_code in (200, 302), route
            assert not response.get("Location", "").startswith(f"{SIGNIN}?next="), route
        else:
            assert response.status_code == 302, route
            assert response["Location"].startswith(f"{SIGNIN}?next="), route


def test_static_files_and_the_sign_in_page_are_served_without_a_sign_in(demo):
    client = Client()
    assert client.get(SIGNIN).status_code == 200
    response = client.get("/static/vanphong/app.css")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.strip()


def test_the_site_has_an_icon_served_offline(demo):
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.startswith(b"<svg") and b"http://www.w3.org/2000/svg" in body
    assert b"https://" not in body
    page = client.get(SIGNIN).content.decode()
    assert f'<link rel="icon" href="{static("vanphong/favicon.svg")}"' in page


# --- sign-out and sessions ----------------------------------------------------------------


def test_sign_out_refuses_get_and_keeps_the_session(demo, password):
    client = Client()
    _sign_in(client, "vanthu", password)
    response = client.get("/dang-xuat/")
    assert response.status_code == 405
    assert _signed_in_as(client) == demo.user("vanthu").pk


def test_sign_out_by_post_ends_the_session(demo, password):
    client = Client()
    _sign_in(client, "vanthu", password)
    session_key = client.session.session_key
    response = client.post("/dang-xuat/")
    assert response.status_code == 302
    assert response["Location"] == SIGNIN
    assert _signed_in_as(client) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/").status_code == 302


def test_the_session_lasts_as_long_as_the_configured_age(demo, password, settings):
    settings.SESSION_COOKIE_AGE = 600
    client = Client()
    _sign_in(client, "vanthu", password)
    assert client.session.get_expiry_age() == 600
    stored = Session.objects.get(session_key=client.session.session_key)
    remaining = (stored.expire_date - timezone.now()).total_seconds()
    assert 0 < remaining <= 600


def test_an_expired_session_needs_a_new_sign_in(demo, password):
    client = Client()
    _sign_in(client, "vanthu", password)
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{SIGNIN}?next=")


def test_the_session_cookie_is_not_readable_by_scripts(demo, password):
    client = Client()
    _sign_in(client, "vanthu", password)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_the_administration_sign_in_sends_a_visitor_to_the_app_sign_in_page(demo):
    response = Client().get("/quan-tri/login/?next=/quan-tri/core/user/")
    assert response.status_code == 302
    assert response["Location"] == f"{SIGNIN}?next=%2Fquan-tri%2Fcore%2Fuser%2F"


def test_a_signed_in_non_administrator_gets_the_vietnamese_403_page_at_the_admin_site(demo):
    page = demo.client("chuyenvien").get("/quan-tri/", follow=True)
    html = page.content.decode()
    assert page.status_code == 403
    assert "chỉ dành cho quản trị hệ thống" in html and "đồng chí" in html
    assert "Bạn đã xác thực" not in html and "Skip to main content" not in html


def test_an_administrator_reaching_the_admin_sign_in_goes_on_to_the_admin_site(demo):
    response = demo.client("admin").get("/quan-tri/login/")
    assert response.status_code == 302 and response["Location"] == "/quan-tri/"
