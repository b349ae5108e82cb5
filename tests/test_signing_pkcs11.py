"""The organisation's key on a PKCS#11 token/HSM attached to the server (SoftHSM2 here)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import signing_fixtures, signing_hsm
from tests.conftest import pdf_bytes
from tests.signing_pki import Pki
from vanphong.core.errors import DomainError
from vanphong.signing import services
from vanphong.signing.models import Backend, SigningProfile, Verdict
from vanphong.signing.trust import load_trust
from vanphong.signing.validation import check_pdf

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust
softhsm = signing_hsm.softhsm
office_token = signing_hsm.office_token
PIN = signing_hsm.OFFICE_PIN


def hsm_profile(demo: Any, monkeypatch: pytest.MonkeyPatch, token: str, pin: str) -> None:
    monkeypatch.setenv("VANPHONG_TEST_HSM_PIN", pin)
    SigningProfile.objects.create(
        organisation=demo.orgs["vptu"],
        backend=Backend.PKCS11,
        pkcs11_module=signing_hsm.MODULE,
        token_label=token,
        key_label="coquan",
        secret_name="VANPHONG_TEST_HSM_PIN",
    )


def test_the_office_key_on_a_token_signs_the_organisation_signature(
    trust: Pki, office_token: str, monkeypatch: pytest.MonkeyPatch, demo: Any
) -> None:
    hsm_profile(demo, monkeypatch, office_token, PIN)
    result = services.sign_organisation(
        actor=demo.user("vanthu"), pdf=pdf_bytes(), number_notation="15-TB/VPTU"
    )
    outcome = check_pdf(result.pdf, load_trust()).signatures[0]
    assert outcome.verdict == Verdict.VALID
    assert outcome.signer_name == "Văn phòng Tỉnh ủy Quảng Nam"


def test_a_wrong_pin_for_the_server_token_signs_nothing(
    trust: Pki, office_token: str, monkeypatch: pytest.MonkeyPatch, demo: Any
) -> None:
    hsm_profile(demo, monkeypatch, office_token, "000000")
    with pytest.raises(DomainError, match="Mã PIN không đúng"):
        services.sign_organisation(actor=demo.user("vanthu"), pdf=pdf_bytes())


def test_a_token_that_is_not_there_is_reported(
    trust: Pki, office_token: str, monkeypatch: pytest.MonkeyPatch, demo: Any
) -> None:
    hsm_profile(demo, monkeypatch, "KHONG-CO", PIN)
    with pytest.raises(DomainError, match="Không tìm thấy USB token"):
        services.sign_organisation(actor=demo.user("vanthu"), pdf=pdf_bytes())
