"""Signing with a PKCS#12 key: PAdES B-B SHA-256, the visible marks of Nghị định 30, the order
signer → organisation, refusals with clear messages; certificates and CRL administration."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from tests import signing_fixtures
from tests.conftest import pdf_bytes
from tests.signing_fixtures import pkcs12_profile, png, signature_fields
from tests.signing_pki import Pki, make_crl
from vanphong.core.errors import DomainError
from vanphong.notifications.models import Notification
from vanphong.signing import services, trust_services
from vanphong.signing.models import RevocationList, UserCertificate, Verdict
from vanphong.signing.pdfsign import Box, seal_box_for
from vanphong.signing.trust import load_trust
from vanphong.signing.validation import check_pdf

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust
SIGNER_BOX = Box(340, 110, 520, 180, page=-1)


@pytest.fixture
def profiles(demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    pkcs12_profile(
        tmp_path, monkeypatch, trust.signer, user=demo.user("lanhdao"), image=png("signature")
    )
    pkcs12_profile(
        tmp_path, monkeypatch, trust.organisation, organisation=demo.orgs["vptu"], image=png("seal")
    )
    return demo


def test_a_signer_signs_pades_baseline_with_sha256(profiles: Any) -> None:
    result = services.sign_personal(actor=profiles.user("lanhdao"), pdf=pdf_bytes(), box=SIGNER_BOX)
    assert isinstance(result, services.SignedPdf)
    emb = PdfFileReader(io.BytesIO(result.pdf)).embedded_signatures[0]
    assert emb.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert emb.md_algorithm == "sha256"
    signed_attrs = emb.signer_info["signed_attrs"].native
    assert any(a["type"] == "signing_certificate_v2" for a in signed_attrs)
    assert result.signer_name == "Nguyễn Văn Ánh"
    assert check_pdf(result.pdf, load_trust()).signatures[0].verdict == Verdict.VALID


def test_the_seal_overlaps_the_left_third_of_the_signature_image(profiles: Any) -> None:
    signed = services.sign_personal(actor=profiles.user("lanhdao"), pdf=pdf_bytes(), box=SIGNER_BOX)
    assert isinstance(signed, services.SignedPdf)
    issued = services.sign_organisation(
        actor=profiles.user("vanthu"), pdf=signed.pdf, signer_box=SIGNER_BOX
    )
    fields = signature_fields(issued.pdf)
    (_p1, person), (_p2, seal) = fields["ChuKyNguoiKy"], fields["ChuKyCoQuan"]
    assert person == [340, 110, 520, 180]
    third = SIGNER_BOX.x1 + SIGNER_BOX.width / 3
    assert seal[0] < SIGNER_BOX.x1 and abs(seal[2] - third) <= 1
    assert seal[1] < SIGNER_BOX.y1 and seal[3] > SIGNER_BOX.y2  # the seal is a bit taller
    verdicts = [s.verdict for s in check_pdf(issued.pdf, load_trust()).signatures]
    assert verdicts == [Verdict.VALID, Verdict.VALID]
    assert seal_box_for(SIGNER_BOX).as_tuple() == tuple(round(v) for v in seal)


def test_the_stamp_images_are_drawn_where_the_fields_are(profiles: Any) -> None:
    import pypdfium2 as pdfium

    signed = services.sign_personal(actor=profiles.user("lanhdao"), pdf=pdf_bytes(), box=SIGNER_BOX)
    assert isinstance(signed, services.SignedPdf)
    issued = services.sign_organisation(
        actor=profiles.user("vanthu"), pdf=signed.pdf, signer_box=SIGNER_BOX
    )
    doc = pdfium.PdfDocument(issued.pdf)
    doc.init_forms()
    image = doc[0].render(scale=1, may_draw_forms=True).to_pil().convert("RGB")
    height = image.height

    def pixel(x: float, y: float) -> tuple[int, int, int]:
        return image.getpixel((round(x), round(height - y)))  # type: ignore[return-value]

    seal = seal_box_for(SIGNER_BOX)
    red = pixel((seal.x1 + seal.x2) / 2, (seal.y1 + seal.y2) / 2)
    assert red[0] > 150 and red[1] < 80 and red[2] < 80
    blues = [pixel(x, y) for x in range(430, 520, 3) for y in range(115, 178, 3)]
    assert any(b > 120 and r < 80 for r, _g, b in blues)


def test_an_attachment_gets_the_text_only_organisation_mark_top_right_of_page_one(
    profiles: Any,
) -> None:
    import pypdfium2 as pdfium

    result = services.sign_organisation(
        actor=profiles.user("vanthu"), pdf=pdf_bytes(pages=3), number_notation="123-CV/VPTU"
    )
    page, rect = signature_fields(result.pdf)["ChuKyCoQuan"]
    assert page == 0
    width, height = 612, 792  # reportlab's default letter page
    assert rect[2] > width - 60 and rect[3] > height - 40 and rect[0] > width / 2
    doc = pdfium.PdfDocument(result.pdf)
    doc.init_forms()
    image = doc[0].render(scale=1, may_draw_forms=True).to_pil().convert("L")
    box = image.crop(
        (round(rect[0]), round(height - rect[3]), round(rect[2]), round(height - rect[1]))
    )
    assert box.getextrema()[0] < 100  # the text is drawn
    # the appearance carries the Vietnamese text with the Noto font embedded
    emb = PdfFileReader(io.BytesIO(result.pdf)).embedded_signatures[0]
    appearance = emb.sig_field["/Kids"][0] if "/Kids" in emb.sig_field else emb.sig_field
    stream = appearance["/AP"]["/N"]
    fonts = stream["/Resources"]["/Font"]
    assert any("NotoSans" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
    cmap = b"".join(
        f.get_object()["/ToUnicode"].data for f in fonts.values() if "/ToUnicode" in f.get_object()
    )
    for char in "ủờ":  # Tỉnh ủy, Thời gian
        assert f"{ord(char):04X}".encode() in cmap.upper()


def test_only_the_clerk_of_the_organisation_signs_with_its_key(profiles: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.sign_organisation(actor=profiles.user("chuyenvien"), pdf=pdf_bytes())
    with pytest.raises(PermissionDenied):
        services.sign_organisation(
            actor=profiles.user("vanthubtc"), pdf=pdf_bytes(), organisation=profiles.orgs["vptu"]
        )


def test_an_organisation_without_a_key_gets_a_clear_message(demo: Any, trust: Pki) -> None:
    with pytest.raises(DomainError, match="chưa được cấu hình khóa ký số"):
        services.sign_organisation(actor=demo.user("vanthu"), pdf=pdf_bytes())


def test_a_wrong_pkcs12_passphrase_is_reported(
    profiles: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VANPHONG_TEST_P12_LANHDAO", "sai-mat-khau")
    with pytest.raises(DomainError, match="sai mật khẩu") as refused:
        services.sign_personal(actor=profiles.user("lanhdao"), pdf=pdf_bytes())
    # the library's English reason is logged, never shown to the person signing
    assert refused.value.message.endswith("sai mật khẩu hoặc tệp hỏng.")


def test_signing_with_an_expired_certificate_is_refused(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkcs12_profile(tmp_path, monkeypatch, trust.expired, user=demo.user("lanhdao"))
    with pytest.raises(DomainError, match="đã hết hạn ngày"):
        services.sign_personal(actor=demo.user("lanhdao"), pdf=pdf_bytes())


def test_signing_with_a_revoked_certificate_is_refused_with_the_date(
    demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkcs12_profile(tmp_path, monkeypatch, trust.revoked, user=demo.user("lanhdao"))
    with pytest.raises(DomainError, match=f"thu hồi ngày {trust.revoked_day}"):
        services.sign_personal(actor=demo.user("lanhdao"), pdf=pdf_bytes())


@pytest.mark.parametrize(
    "data, message",
    [(b"not a pdf", "không phải là PDF"), (b"%PDF-1.4\ngarbage", "bị hỏng")],
)
def test_a_broken_pdf_cannot_be_signed(profiles: Any, data: bytes, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        services.sign_personal(actor=profiles.user("lanhdao"), pdf=data)


def test_signing_twice_uses_a_new_field_and_keeps_the_first_signature(profiles: Any) -> None:
    first = services.sign_personal(actor=profiles.user("lanhdao"), pdf=pdf_bytes())
    assert isinstance(first, services.SignedPdf)
    second = services.sign_personal(actor=profiles.user("lanhdao"), pdf=first.pdf)
    assert isinstance(second, services.SignedPdf)
    assert second.field_name == "ChuKyNguoiKy2"
    assert [s.verdict for s in check_pdf(second.pdf, load_trust()).signatures] == [
        Verdict.VALID,
        Verdict.VALID,
    ]


def test_a_person_registers_their_certificate_and_expired_ones_are_refused(
    demo: Any, pki: Pki
) -> None:
    user = demo.user("chuyenvien")
    row = trust_services.certificate_register(actor=user, data=pki.signer2.cert_pem)
    assert row.common_name == "Trần Thị Bích Hường"
    with pytest.raises(DomainError, match="đã đăng ký"):
        trust_services.certificate_register(actor=user, data=pki.signer2.cert_der)
    with pytest.raises(DomainError, match="hết hạn"):
        trust_services.certificate_register(actor=user, data=pki.expired.cert_der)
    with pytest.raises(DomainError, match="X.509"):
        trust_services.certificate_register(actor=user, data=b"rac")
    with pytest.raises(DomainError, match="CA"):
        trust_services.certificate_register(actor=user, data=pki.intermediate.cert_der)


def test_only_an_administrator_configures_trust(demo: Any, pki: Pki) -> None:
    with pytest.raises(PermissionDenied):
        trust_services.ca_certificate_add(actor=demo.user("vanthu"), data=pki.root.cert_der)
    with pytest.raises(DomainError, match="không phải chứng thư của tổ chức cấp"):
        trust_services.ca_certificate_add(actor=demo.user("admin"), data=pki.signer.cert_der)


def test_a_crl_not_signed_by_a_configured_ca_is_refused(demo: Any, pki: Pki) -> None:
    admin = demo.user("admin")
    trust_services.ca_certificate_add(actor=admin, data=pki.root.cert_der)
    with pytest.raises(DomainError, match="không được ký bởi chứng thư CA nào"):
        trust_services.crl_import(actor=admin, data=pki.untrusted_crl, name="x.crl")


def test_the_crl_folder_is_reloaded_and_a_newer_crl_replaces_the_older(
    demo: Any, trust: Pki, tmp_path: Path
) -> None:
    folder = tmp_path / "crl"
    folder.mkdir()
    revoked_now = [(trust.signer.cert.serial_number, dt.datetime.now(dt.UTC))]
    newer = make_crl(trust.intermediate, revoked_now, 2)
    (folder / "ca-moi.crl").write_bytes(newer)
    (folder / "hong.crl").write_bytes(b"rac")
    (folder / "ghi-chu.txt").write_text("bỏ qua")
    report = trust_services.crl_folder_reload(folder=folder)
    assert report.loaded == ["ca-moi.crl"]
    assert "hong.crl" in report.errors and "CRL" in report.errors["hong.crl"]
    again = trust_services.crl_folder_reload(folder=folder)
    assert again.loaded == [] and again.unchanged == 1
    row = RevocationList.objects.get(source="Thư mục CRL: ca-moi.crl")
    assert row.revoked_count == 1 and row.next_update is not None
    with pytest.raises(DomainError, match="thu hồi"):
        services.check_usable(load_certificate_of(trust.signer.cert_der))


def load_certificate_of(der: bytes) -> Any:
    from vanphong.signing.trust import load_certificate

    return load_certificate(der)


def test_people_are_warned_before_their_certificate_expires(demo: Any, pki: Pki) -> None:
    user = demo.user("chuyenvien")
    row = trust_services.certificate_register(actor=user, data=pki.signer2.cert_der)
    today = timezone.localdate()
    UserCertificate.objects.filter(pk=row.pk).update(
        not_after=timezone.now() + dt.timedelta(days=20)
    )
    assert trust_services.certificate_expiry_warnings(on=today) == 1
    assert trust_services.certificate_expiry_warnings(on=today) == 0
    assert trust_services.certificate_expiry_warnings(on=today + dt.timedelta(days=1)) == 0
    note = Notification.objects.get(user=user, kind="cert_expiry")
    assert "Trần Thị Bích Hường" in note.title and "gia hạn" in note.title
    UserCertificate.objects.filter(pk=row.pk).update(
        not_after=timezone.now() + dt.timedelta(days=9)
    )
    assert trust_services.certificate_expiry_warnings(on=today + dt.timedelta(days=2)) == 1


def test_the_worker_job_reloads_the_configured_crl_folder(
    demo: Any, trust: Pki, tmp_path: Path, settings: Any
) -> None:
    from vanphong.signing.tasks import reload_crl_folder

    settings.SIGNING_CRL_DIR = str(tmp_path)
    (tmp_path / "ca-so-3.crl").write_bytes(make_crl(trust.intermediate, [], 3))
    assert reload_crl_folder.call_local() == 1
    assert reload_crl_folder.call_local() == 0
    assert RevocationList.objects.filter(crl_number="3").exists()
