"""Signing a PDF in the browser through the real desk agent: the page relays the server's
request to vanphong-signer on 127.0.0.1 (SoftHSM2 token) and the answer back to the server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests import signing_fixtures, signing_hsm
from tests.conftest import pdf_bytes
from tests.signing_pki import Pki
from vanphong.signing import services, trust_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pki = signing_fixtures.pki
trust = signing_fixtures.trust
softhsm = signing_hsm.softhsm
PIN = "112233"
AGENT = str(Path(sys.executable).parent / "vanphong-signer")


@pytest.fixture(scope="session")
def browser_token(softhsm: signing_hsm.SoftHsm, pki: Pki) -> str:
    return softhsm.token("TOKEN-TRINH-DUYET", PIN, pki.signer, key_label="nguoiky")


@pytest.fixture
def agent(
    demo: Any, trust: Pki, live_server: Any, softhsm: signing_hsm.SoftHsm, browser_token: str,
    tmp_path: Path, settings: Any,
) -> Iterator[Any]:  # fmt: skip
    def start(pin: str, register: bool = True) -> subprocess.Popen[str]:
        user = demo.user("lanhdao")
        if register and not user.certificates.exists():
            trust_services.certificate_register(actor=user, data=trust.signer.cert_der)
        config = tmp_path / f"pairing-{pin}.json"
        code = services.agent_pair(actor=user)
        subprocess.run(
            [AGENT, "--config", str(config), "pair", "--server", live_server.url, "--code", code],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        env = {**softhsm.env, "VANPHONG_SIGNER_PIN": pin}
        process = subprocess.Popen(
            [AGENT, "--config", str(config), "serve", "--module", signing_hsm.MODULE,
             "--token-label", browser_token, "--port", "0"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        port = int(line.split("127.0.0.1:")[1].split()[0])
        settings.SIGNING_AGENT_URL = f"http://127.0.0.1:{port}"
        return process

    started: list[subprocess.Popen[str]] = []
    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def prepare(sign_in: Any, live_server: Any, tmp_path: Path) -> Any:
    source = tmp_path / "to-trinh.pdf"
    source.write_bytes(pdf_bytes("Tờ trình ký số", pages=2))
    page = sign_in("lanhdao")
    page.goto(f"{live_server.url}/ky-so/ky/")
    page.get_by_label("Tệp PDF cần ký").set_input_files(str(source))
    page.get_by_role("button", name="Chuẩn bị ký").click()
    return page


def test_a_signer_signs_in_the_browser_through_the_desk_agent(
    agent: Any, sign_in: Any, live_server: Any, tmp_path: Path
) -> None:
    agent(PIN)
    page = prepare(sign_in, live_server, tmp_path)
    page.get_by_test_id("agent-sign").click()
    expect(page.get_by_test_id("signed-title")).to_have_text("Đã ký số")
    row = page.get_by_test_id("signature-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Hợp lệ")
    expect(row).to_contain_text("Nguyễn Văn Ánh")


def test_a_wrong_pin_is_shown_on_the_page_and_nothing_is_signed(
    agent: Any, sign_in: Any, live_server: Any, tmp_path: Path
) -> None:
    agent("000000")
    page = prepare(sign_in, live_server, tmp_path)
    page.get_by_test_id("agent-sign").click()
    expect(page.get_by_test_id("agent-error")).to_have_text(
        "Mã PIN không đúng. Chưa ký văn bản nào."
    )
    expect(page.get_by_test_id("agent-sign")).to_be_enabled()


def test_a_signer_registers_the_certificate_read_from_the_token(
    agent: Any, sign_in: Any, live_server: Any
) -> None:
    agent(PIN, register=False)
    page = sign_in("lanhdao")
    page.goto(f"{live_server.url}/ky-so/chung-thu-cua-toi/")
    expect(page.get_by_test_id("cert-table")).to_contain_text("chưa đăng ký chứng thư")
    page.get_by_test_id("agent-read").click()
    expect(page.get_by_test_id("agent-read-message")).to_have_text(
        "Đã đăng ký chứng thư: Nguyễn Văn Ánh."
    )
    expect(page.get_by_test_id("cert-table")).to_contain_text("Đọc từ chương trình ký trên máy")


def test_the_signer_signs_a_numbered_outgoing_document_through_the_desk_agent(
    agent: Any, sign_in: Any, live_server: Any, demo: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.outgoing_support import approved_draft, configure
    from vanphong.drafting.models import SignatureRequirement
    from vanphong.drafting.services import outgoing_issue

    configure(demo)
    SignatureRequirement.objects.create(organisation=demo.orgs["vptu"])
    final = SimpleUploadedFile("cuoi.pdf", pdf_bytes("Công văn"), content_type="application/pdf")
    doc = outgoing_issue(actor=demo.user("vanthu"), document=approved_draft(demo), final_pdf=final)
    agent(PIN)
    page = sign_in("lanhdao")
    page.goto(f"{live_server.url}/van-ban-di/{doc.pk}/")
    page.get_by_test_id("sign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ký số văn bản số {doc.notation}")
    page.get_by_test_id("agent-sign").click()
    expect(page.get_by_test_id("out-status")).to_have_text("Đã ký số, chờ ký số của cơ quan")
    row = page.get_by_test_id("final-signatures").get_by_test_id("signature-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Nguyễn Văn Ánh")
