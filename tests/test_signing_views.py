"""Pages: trust roots and CRLs, my certificates and pairing, checking a PDF signed elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests import signing_fixtures
from tests.conftest import pdf_bytes
from tests.signing_pki import Pki
from tests.test_signing_validation import sign_as
from vanphong.signing.models import AgentPairing, CaCertificate, UserCertificate

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust


def test_the_administrator_sees_roots_crls_and_their_next_update(trust: Pki) -> None:
    client = _client("admin")
    page = client.get(reverse("signing:trust")).content.decode()
    assert "Root CA thử nghiệm" in page and "CA chuyên dùng Chính phủ thử nghiệm" in page
    # names are stored in asn1crypto's English form and shown with Vietnamese labels
    assert "Common Name" not in page and "Organization" not in page and "Country" not in page
    assert (
        "Tên: Root CA thử nghiệm, Tổ chức: Ban Cơ yếu Chính phủ (thử nghiệm), Quốc gia: VN" in page
    )
    next_update = trust_crl_next_update()
    assert next_update in page


def trust_crl_next_update() -> str:
    from vanphong.signing.models import RevocationList

    row = RevocationList.objects.order_by("pk").first()
    assert row is not None and row.next_update is not None
    return f"{timezone.localtime(row.next_update):%H:%M %d/%m/%Y}"


def _client(username: str) -> Any:
    from django.test import Client

    from vanphong.core.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_administrator_adds_a_root_and_a_bad_file_is_explained(demo: Any, pki: Pki) -> None:
    client = demo.client("admin")
    upload = SimpleUploadedFile("root.cer", pki.root.cert_pem)
    response = client.post(reverse("signing:trust"), {"which": "ca", "ca-file": upload})
    assert response.status_code == 302
    assert CaCertificate.objects.filter(subject__contains="Root CA thử nghiệm").exists()
    bad = SimpleUploadedFile("x.crl", b"rac")
    page = client.post(reverse("signing:trust"), {"which": "crl", "crl-file": bad})
    assert "không phải là danh sách chứng thư bị thu hồi" in page.content.decode()


def test_a_specialist_cannot_open_the_trust_page(demo: Any) -> None:
    assert demo.client("chuyenvien").get(reverse("signing:trust")).status_code == 403


def test_a_person_registers_a_certificate_and_pairs_the_agent(demo: Any, pki: Pki) -> None:
    client = demo.client("chuyenvien")
    upload = SimpleUploadedFile("toi.cer", pki.signer2.cert_der)
    assert client.post(reverse("signing:certificates"), {"file": upload}).status_code == 302
    assert UserCertificate.objects.filter(user__username="chuyenvien").count() == 1
    page = client.post(reverse("signing:certificates"), {"which": "pair"}).content.decode()
    secret = AgentPairing.objects.get(user__username="chuyenvien").secret
    assert f"--code {secret}" in page and "--server http://testserver" in page
    listing = client.get(reverse("signing:certificates")).content.decode()
    assert "Trần Thị Bích Hường" in listing and secret not in listing


def test_a_pdf_signed_elsewhere_is_checked_signature_by_signature(trust: Pki) -> None:
    signed = sign_as(trust.organisation, sign_as(trust.revoked, pdf_bytes()), "CoQuan")
    client = _client("chuyenvien")
    upload = SimpleUploadedFile("da-ky.pdf", signed, content_type="application/pdf")
    page = client.post(reverse("signing:check"), {"file": upload}).content.decode()
    assert page.count('data-testid="signature-row"') == 2
    assert "Không hợp lệ" in page and "đã bị thu hồi ngày" in page


def test_signed_pdfs_of_a_registered_incoming_document_are_validated(
    demo: Any, trust: Pki, django_capture_on_commit_callbacks: Any
) -> None:
    from vanphong.signing.models import BlobValidation

    signed = SimpleUploadedFile("cv.pdf", sign_as(trust.revoked, pdf_bytes()), "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        doc = demo.register_incoming(files=[signed])
    validation = BlobValidation.objects.get(blob=doc.files.get().blob)
    assert validation.signatures.get().verdict == "invalid"


def test_signing_a_pdf_with_a_server_key_shows_the_result_and_only_the_signer_downloads_it(
    demo: Any, trust: Pki, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.signing_fixtures import pkcs12_profile

    pkcs12_profile(tmp_path, monkeypatch, trust.signer, user=demo.user("lanhdao"))
    client = demo.client("lanhdao")
    upload = SimpleUploadedFile("to-trinh.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(reverse("signing:sign"), {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Hợp lệ" in page and "Nguyễn Văn Ánh" in page
    sha = response["Location"].rstrip("/").split("/")[-1]
    download = client.get(reverse("signing:download", args=[sha]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert demo.client("chuyenvien").get(reverse("signing:download", args=[sha])).status_code == 404


def test_the_signing_page_hands_the_request_to_the_agent_without_any_secret(
    demo: Any, trust: Pki
) -> None:
    from vanphong.signing import services as signing_services

    user = demo.user("lanhdao")
    trust_services_register(user, trust)
    secret = signing_services.agent_pair(actor=user)
    client = demo.client("lanhdao")
    upload = SimpleUploadedFile("to-trinh.pdf", pdf_bytes(), content_type="application/pdf")
    page = client.post(reverse("signing:sign"), {"file": upload}).content.decode()
    assert 'id="agent-payload"' in page and "http://127.0.0.1:8765" in page
    assert secret not in page
    bad = client.post(
        reverse("signing:agent_complete"),
        data='{"pending_id": "x", "response": {"error": "Mã PIN không đúng."}}',
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"] == "Mã PIN không đúng."


def trust_services_register(user: Any, trust: Pki) -> None:
    from vanphong.signing import trust_services

    trust_services.certificate_register(actor=user, data=trust.signer.cert_der)


def test_the_administrator_configures_signing_profiles_in_the_admin_site(demo: Any) -> None:
    client = demo.client("admin")
    response = client.get("/quan-tri/signing/signingprofile/add/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Thêm cấu hình ký số" in page and "Biến môi trường chứa mật khẩu/PIN" in page


def test_the_signing_pages_link_to_each_other_and_trust_only_for_those_allowed(demo: Any) -> None:
    page = demo.client("chuyenvien").get(reverse("signing:check")).content.decode()
    assert reverse("signing:sign") in page and reverse("signing:certificates") in page
    assert reverse("signing:trust") not in page
    page = demo.client("vanthu").get(reverse("signing:sign")).content.decode()
    assert reverse("signing:trust") in page
