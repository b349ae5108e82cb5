"""Signatures in the outgoing issuance flow (issue 5 item 3): numbered first, then the signer's
signature, then the organisation's, and only then sent. Types configured without signatures
issue as before; every refusal leaves the document as it was."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import signing_fixtures, signing_hsm
from tests.outgoing_support import approved_draft, configure
from tests.signing_fixtures import pkcs12_profile, png, signature_fields
from tests.signing_pki import PASSPHRASE, Pki
from vanphong.core.audit import audit_verify
from vanphong.core.errors import DomainError
from vanphong.documents.models import DocumentFile
from vanphong.documents.services import incoming_receive_internal
from vanphong.drafting.models import (
    DispatchStatus,
    OutAction,
    OutgoingDocument,
    OutStatus,
    SignatureRequirement,
)
from vanphong.drafting.services import (
    outgoing_dispatch,
    outgoing_issue,
    outgoing_mark_sent_paper,
    outgoing_recall,
    outgoing_seal,
    outgoing_sign,
    outgoing_sign_upload,
)
from vanphong.drafting.services.signatures import signer_box_for
from vanphong.files.store import open_blob
from vanphong.signing import services as signing
from vanphong.signing import trust_services
from vanphong.signing.models import Backend, BlobValidation, SigningProfile, Verdict
from vanphong.signing.pdfsign import DEFAULT_SIGNER_BOX
from vanphong.signing.trust import load_trust
from vanphong.signing.validation import check_pdf

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust
softhsm = signing_hsm.softhsm
office_token = signing_hsm.office_token
HSM_PIN = signing_hsm.OFFICE_PIN
FONT = Path(__file__).resolve().parent.parent / "vanphong" / "fonts" / "NotoSerif-Regular.ttf"


def numbered_pdf(signer_name: str = "Phạm Văn Đức", title_y: int = 300) -> bytes:
    """A one-page document with its signature block: title, room for the signature, name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("NotoSerifVN", str(FONT)))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("NotoSerifVN", 13)
    page.drawString(72, 720, "V/v tổng kết công tác văn thư, lưu trữ năm 2026")
    page.drawString(360, title_y, "CHÁNH VĂN PHÒNG")
    page.drawString(360, 200, signer_name)
    page.showPage()
    page.save()
    return buffer.getvalue()


def unsigned_update(pdf: bytes) -> bytes:
    """The numbered PDF with an incremental update that adds no signature."""
    from pyhanko.pdf_utils.generic import NameObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/PageMode"] = NameObject("/UseNone")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data: bytes, name: str = "cuoi.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def read(blob: Any) -> bytes:
    with open_blob(blob) as handle:
        return handle.read()


@pytest.fixture
def office(demo: Any, trust: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """VPTU needs both signatures; lanhdao signs with a PKCS#12 file whose passphrase he types,
    the office key is a PKCS#12 file whose passphrase the server holds."""
    configure(demo)
    SignatureRequirement.objects.create(organisation=demo.orgs["vptu"])
    lanhdao = demo.user("lanhdao")
    profile = pkcs12_profile(tmp_path, monkeypatch, trust.signer, user=lanhdao, image=png("x"))
    profile.secret_name = ""  # typed when signing
    profile.save()
    trust_services.certificate_register(actor=lanhdao, data=trust.signer.cert_der)
    pkcs12_profile(
        tmp_path, monkeypatch, trust.organisation, organisation=demo.orgs["vptu"], image=png("seal")
    )
    return demo


def issued_to_sign(demo: Any) -> OutgoingDocument:
    doc = outgoing_issue(
        actor=demo.user("vanthu"), document=approved_draft(demo), final_pdf=upload(numbered_pdf())
    )
    assert doc.status == OutStatus.TO_SIGN
    return doc


def test_numbered_then_signed_then_sealed_then_sent_with_the_signed_pdf(
    office: Any, django_capture_on_commit_callbacks: Any
) -> None:
    demo = office
    clerk, leader = demo.user("vanthu"), demo.user("lanhdao")
    doc = issued_to_sign(demo)
    numbered = doc.final_pdf
    assert doc.notation == "01-CV/VPTU" and doc.number == 1
    line = doc.recipients.get(organisation=demo.orgs["btctu"])
    assert line.status == DispatchStatus.PENDING and doc.pdf_to_send is None

    with pytest.raises(DomainError, match="còn thiếu chữ ký số của người có thẩm quyền"):
        outgoing_dispatch(actor=clerk, document=doc)
    with pytest.raises(DomainError, match="có đủ chữ ký số"):  # the receiving end checks too
        incoming_receive_internal(actor=clerk, outgoing=doc, recipient_org=demo.orgs["btctu"])
    paper = doc.recipients.exclude(organisation=demo.orgs["btctu"]).first()
    with pytest.raises(DomainError, match="chưa gửi được"):
        outgoing_mark_sent_paper(
            actor=clerk, recipient=paper, sent_on=doc.issue_date, method="Bưu điện"
        )

    with django_capture_on_commit_callbacks(execute=True):
        doc = outgoing_sign(actor=leader, document=doc, secret=PASSPHRASE.decode())
    assert isinstance(doc, OutgoingDocument) and doc.status == OutStatus.TO_SEAL
    assert doc.numbered_pdf_id == numbered.pk and doc.final_pdf_id != numbered.pk
    assert read(doc.final_pdf).startswith(read(numbered))  # an incremental update
    with pytest.raises(DomainError, match="còn thiếu chữ ký số của cơ quan"):
        outgoing_dispatch(actor=clerk, document=doc)

    with django_capture_on_commit_callbacks(execute=True):
        doc = outgoing_seal(actor=clerk, document=doc)
    assert doc.status == OutStatus.ISSUED and doc.pdf_to_send == doc.final_pdf
    final = read(doc.final_pdf)
    fields = signature_fields(final)
    (_p, person), (_q, seal) = fields["ChuKyNguoiKy"], fields["ChuKyCoQuan"]
    assert seal[0] < person[0] < seal[2] < person[2]  # the seal covers the image's left part
    assert abs((seal[2] - person[0]) - (person[2] - person[0]) / 3) <= 1
    verdicts = [s.verdict for s in check_pdf(final, load_trust()).signatures]
    assert verdicts == [Verdict.VALID, Verdict.VALID]
    stored = BlobValidation.objects.get(blob=doc.final_pdf)  # validated after commit
    assert stored.signature_count == 2

    line.refresh_from_db()
    assert line.status == DispatchStatus.DELIVERED and line.incoming is not None
    received = DocumentFile.objects.get(document=line.incoming)
    assert received.blob_id == doc.final_pdf_id  # the recipient gets the signed PDF
    actions = list(doc.events.values_list("action", flat=True))
    assert actions[-4:] == [OutAction.ISSUE, OutAction.SIGN, OutAction.SEAL, OutAction.DISPATCH]
    assert audit_verify().ok

    with pytest.raises(DomainError, match="đã có chữ ký số của cơ quan"):
        outgoing_seal(actor=clerk, document=doc)
    doc.refresh_from_db()
    assert doc.final_pdf_id == received.blob_id


def test_the_office_key_on_an_hsm_adds_the_organisation_signature(
    office: Any, office_token: str
) -> None:
    demo = office
    SigningProfile.objects.filter(organisation=demo.orgs["vptu"]).update(
        backend=Backend.PKCS11,
        pkcs11_module=signing_hsm.MODULE,
        token_label=office_token,
        key_label=signing_hsm.OFFICE_KEY,
        secret_name="",  # the văn thư types the PIN
    )
    doc = issued_to_sign(demo)
    doc = outgoing_sign(actor=demo.user("lanhdao"), document=doc, secret=PASSPHRASE.decode())
    assert isinstance(doc, OutgoingDocument)
    with pytest.raises(DomainError, match="Mã PIN không đúng"):
        outgoing_seal(actor=demo.user("vanthu"), document=doc, secret="000000")
    doc.refresh_from_db()
    assert doc.status == OutStatus.TO_SEAL
    doc = outgoing_seal(actor=demo.user("vanthu"), document=doc, secret=HSM_PIN)
    assert doc.status == OutStatus.ISSUED
    checks = check_pdf(read(doc.final_pdf), load_trust()).signatures
    assert [c.verdict for c in checks] == [Verdict.VALID, Verdict.VALID]
    assert checks[1].signer_name == "Văn phòng Tỉnh ủy Quảng Nam"


def test_types_without_signatures_issue_and_send_as_before(
    office: Any, django_capture_on_commit_callbacks: Any
) -> None:
    demo = office
    SignatureRequirement.objects.create(
        organisation=demo.orgs["vptu"],
        doc_type=demo.doc_type("Công văn"),
        signer_signature=False,
        organisation_signature=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        doc = outgoing_issue(
            actor=demo.user("vanthu"),
            document=approved_draft(demo),
            final_pdf=upload(numbered_pdf()),
        )
    assert doc.status == OutStatus.ISSUED and doc.numbered_pdf is None
    assert doc.recipients.filter(status=DispatchStatus.DELIVERED).count() == 1
    # the recipient's page says plainly that the PDF carries no signature
    assert BlobValidation.objects.get(blob=doc.final_pdf).signature_count == 0

    only_seal = SignatureRequirement.objects.get(doc_type__isnull=True)
    only_seal.signer_signature = False
    only_seal.save()
    report = approved_draft(demo, type_name="Báo cáo")
    report = outgoing_issue(
        actor=demo.user("vanthu"), document=report, final_pdf=upload(numbered_pdf())
    )
    assert report.status == OutStatus.TO_SEAL
    with pytest.raises(DomainError, match="chỉ ký số văn bản đã cấp số và đang chờ người ký"):
        outgoing_sign(actor=demo.user("lanhdao"), document=report, secret="x")
    report = outgoing_seal(actor=demo.user("vanthu"), document=report)
    assert report.status == OutStatus.ISSUED
    assert report.recipients.filter(status=DispatchStatus.DELIVERED).count() == 1


def test_only_the_signer_signs_and_only_the_issuing_clerk_seals(office: Any) -> None:
    demo = office
    doc = issued_to_sign(demo)
    before = doc.final_pdf_id
    with pytest.raises(DomainError, match="Chỉ người có thẩm quyền ký văn bản này"):
        outgoing_sign(actor=demo.user("vanthu"), document=doc, secret=PASSPHRASE.decode())
    with pytest.raises(DomainError, match="sau khi người có thẩm quyền đã ký số"):
        outgoing_seal(actor=demo.user("vanthu"), document=doc)  # the signer has not signed
    doc = outgoing_sign(actor=demo.user("lanhdao"), document=doc, secret=PASSPHRASE.decode())
    assert isinstance(doc, OutgoingDocument)
    for outsider in ("lanhdao", "chuyenvien"):
        with pytest.raises(PermissionDenied):
            outgoing_seal(actor=demo.user(outsider), document=doc)
    with pytest.raises(PermissionDenied):
        outgoing_seal(actor=demo.user("vanthubtc"), document=doc)  # another office's clerk
    doc.refresh_from_db()
    assert doc.status == OutStatus.TO_SEAL and doc.numbered_pdf_id == before


def test_bad_passphrase_missing_passphrase_and_unusable_certificates_change_nothing(
    office: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trust: Pki
) -> None:
    demo = office
    leader = demo.user("lanhdao")
    doc = issued_to_sign(demo)
    before = doc.final_pdf_id
    with pytest.raises(DomainError, match="sai mật khẩu"):
        outgoing_sign(actor=leader, document=doc, secret="sai-mat-khau")
    with pytest.raises(DomainError, match="Hãy nhập mật khẩu"):
        outgoing_sign(actor=leader, document=doc, secret="")
    for identity, message in ((trust.expired, "đã hết hạn"), (trust.revoked, "đã bị thu hồi")):
        SigningProfile.objects.filter(user=leader).delete()
        pkcs12_profile(tmp_path, monkeypatch, identity, user=leader)
        with pytest.raises(DomainError, match=message):
            outgoing_sign(actor=leader, document=doc)
    SigningProfile.objects.filter(user=leader).delete()
    leader.certificates.all().delete()
    with pytest.raises(DomainError, match="chưa đăng ký chứng thư số"):
        outgoing_sign(actor=leader, document=doc)
    doc.refresh_from_db()
    assert doc.status == OutStatus.TO_SIGN and doc.final_pdf_id == before
    assert not doc.events.filter(action=OutAction.SIGN).exists()


def test_a_pdf_signed_elsewhere_must_be_the_numbered_pdf_signed_with_a_registered_certificate(
    office: Any, trust: Pki
) -> None:
    demo = office
    leader = demo.user("lanhdao")
    doc = issued_to_sign(demo)
    numbered = read(doc.final_pdf)
    box = signer_box_for(numbered, leader.full_name)

    other = signing.sign_personal(
        actor=leader, pdf=numbered_pdf("Người khác"), secret="MatKhau@2026"
    )
    assert isinstance(other, signing.SignedPdf)
    with pytest.raises(DomainError, match="không phải bản PDF đã cấp số 01-CV/VPTU"):
        outgoing_sign_upload(actor=leader, document=doc, file=upload(other.pdf))
    with pytest.raises(DomainError, match="chưa có chữ ký số mới"):
        outgoing_sign_upload(actor=leader, document=doc, file=upload(unsigned_update(numbered)))
    good = signing.sign_personal(actor=leader, pdf=numbered, box=box, secret="MatKhau@2026")
    assert isinstance(good, signing.SignedPdf)
    tampered = bytearray(good.pdf)
    at = tampered.index(b"/Reason", len(numbered))  # inside the signed revision
    tampered[at + 9 : at + 10] = b"X" if tampered[at + 9 : at + 10] != b"X" else b"Y"
    with pytest.raises(DomainError, match="không hợp lệ|Không kiểm tra được"):
        outgoing_sign_upload(actor=leader, document=doc, file=upload(bytes(tampered)))

    leader.certificates.all().delete()  # signed with a certificate he never registered
    signed = signing.sign_personal(actor=leader, pdf=numbered, box=box, secret="MatKhau@2026")
    assert isinstance(signed, signing.SignedPdf)
    with pytest.raises(DomainError, match="không dùng chứng thư số đồng chí đã đăng ký"):
        outgoing_sign_upload(actor=leader, document=doc, file=upload(signed.pdf))
    doc.refresh_from_db()
    assert doc.status == OutStatus.TO_SIGN and read(doc.final_pdf) == numbered

    trust_services.certificate_register(actor=leader, data=trust.signer.cert_der)
    doc = outgoing_sign_upload(actor=leader, document=doc, file=upload(signed.pdf))
    assert doc.status == OutStatus.TO_SEAL
    assert doc.events.get(action=OutAction.SIGN).data["via"] == "upload"


def test_the_signer_image_goes_just_above_the_signer_name() -> None:
    box = signer_box_for(numbered_pdf(), "Phạm Văn Đức")
    assert box.page == 0 and 200 < box.y1 < 230 and box.y2 < 300  # between title and name
    assert box.x1 < 400 < box.x2
    tight = signer_box_for(numbered_pdf(title_y=250), "Phạm Văn Đức")
    assert 200 < tight.y1 < tight.y2 < 250  # never over the title
    assert signer_box_for(numbered_pdf(), "Người không có tên") == DEFAULT_SIGNER_BOX


def test_a_numbered_document_waiting_for_signature_can_be_recalled(office: Any) -> None:
    demo = office
    doc = issued_to_sign(demo)
    doc = outgoing_recall(actor=demo.user("vanthu"), document=doc, reason="Người ký không ký")
    assert doc.status == OutStatus.RECALLED
    with pytest.raises(DomainError, match="chỉ ký số văn bản đã cấp số"):
        outgoing_sign(actor=demo.user("lanhdao"), document=doc, secret=PASSPHRASE.decode())


def _issue_message(demo: Any) -> str:
    """Issue a second document through the page and return what the văn thư is told."""
    doc = approved_draft(demo)
    page = demo.client("vanthu").post(
        f"/van-ban-di/{doc.pk}/ban-hanh/",
        {"issue_date": "", "copies": "1", "final_pdf": upload(numbered_pdf())},
        follow=True,
    )
    return str(page.content.decode())


def test_the_pages_show_the_sign_and_seal_buttons_to_the_right_people(office: Any) -> None:
    demo = office
    doc = issued_to_sign(demo)
    url = f"/van-ban-di/{doc.pk}/"
    leader_page = demo.client("lanhdao").get(url).content.decode()
    assert 'data-testid="sign"' in leader_page and 'name="passphrase"' in leader_page
    assert "chưa gửi đến nơi nhận" in _issue_message(demo)
    clerk_page = demo.client("vanthu").get(url).content.decode()
    assert 'data-testid="sign"' not in clerk_page and 'data-testid="seal"' not in clerk_page
    assert "chưa được gửi đến nơi nhận" in clerk_page

    leader = demo.client("lanhdao")
    answer = leader.post(f"{url}ky-so/", {"passphrase": "sai"}, follow=True)
    assert "sai mật khẩu" in answer.content.decode()
    answer = leader.post(f"{url}ky-so/", {"passphrase": PASSPHRASE.decode()}, follow=True)
    assert "chờ văn thư ký số của cơ quan" in answer.content.decode()

    clerk = demo.client("vanthu")
    assert 'data-testid="seal"' in clerk.get(url).content.decode()
    page = clerk.post(f"{url}ky-so-co-quan/", follow=True).content.decode()
    assert "Đã ký số của cơ quan" in page and 'data-testid="signature-validation"' in page
    doc.refresh_from_db()
    assert doc.status == OutStatus.ISSUED
    # btctu received it in the system, the paper line is marked by hand: nothing left to send
    assert "Gửi đến nơi nhận chưa gửi" not in page
    # the check queued after commit has not run yet (no on-commit callbacks here)
    assert "Đang kiểm tra chữ ký số…" in page and "Chưa kiểm tra chữ ký số." not in page
    numbered = clerk.get(f"/van-ban-di/{doc.pk}/ban-cuoi.chua-ky")
    assert b"".join(numbered.streaming_content) == read(doc.numbered_pdf)  # type: ignore[attr-defined]


def test_the_send_button_and_the_check_note_follow_what_is_really_pending(
    office: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from vanphong.files.models import Blob

    demo = office
    doc = outgoing_sign(
        actor=demo.user("lanhdao"), document=issued_to_sign(demo), secret=PASSPHRASE.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):  # the signature check runs
        doc = outgoing_seal(actor=demo.user("vanthu"), document=doc)
    url = f"/van-ban-di/{doc.pk}/"
    clerk = demo.client("vanthu")
    page = clerk.get(url).content.decode()
    assert 'data-verdict="valid"' in page and "Đang kiểm tra chữ ký số" not in page
    assert "Gửi đến nơi nhận chưa gửi" not in page
    internal = doc.recipients.get(organisation=demo.orgs["btctu"])
    internal.status = DispatchStatus.PENDING  # e.g. a line the văn thư has not sent yet
    internal.save(update_fields=["status"])
    assert "Gửi đến nơi nhận chưa gửi" in clerk.get(url).content.decode()
    BlobValidation.objects.filter(blob=doc.final_pdf).delete()  # as if the check had not run
    assert "Đang kiểm tra chữ ký số…" in clerk.get(url).content.decode()
    # no result long after the PDF was stored: the page no longer claims a check is under way
    Blob.objects.filter(pk=doc.final_pdf_id).update(
        created_at=doc.final_pdf.created_at - dt.timedelta(hours=1)
    )
    page = clerk.get(url).content.decode()
    assert "Chưa kiểm tra chữ ký số." in page and "Đang kiểm tra chữ ký số" not in page


def test_the_api_signs_seals_and_refuses_to_dispatch_too_early(office: Any) -> None:
    from tests.test_outgoing_api import Api

    demo = office
    doc = issued_to_sign(demo)
    clerk, leader = Api(demo.user("vanthu")), Api(demo.user("lanhdao"))
    refused = clerk.post(f"/{doc.pk}/dispatch")
    assert refused.status_code == 400 and "còn thiếu chữ ký số" in refused.json()["detail"]
    assert clerk.post(f"/{doc.pk}/sign").status_code == 400
    got = leader.post(f"/{doc.pk}/sign", {"passphrase": PASSPHRASE.decode()})
    assert got.status_code == 200 and got.json()["status"] == "to_seal"
    assert got.json()["requires_organisation_signature"] is True
    assert leader.post(f"/{doc.pk}/seal").status_code == 403
    sealed = clerk.post(f"/{doc.pk}/seal")
    assert sealed.status_code == 200 and sealed.json()["status"] == "issued"
    assert sealed.json()["recipients"][0]["status"] == "delivered"


def test_the_demo_office_signs_with_the_demo_keys(
    demo: Any, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from vanphong.signing.demo import DEMO_KEY_PASSPHRASE, load_demo_signing

    settings.VAR_DIR = tmp_path
    configure(demo)
    added = load_demo_signing(demo.orgs)
    assert "chứng thư gốc mẫu" in added and load_demo_signing(demo.orgs) == []
    assert "KHÔNG DÙNG THẬT" in (tmp_path / "demo-keys" / "DOC-TOI.txt").read_text()
    doc = issued_to_sign(demo)
    doc = outgoing_sign(actor=demo.user("lanhdao"), document=doc, secret=DEMO_KEY_PASSPHRASE)
    with django_capture_on_commit_callbacks(execute=True):
        doc = outgoing_seal(actor=demo.user("vanthu"), document=doc, secret=DEMO_KEY_PASSPHRASE)
    assert doc.status == OutStatus.ISSUED
    checks = BlobValidation.objects.get(blob=doc.final_pdf).signatures.all()
    assert [c.verdict for c in checks] == [Verdict.VALID, Verdict.VALID]


def test_every_signer_the_demo_form_offers_has_a_demo_key(
    demo: Any, settings: Any, tmp_path: Path
) -> None:
    """The draft form offers the demo office's signing authorities (Hoàng Minh Tuấn first):
    each of them can sign with the demo keys, not only the Chánh Văn phòng."""
    from vanphong.drafting.forms import DraftForm
    from vanphong.signing.demo import DEMO_KEY_PASSPHRASE, load_demo_signing

    settings.VAR_DIR = tmp_path
    configure(demo)
    load_demo_signing(demo.orgs)
    offered = DraftForm(user=demo.user("chuyenvien")).fields["signer"].queryset  # type: ignore[attr-defined]
    usernames = {user.username for user in offered}
    assert {"lanhdao", "phochanh"} <= usernames
    with_keys = set(
        SigningProfile.objects.filter(user__isnull=False).values_list("user__username", flat=True)
    )
    assert usernames <= with_keys
    for username in usernames:
        assert (tmp_path / "demo-keys" / f"{username}.p12").exists()
    doc = outgoing_issue(
        actor=demo.user("vanthu"),
        document=approved_draft(demo, signer=demo.user("phochanh")),
        final_pdf=upload(numbered_pdf()),
    )
    doc = outgoing_sign(actor=demo.user("phochanh"), document=doc, secret=DEMO_KEY_PASSPHRASE)
    assert doc.status == OutStatus.TO_SEAL


def test_the_signer_and_the_clerk_find_it_in_the_list_waiting_for_signature(
    office: Any, django_capture_on_commit_callbacks: Any
) -> None:
    demo = office
    doc = issued_to_sign(demo)
    link = f"/van-ban-di/{doc.pk}/"

    def listed(username: str, which: str) -> bool:
        page = demo.client(username).get(f"/van-ban-di/?ds={which}").content.decode()
        return link in page

    assert link in demo.client("lanhdao").get("/van-ban-di/").content.decode()
    assert listed("lanhdao", "cho-ky-so") and not listed("lanhdao", "da-ban-hanh")
    # the văn thư follows it while it waits for the signer, and it is not issued yet
    assert listed("vanthu", "cho-ky-so") and not listed("vanthu", "da-ban-hanh")
    assert listed("vanthu2", "cho-ky-so")  # any văn thư of the organisation
    assert not listed("vanthubtc", "cho-ky-so")  # not the văn thư of another organisation
    assert link in demo.client("vanthu").get("/van-ban-di/").content.decode()  # default tab
    doc = outgoing_sign(actor=demo.user("lanhdao"), document=doc, secret=PASSPHRASE.decode())
    assert doc.status == OutStatus.TO_SEAL
    assert listed("vanthu", "cho-ky-so") and not listed("vanthu", "da-ban-hanh")
    # signed, waiting for the office signature: still not issued for the signer either
    assert listed("lanhdao", "cho-ky-so") and not listed("lanhdao", "da-ban-hanh")
    drafter = doc.drafter.username
    assert listed(drafter, "du-thao") and not listed(drafter, "da-ban-hanh")
    with django_capture_on_commit_callbacks(execute=True):
        doc = outgoing_seal(actor=demo.user("vanthu"), document=doc)
    assert doc.status == OutStatus.ISSUED
    assert not listed("vanthu", "cho-ky-so") and listed("vanthu", "da-ban-hanh")
    assert not listed("lanhdao", "cho-ky-so") and listed("lanhdao", "da-ban-hanh")
    assert not listed(drafter, "du-thao") and listed(drafter, "da-ban-hanh")


def test_the_administrator_sets_the_requirement_per_type_in_the_admin_site(demo: Any) -> None:
    admin = demo.client("admin")
    base = "/quan-tri/drafting/signaturerequirement/"
    answer = admin.post(
        f"{base}add/",
        {
            "organisation": demo.orgs["vptu"].pk,
            "doc_type": demo.doc_type("Quyết định").pk,
            "signer_signature": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    row = SignatureRequirement.objects.get(doc_type=demo.doc_type("Quyết định"))
    assert row.signer_signature and not row.organisation_signature
    assert "Quyết định: người ký" in admin.get(base).content.decode()
