"""SoftHSM2 standing in for USB tokens and the office's HSM.

A PKCS#11 module is initialised once per process and reads SOFTHSM2_CONF then, so the whole
test session shares one token directory; each token gets its own label. Keys are imported with
pkcs11-tool (Debian package opensc)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.signing_pki import Identity, Pki

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "87654321"


@dataclass
class SoftHsm:
    root: Path
    conf: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf)}

    def _run(self, *args: str) -> str:
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")
        return done.stdout

    def token(self, label: str, pin: str, identity: Identity | None, key_label: str = "") -> str:
        """Create a token holding the identity's key and certificate (ID 01)."""
        self._run(
            "softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
            "--so-pin", SO_PIN,
        )  # fmt: skip
        if identity is not None:
            work = Path(tempfile.mkdtemp(dir=self.root))
            (work / "key.der").write_bytes(identity.key_der())
            (work / "cert.der").write_bytes(identity.cert_der)
            for kind, name in (("privkey", "key.der"), ("cert", "cert.der")):
                self._run(
                    "pkcs11-tool", "--module", MODULE, "--token-label", label, "--login",
                    "--pin", pin, "--write-object", str(work / name), "--type", kind,
                    "--id", "01", "--label", key_label or label,
                )  # fmt: skip
            shutil.rmtree(work)
        return label

    def unplug(self, label: str) -> None:
        """Remove a token from the store, as if it were pulled out."""
        out = self._run("softhsm2-util", "--show-slots")
        serial = ""
        lines = out.splitlines()
        for index, line in enumerate(lines):
            if line.strip().startswith("Label:") and line.split(":", 1)[1].strip() == label:
                for back in range(index, max(index - 12, 0), -1):
                    if lines[back].strip().startswith("Serial number:"):
                        serial = lines[back].split(":", 1)[1].strip()
                        break
                break
        if not serial:
            raise RuntimeError(f"token {label} not found")
        self._run("softhsm2-util", "--delete-token", "--serial", serial)


_SHARED: list[SoftHsm] = []


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> SoftHsm:
    """One token store for the whole session. Each test module that imports this fixture gets
    its own session-scoped copy of it, but the PKCS#11 module loaded in this process reads
    SOFTHSM2_CONF only once, so every copy must hand out the same store."""
    if _SHARED:
        return _SHARED[0]
    if not (shutil.which("softhsm2-util") and shutil.which("pkcs11-tool")):
        pytest.fail("SoftHSM2 and OpenSC are needed: apt-get install softhsm2 opensc")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the module when first loaded
    _SHARED.append(SoftHsm(root=root, conf=conf))
    return _SHARED[0]


OFFICE_TOKEN = "VPTU-HSM"
OFFICE_PIN = "246810"
OFFICE_KEY = "coquan"
_TOKENS: dict[str, str] = {}


@pytest.fixture(scope="session")
def office_token(softhsm: SoftHsm, pki: Pki) -> str:
    """The office key on a token, made once per session before any test loads the PKCS#11
    module in this process (SoftHSM2 does not see tokens created after it was initialised)."""
    if OFFICE_TOKEN not in _TOKENS:
        _TOKENS[OFFICE_TOKEN] = softhsm.token(
            OFFICE_TOKEN, OFFICE_PIN, pki.organisation, key_label=OFFICE_KEY
        )
    return _TOKENS[OFFICE_TOKEN]
