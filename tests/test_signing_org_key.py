"""The organisation's own signing key (the seal key the office holds on the server): the daily
job reads its certificate and warns the văn thư and administrators before and after it expires,
the trust page shows it, and an expired one cannot seal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import signing_fixtures, signing_hsm
from tests.conftest import pdf_bytes
from tests.signing_fixtures import pkcs12_profile
from tests.signing_pki import PASSPHRASE, Identity, Pki, reissued
from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.notifications.models import Notification
from vanphong.signing import services, trust_services
from vanphong.signing.models import Backend, SigningProfile, UserCertificate
from vanphong.signing.tasks import warn_expiring_certificates

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust
softhsm = signing_hsm.softhsm
office_token = signing_hsm.office_token
KIND = "org_cert_expiry"


def _expiring_in(pki: Pki, days: int) -> Identity:
    return reissued(
        pki.organisation, pki.intermediate, not_after=timezone.now() + dt.timedelta(days=days)
    )


def _org_key(demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity: Identity) -> Any:
    return pkcs12_profile(tmp_path, monkeypatch, identity, organisation=demo.orgs["vptu"])


def _warned(on: dt.date) -> int:
    return trust_services.organisation_certificate_expiry_warnings(on=on)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_clerks_and_administrators_are_warned_once_a_day_then_at_7_3_1_days_and_at_expiry(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.SIGNING_EXPIRY_WARN_DAYS = 30
    identity = _expiring_in(trust, 20)
    _org_key(demo, tmp_path, monkeypatch, identity)
    today = timezone.localdate()
    keepers = set(trust_services.organisation_key_keepers(demo.orgs["vptu"]))
    assert {demo.user("vanthu").pk, demo.user("vanthu2").pk, demo.user("admin").pk} <= keepers
    assert demo.user("chuyenvien").pk not in keepers
    assert demo.user("vanthubtc").pk not in keepers  # the văn thư of another organisation

    assert _warned(today) == len(keepers)
    assert _warned(today) == 0  # at most once a day
    assert _warned(today + dt.timedelta(days=1)) == 0  # 19 days left: not a mark
    note = Notification.objects.get(user=demo.user("vanthu"), kind=KIND)
    until = f"{timezone.localtime(identity.cert.not_valid_after_utc):%d/%m/%Y}"
    assert "khóa ký cơ quan" in note.title and "Văn phòng Tỉnh ủy" in note.title
    assert f"hết hạn ngày {until} (còn 20 ngày)" in note.title and "gia hạn" in note.title
    assert note.url == reverse("signing:trust")

    sent = {d: _warned(today + dt.timedelta(days=d)) for d in range(2, 21)}
    assert [d for d, n in sent.items() if n] == [13, 17, 19]  # 7, 3 and 1 days left
    assert all(sent[d] == len(keepers) for d in (13, 17, 19))
    assert Notification.objects.filter(user=demo.user("vanthu"), kind=KIND).count() == 4

    assert _warned(today + dt.timedelta(days=21)) == len(keepers)  # the day after expiry
    expired_note = Notification.objects.filter(user=demo.user("admin"), kind=KIND).latest("pk")
    assert f"đã hết hạn ngày {until}" in expired_note.title
    assert "không ký số của cơ quan được nữa" in expired_note.title
    assert _warned(today + dt.timedelta(days=22)) == 0  # told once that it has expired
    assert _warned(today + dt.timedelta(days=40)) == 0


def test_the_daily_job_sends_both_personal_and_organisation_warnings(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _org_key(demo, tmp_path, monkeypatch, _expiring_in(trust, 5))
    person = trust_services.certificate_register(
        actor=demo.user("chuyenvien"), data=trust.signer2.cert_der
    )
    UserCertificate.objects.filter(pk=person.pk).update(
        not_after=timezone.now() + dt.timedelta(days=20)
    )
    keepers = trust_services.organisation_key_keepers(demo.orgs["vptu"])
    assert warn_expiring_certificates.call_local() == len(keepers) + 1
    assert warn_expiring_certificates.call_local() == 0
    assert Notification.objects.filter(user=demo.user("chuyenvien"), kind="cert_expiry").exists()
    profile = SigningProfile.objects.get(organisation=demo.orgs["vptu"])
    assert "Văn phòng Tỉnh ủy Quảng Nam" in profile.cert_subject
    assert profile.expiry_warned_on == timezone.localdate()


def test_a_renewed_key_stops_the_warnings_and_its_next_expiry_is_warned_afresh(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = _org_key(demo, tmp_path, monkeypatch, _expiring_in(trust, 10))
    today = timezone.localdate()
    assert _warned(today) > 0
    renewed = _expiring_in(trust, 700)
    Path(profile.pkcs12_path).write_bytes(renewed.pkcs12())
    assert _warned(today + dt.timedelta(days=3)) == 0  # would have been the 7-day mark
    profile.refresh_from_db()
    assert profile.expiry_warned_on is None
    assert profile.cert_not_after == renewed.cert.not_valid_after_utc
    Path(profile.pkcs12_path).write_bytes(_expiring_in(trust, 12).pkcs12())
    assert _warned(today + dt.timedelta(days=4)) > 0  # a new certificate: first warning


def test_a_certificate_far_from_expiry_is_not_warned(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _org_key(demo, tmp_path, monkeypatch, trust.organisation)  # valid three years
    assert _warned(timezone.localdate()) == 0
    assert not Notification.objects.filter(kind=KIND).exists()


def test_sealing_with_an_expired_organisation_certificate_is_refused_and_warned(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _org_key(demo, tmp_path, monkeypatch, trust.expired)
    until = f"{timezone.localtime(trust.expired.cert.not_valid_after_utc):%d/%m/%Y}"
    with pytest.raises(DomainError) as caught:
        services.sign_organisation(actor=demo.user("vanthu"), pdf=pdf_bytes())
    assert caught.value.message.startswith(
        f"Chứng thư số của khóa ký cơ quan đã hết hạn ngày {until}; không ký số của cơ quan được."
    )
    keepers = trust_services.organisation_key_keepers(demo.orgs["vptu"])
    assert _warned(timezone.localdate()) == len(keepers)
    assert _warned(timezone.localdate() + dt.timedelta(days=1)) == 0


def test_a_key_whose_passphrase_is_typed_is_read_when_the_clerk_seals(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = _org_key(demo, tmp_path, monkeypatch, _expiring_in(trust, 15))
    SigningProfile.objects.filter(pk=profile.pk).update(secret_name="")
    assert _warned(timezone.localdate()) == 0  # the job cannot open it
    page = _client("admin").get(reverse("signing:trust")).content.decode()
    assert "Chưa đọc được chứng thư của khóa" in page and "nhập khi ký" in page

    services.sign_organisation(
        actor=demo.user("vanthu"), pdf=pdf_bytes(), secret=PASSPHRASE.decode()
    )
    profile.refresh_from_db()
    assert profile.cert_fingerprint and profile.cert_read_at is not None
    assert _warned(timezone.localdate()) > 0


def test_the_trust_page_shows_the_organisation_certificate_with_days_left_and_a_badge(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.SIGNING_EXPIRY_WARN_DAYS = 30
    soon = _expiring_in(trust, 12)
    profile = _org_key(demo, tmp_path, monkeypatch, soon)
    admin = _client("admin")
    url = reverse("signing:trust")
    assert "Chưa đọc được chứng thư của khóa" in admin.get(url).content.decode()

    response = admin.post(reverse("signing:organisation_key_refresh", args=[profile.pk]))
    assert response.status_code == 302
    page = admin.get(url).content.decode()
    assert "Chứng thư số của cơ quan" in page
    assert "Văn phòng Tỉnh ủy Quảng Nam" in page  # the subject
    assert "CA chuyên dùng Chính phủ thử nghiệm" in page  # the issuer
    assert f"{timezone.localtime(soon.cert.not_valid_after_utc):%d/%m/%Y}" in page
    assert "Sắp hết hạn" in page and "còn 12 ngày" in page

    Path(profile.pkcs12_path).write_bytes(trust.organisation.pkcs12())
    admin.post(reverse("signing:organisation_key_refresh", args=[profile.pk]))
    page = admin.get(url).content.decode()
    assert "Sắp hết hạn" not in page
    assert f"{timezone.localtime(trust.organisation.cert.not_valid_after_utc):%d/%m/%Y}" in page

    # the clerk of the organisation sees it (without the button); another's clerk does not
    clerk_page = _client("vanthu").get(url).content.decode()
    assert "Văn phòng Tỉnh ủy Quảng Nam" in clerk_page and "Đọc lại từ khóa" not in clerk_page
    other = _client("vanthubtc").get(url).content.decode()
    assert "Chưa cơ quan nào được cấu hình khóa ký số" in other


def test_an_unreadable_key_keeps_the_last_certificate_and_shows_the_error(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = _org_key(demo, tmp_path, monkeypatch, _expiring_in(trust, 20))
    assert _warned(timezone.localdate()) > 0
    monkeypatch.setenv(profile.secret_name, "sai-mat-khau")
    assert _warned(timezone.localdate() + dt.timedelta(days=13)) > 0  # 7 days left, from cache
    page = _client("admin").get(reverse("signing:trust")).content.decode()
    assert "Lần đọc khóa gần nhất bị lỗi" in page and "sai mật khẩu" in page
    assert "còn 20 ngày" in page


def test_only_an_administrator_reads_a_key_again(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = _org_key(demo, tmp_path, monkeypatch, trust.organisation)
    response = _client("vanthu").post(
        reverse("signing:organisation_key_refresh", args=[profile.pk])
    )
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.cert_read_at is None


def test_the_daily_job_reads_the_certificate_from_the_office_hsm(
    demo: Any, trust: Pki, office_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VANPHONG_TEST_HSM_PIN", signing_hsm.OFFICE_PIN)
    profile = SigningProfile.objects.create(
        organisation=demo.orgs["vptu"],
        backend=Backend.PKCS11,
        pkcs11_module=signing_hsm.MODULE,
        token_label=office_token,
        key_label=signing_hsm.OFFICE_KEY,
        secret_name="VANPHONG_TEST_HSM_PIN",
    )
    assert warn_expiring_certificates.call_local() == 0  # valid for three years
    profile.refresh_from_db()
    assert profile.cert_not_after == trust.organisation.cert.not_valid_after_utc
    assert "Văn phòng Tỉnh ủy Quảng Nam" in profile.cert_subject and not profile.cert_error


def test_the_demo_office_key_shows_its_certificate_from_the_start(
    demo: Any, settings: Any, tmp_path: Path
) -> None:
    from vanphong.signing.demo import load_demo_signing

    settings.VAR_DIR = tmp_path
    load_demo_signing(demo.orgs)
    profile = SigningProfile.objects.get(organisation=demo.orgs["vptu"])
    assert profile.secret_name == "" and profile.cert_not_after is not None
    page = _client("admin").get(reverse("signing:trust")).content.decode()
    assert f"{timezone.localtime(profile.cert_not_after):%d/%m/%Y}" in page
    assert "Chưa đọc được chứng thư của khóa" not in page
