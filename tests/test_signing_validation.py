"""Validation of signed PDFs against the configured roots and imported CRLs only."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.template.loader import render_to_string
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from tests import signing_fixtures
from tests.conftest import pdf_bytes
from tests.signing_fixtures import store_pdf
from tests.signing_pki import PASSPHRASE, Identity, Pki
from vanphong.signing import pdfsign
from vanphong.signing.models import BlobValidation, Verdict
from vanphong.signing.services import signature_validate_blob
from vanphong.signing.trust import load_trust
from vanphong.signing.validation import check_pdf

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust


def sign_as(identity: Identity, pdf: bytes, field: str = "ChuKyNguoiKy") -> bytes:
    signer = signers.SimpleSigner.load_pkcs12_data(
        identity.pkcs12(), passphrase=PASSPHRASE, other_certs=[]
    )
    assert signer is not None
    spec = pdfsign.SignSpec(field, pdfsign.Mark.SIGNER, "Người ký")
    return pdfsign.sign_with(pdf, signer=signer, spec=spec)


def only(pdf: bytes) -> Any:
    result = check_pdf(pdf, load_trust())
    assert result.error == ""
    assert len(result.signatures) == 1
    return result.signatures[0]


def test_a_good_signature_is_valid(trust: Pki) -> None:
    outcome = only(sign_as(trust.signer, pdf_bytes()))
    assert outcome.verdict == Verdict.VALID
    assert outcome.signer_name == "Nguyễn Văn Ánh"
    assert outcome.covers_whole_file
    assert "không bị thay đổi" in outcome.reason


def test_a_pdf_changed_after_signing_is_invalid(trust: Pki) -> None:
    signed = bytearray(sign_as(trust.signer, pdf_bytes()))
    at = signed.index(b"ReportLab")
    signed[at] = ord("X")
    outcome = only(bytes(signed))
    assert outcome.verdict == Verdict.INVALID
    assert "bị thay đổi sau khi ký" in outcome.reason


def test_content_added_in_a_later_update_makes_the_signature_invalid(trust: Pki) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sign_as(trust.signer, pdf_bytes())))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 600 Td (DA SUA) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    outcome = only(out.getvalue())
    assert outcome.verdict == Verdict.INVALID
    assert "sửa đổi sau khi ký" in outcome.reason


def test_a_revoked_certificate_is_invalid_and_the_revocation_date_is_given(trust: Pki) -> None:
    outcome = only(sign_as(trust.revoked, pdf_bytes()))
    assert outcome.verdict == Verdict.INVALID
    assert f"đã bị thu hồi ngày {trust.revoked_day}" in outcome.reason


def test_a_certificate_expired_at_signing_time_is_invalid(trust: Pki) -> None:
    outcome = only(sign_as(trust.expired, pdf_bytes()))
    assert outcome.verdict == Verdict.INVALID
    assert "đã hết hạn ngày" in outcome.reason


def test_a_signature_chaining_to_a_root_nobody_configured_is_not_trusted(trust: Pki) -> None:
    outcome = only(sign_as(trust.untrusted, pdf_bytes()))
    assert outcome.verdict == Verdict.INDETERMINATE
    assert "Root CA tự phát hành" in outcome.reason
    assert "không thuộc các chứng thư gốc tin cậy" in outcome.reason


def test_a_signature_from_an_unknown_ca_is_not_trusted(trust: Pki) -> None:
    outcome = only(sign_as(trust.unknown_ca_signer, pdf_bytes()))
    assert outcome.verdict == Verdict.INDETERMINATE
    assert "Không tìm thấy chứng thư của tổ chức cấp" in outcome.reason


def test_without_configured_roots_nothing_is_trusted(demo: Any, pki: Pki) -> None:
    outcome = only(sign_as(pki.signer, pdf_bytes()))
    assert outcome.verdict == Verdict.INDETERMINATE


def test_without_an_imported_crl_the_result_is_undetermined(demo: Any, pki: Pki) -> None:
    from vanphong.signing import trust_services

    admin = demo.user("admin")
    trust_services.ca_certificate_add(actor=admin, data=pki.root.cert_der)
    trust_services.ca_certificate_add(actor=admin, data=pki.intermediate.cert_der)
    outcome = only(sign_as(pki.signer, pdf_bytes()))
    assert outcome.verdict == Verdict.INDETERMINATE
    assert "CRL" in outcome.reason


def test_each_signature_of_a_pdf_signed_twice_is_shown_separately(trust: Pki) -> None:
    twice = sign_as(trust.organisation, sign_as(trust.signer, pdf_bytes()), field="ChuKyCoQuan")
    result = check_pdf(twice, load_trust())
    assert [s.field_name for s in result.signatures] == ["ChuKyNguoiKy", "ChuKyCoQuan"]
    assert [s.verdict for s in result.signatures] == [Verdict.VALID, Verdict.VALID]
    first, second = result.signatures
    assert "được ký thêm" in first.reason and not first.covers_whole_file
    assert second.signer_name == "Văn phòng Tỉnh ủy Quảng Nam" and second.covers_whole_file


def test_a_valid_then_a_revoked_signature_are_judged_one_by_one(trust: Pki) -> None:
    twice = sign_as(trust.revoked, sign_as(trust.signer, pdf_bytes()), field="ChuKy2")
    verdicts = [s.verdict for s in check_pdf(twice, load_trust()).signatures]
    assert verdicts == [Verdict.VALID, Verdict.INVALID]


def test_an_unsigned_pdf_has_no_signatures(trust: Pki) -> None:
    result = check_pdf(pdf_bytes(), load_trust())
    assert result.signatures == [] and result.error == ""


def test_a_malformed_pdf_gets_a_clear_message(trust: Pki) -> None:
    result = check_pdf(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF", load_trust())
    assert result.signatures == []
    assert "bị hỏng" in result.error


def test_results_are_stored_per_file_one_row_per_signature_and_replaced(trust: Pki) -> None:
    blob = store_pdf(sign_as(trust.organisation, sign_as(trust.revoked, pdf_bytes()), "CoQuan"))
    validation = signature_validate_blob(blob=blob)
    assert validation.signature_count == 2
    rows = list(validation.signatures.values_list("position", "verdict"))
    assert rows == [(0, Verdict.INVALID), (1, Verdict.VALID)]
    again = signature_validate_blob(blob=blob)
    assert again.signatures.count() == 2
    assert BlobValidation.objects.filter(blob=blob).count() == 1


def test_the_validation_include_shows_each_verdict_in_vietnamese(trust: Pki) -> None:
    blob = store_pdf(sign_as(trust.organisation, sign_as(trust.revoked, pdf_bytes()), "CoQuan"))
    validation = signature_validate_blob(blob=blob)
    html = render_to_string("signing/_validation.html", {"validation": validation})
    assert "Không hợp lệ" in html and "Hợp lệ" in html
    assert f"đã bị thu hồi ngày {trust.revoked_day}" in html
    assert "Lê Quốc Đạt" in html and "Văn phòng Tỉnh ủy Quảng Nam" in html
    unsigned = signature_validate_blob(blob=store_pdf(pdf_bytes("khác"), "khac.pdf"))
    html = render_to_string("signing/_validation.html", {"validation": unsigned})
    assert "Không có chữ ký số" in html


def test_a_pdf_with_a_broken_signature_value_is_invalid(trust: Pki) -> None:
    signed = sign_as(trust.signer, pdf_bytes())
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    container = signed[start : signed.index(b">", start)]
    # keep the CMS structure, damage the RSA signature value near its end
    end = len(container.rstrip(b"0"))
    broken = container[: end - 40] + (b"0" if container[end - 40 : end - 39] != b"0" else b"1")
    broken += container[end - 39 :]
    outcome = only(signed[:start] + broken + signed[start + len(container) :])
    assert outcome.verdict == Verdict.INVALID
    assert "chữ ký" in outcome.reason.lower()


def test_a_file_over_the_validation_limit_gets_a_clear_message(trust: Pki, settings: Any) -> None:
    settings.SIGNING_VALIDATE_MAX_BYTES = 1024
    blob = store_pdf(sign_as(trust.signer, pdf_bytes()))
    validation = signature_validate_blob(blob=blob)
    assert validation.signature_count == 0
    assert "quá lớn" in validation.error
    html = render_to_string("signing/_validation.html", {"validation": validation})
    assert "Chưa xác định" in html and "quá lớn" in html
