"""PAdES B-T: with a time-stamp server configured, each signature carries an RFC 3161 token and
is judged at the time-stamp's time."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from tests import signing_fixtures, signing_tsa
from tests.conftest import pdf_bytes
from tests.signing_fixtures import pkcs12_profile
from tests.signing_pki import Pki
from vanphong.signing import services
from vanphong.signing.models import Verdict
from vanphong.signing.trust import load_trust
from vanphong.signing.validation import check_pdf

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust
tsa = signing_tsa.tsa


def test_with_a_time_stamp_server_the_signature_is_pades_b_t(
    demo: Any,
    trust: Pki,
    tsa: signing_tsa.TsaServer,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.SIGNING_TSA_URL = tsa.url
    pkcs12_profile(tmp_path, monkeypatch, trust.signer, user=demo.user("lanhdao"))
    result = services.sign_personal(actor=demo.user("lanhdao"), pdf=pdf_bytes())
    assert isinstance(result, services.SignedPdf)
    assert tsa.requests >= 1
    emb = PdfFileReader(io.BytesIO(result.pdf)).embedded_signatures[0]
    unsigned = emb.signer_info["unsigned_attrs"].native
    assert any(a["type"] == "signature_time_stamp_token" for a in unsigned)
    outcome = check_pdf(result.pdf, load_trust()).signatures[0]
    assert outcome.verdict == Verdict.VALID and outcome.timestamped
    assert "do người ký khai" not in outcome.reason


def test_without_a_time_stamp_server_the_signing_time_is_the_signers_claim(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkcs12_profile(tmp_path, monkeypatch, trust.signer, user=demo.user("lanhdao"))
    result = services.sign_personal(actor=demo.user("lanhdao"), pdf=pdf_bytes())
    assert isinstance(result, services.SignedPdf)
    outcome = check_pdf(result.pdf, load_trust()).signatures[0]
    assert outcome.verdict == Verdict.VALID and not outcome.timestamped
    assert "do người ký khai (không có dấu thời gian)" in outcome.reason
