"""Fixtures for the signing tests: the test PKI, trust configured through the real services,
signing profiles backed by PKCS#12 files, and helpers to read signed PDFs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.signing_pki import PASSPHRASE, Identity, Pki, build_pki
from vanphong.core.models import Organisation, User
from vanphong.files.store import FileBatch
from vanphong.signing import trust_services
from vanphong.signing.models import Backend, SigningProfile


@pytest.fixture(scope="session")
def pki() -> Pki:
    return build_pki()


@pytest.fixture
def trust(demo: Any, pki: Pki) -> Pki:
    """Root and intermediate configured, both CRLs imported, by the administrator."""
    admin = demo.user("admin")
    trust_services.ca_certificate_add(actor=admin, data=pki.root.cert_pem)
    trust_services.ca_certificate_add(actor=admin, data=pki.intermediate.cert_der)
    trust_services.crl_import(actor=admin, data=pki.root_crl, name="root.crl")
    trust_services.crl_import(actor=admin, data=pki.intermediate_crl, name="ca.crl")
    return pki


def png(kind: str) -> bytes:
    """A signature stroke (blue) or a round seal (red), drawn for the tests."""
    if kind == "signature":
        image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
        ImageDraw.Draw(image).line(
            [(10, 90), (80, 20), (140, 100), (200, 30), (290, 80)], fill=(0, 0, 200, 255), width=6
        )
    else:
        image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.ellipse([5, 5, 195, 195], outline=(220, 0, 0, 255), width=10)
        draw.ellipse([45, 45, 155, 155], fill=(220, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def pkcs12_profile(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    identity: Identity,
    *,
    user: User | None = None,
    organisation: Organisation | None = None,
    image: bytes | None = None,
) -> SigningProfile:
    owner = user.username if user else f"org{organisation.pk if organisation else 0}"
    path = tmp_path / f"{owner}.p12"
    path.write_bytes(identity.pkcs12())
    secret_name = f"VANPHONG_TEST_P12_{owner.upper()}"
    monkeypatch.setenv(secret_name, PASSPHRASE.decode())
    blob = None
    if image is not None:
        with FileBatch() as batch:
            blob = batch.add_bytes(image, name="hinh.png")
    return SigningProfile.objects.create(
        user=user,
        organisation=organisation,
        backend=Backend.PKCS12,
        pkcs12_path=str(path),
        secret_name=secret_name,
        image=blob,
    )


def store_pdf(data: bytes, name: str = "van-ban.pdf") -> Any:
    with FileBatch() as batch:
        return batch.add_bytes(data, name=name)


def signature_fields(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    """Field name → (page index, rectangle) of every signature widget."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, tuple[int, list[float]]] = {}
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/FT") == "/Sig" or obj.get("/Parent", {}).get("/FT") == "/Sig":
                name = str(obj.get("/T") or obj["/Parent"]["/T"])
                found[name] = (index, [float(v) for v in obj["/Rect"]])
    return found
