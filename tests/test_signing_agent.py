"""Interrupted signing end to end through the real `vanphong-signer` process on loopback, with a
SoftHSM2 token standing in for the signer's USB token: the server prepares, the agent signs,
the server completes. The test plays the browser's part (it relays the JSON)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import signing_fixtures, signing_hsm
from tests.conftest import pdf_bytes
from tests.signing_pki import Pki, build_pki
from vanphong.core.errors import DomainError
from vanphong.signing import services, trust_services
from vanphong.signing.models import PendingSignature, Verdict
from vanphong.signing.trust import load_trust
from vanphong.signing.validation import check_pdf

pytestmark = pytest.mark.django_db
pki = signing_fixtures.pki
trust = signing_fixtures.trust
softhsm = signing_hsm.softhsm
PIN = "135790"
ORIGIN = "http://testserver"
AGENT = str(Path(sys.executable).parent / "vanphong-signer")


@pytest.fixture(scope="session")
def user_token(softhsm: signing_hsm.SoftHsm, pki: Pki) -> str:
    return softhsm.token("NGUYEN-VAN-ANH", PIN, pki.signer, key_label="nguoiky")


class RunningAgent:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port

    def call(
        self, path: str, payload: dict[str, Any] | None = None, origin: str = ORIGIN
    ) -> tuple[int, dict[str, Any]]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            headers={"Origin": origin, "Content-Type": "application/json"},
            method="POST" if data is not None else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture
def paired(demo: Any, trust: Pki, user_token: str, tmp_path: Path) -> Any:
    """lanhdao registered the certificate and paired the agent (config in tmp_path)."""
    user = demo.user("lanhdao")
    trust_services.certificate_register(actor=user, data=trust.signer.cert_der)
    code = services.agent_pair(actor=user)
    config = tmp_path / "pairing.json"
    done = subprocess.run(
        [AGENT, "--config", str(config), "pair", "--server", f"{ORIGIN}/", "--code", code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Đã ghép nối với http://testserver" in done.stdout
    return config


@pytest.fixture
def start_agent(softhsm: signing_hsm.SoftHsm, paired: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[str]] = []

    def start(label: str, pin: str | None = PIN, pin_stdin: bool = False) -> RunningAgent:
        env = softhsm.env
        env.pop("VANPHONG_SIGNER_PIN", None)
        if pin is not None:
            env["VANPHONG_SIGNER_PIN"] = pin
        args = [AGENT, "--config", str(paired), "serve", "--module", signing_hsm.MODULE]
        args += ["--token-label", label, "--port", "0"] + (["--pin-stdin"] if pin_stdin else [])
        process = subprocess.Popen(
            args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "127.0.0.1:" in line, process.stderr.read() if process.stderr else line
        port = int(line.split("127.0.0.1:")[1].split()[0])
        return RunningAgent(process, port)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_the_agent_signs_with_the_token_and_the_server_completes_the_pdf(
    demo: Any, start_agent: Any, user_token: str
) -> None:
    agent = start_agent(user_token, pin=None, pin_stdin=True)
    assert agent.process.stdin is not None
    agent.process.stdin.write(PIN + "\n")
    agent.process.stdin.flush()
    lanhdao = demo.user("lanhdao")
    request = services.sign_personal(actor=lanhdao, pdf=pdf_bytes(pages=2))
    assert isinstance(request, services.AgentRequest)
    assert PIN not in json.dumps(request.payload)
    status, answer = agent.call("/sign", request.payload)
    assert status == 200, answer
    result = services.agent_complete(actor=lanhdao, pending_id=request.pending_id, response=answer)
    outcome = check_pdf(result.pdf, load_trust()).signatures[0]
    assert outcome.verdict == Verdict.VALID and outcome.signer_name == "Nguyễn Văn Ánh"
    with pytest.raises(DomainError, match="đã được hoàn tất"):
        services.agent_complete(actor=lanhdao, pending_id=request.pending_id, response=answer)


def test_the_agent_reads_the_certificate_from_the_token(start_agent: Any, user_token: str) -> None:
    from vanphong_signer.protocol import b64d

    status, answer = start_agent(user_token).call("/certificates")
    assert status == 200
    assert [b64d(c) for c in answer["certificates"]] == [build_pki().signer.cert_der]


def test_a_wrong_pin_is_reported_by_the_agent_and_nothing_is_signed(
    demo: Any, start_agent: Any, user_token: str
) -> None:
    agent = start_agent(user_token, pin="999999")
    lanhdao = demo.user("lanhdao")
    request = services.sign_personal(actor=lanhdao, pdf=pdf_bytes())
    status, answer = agent.call("/sign", request.payload)
    assert status == 409 and answer["error"] == "Mã PIN không đúng. Chưa ký văn bản nào."
    assert "signature" not in answer
    with pytest.raises(DomainError, match="Mã PIN không đúng"):
        services.agent_complete(actor=lanhdao, pending_id=request.pending_id, response=answer)
    assert PendingSignature.objects.get(pk=request.pending_id).completed_at is None


def test_a_missing_or_unplugged_token_gets_a_clear_message(
    demo: Any, start_agent: Any, softhsm: signing_hsm.SoftHsm, pki: Pki
) -> None:
    lanhdao = demo.user("lanhdao")
    request = services.sign_personal(actor=lanhdao, pdf=pdf_bytes())
    status, answer = start_agent("KHONG-CAM").call("/sign", request.payload)
    assert status == 409 and "Không tìm thấy USB token" in answer["error"]
    label = softhsm.token("RUT-RA", PIN, pki.signer, key_label="nguoiky")
    agent = start_agent(label)
    assert agent.call("/certificates")[0] == 200
    softhsm.unplug(label)
    status, answer = agent.call("/sign", request.payload)
    assert status == 409 and "USB token" in answer["error"]


def test_the_agent_answers_only_the_paired_server(
    demo: Any, start_agent: Any, user_token: str
) -> None:
    agent = start_agent(user_token)
    request = services.sign_personal(actor=demo.user("lanhdao"), pdf=pdf_bytes())
    status, answer = agent.call("/sign", request.payload, origin="https://ke-gian.example")
    assert status == 403 and "máy chủ đã ghép nối" in answer["error"]
    forged = {**request.payload, "mac": "0" * 64}
    status, answer = agent.call("/sign", forged)
    assert status == 403 and "không đến từ máy chủ đã ghép nối" in answer["error"]


def test_an_answer_not_from_the_paired_agent_is_refused(
    demo: Any, start_agent: Any, user_token: str
) -> None:
    agent = start_agent(user_token)
    lanhdao = demo.user("lanhdao")
    request = services.sign_personal(actor=lanhdao, pdf=pdf_bytes())
    status, answer = agent.call("/sign", request.payload)
    assert status == 200
    with pytest.raises(DomainError, match="không đến từ chương trình ký đã ghép nối"):
        services.agent_complete(
            actor=lanhdao, pending_id=request.pending_id, response={**answer, "mac": "00"}
        )
