"""DEMO KEYS for the demo office, so that `vanphong demo` shows the whole issuance flow with
digital signatures. NOT for real use: a throw-away root CA generated on this machine, a PKCS#12
file for each demo signer and one for the office (Văn phòng Tỉnh ủy), all under
var/demo-keys/ with one published passphrase. Real offices use certificates from Ban Cơ yếu
Chính phủ on USB tokens or an HSM.

Idempotent: the keys are made once; trust, certificates, profiles and the signature
requirement are added only when missing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from vanphong.core.models import Organisation, User
from vanphong.files.models import Blob
from vanphong.files.store import FileBatch
from vanphong.signing import trust_services
from vanphong.signing.models import (
    Backend,
    CaCertificate,
    RevocationList,
    SigningProfile,
    UserCertificate,
)
from vanphong.signing.trust import fingerprint, load_certificate

DEMO_KEY_PASSPHRASE = "KyThu@2026"
DEMO_LABEL = "MẪU – KHÔNG DÙNG THẬT"
DEMO_SIGNERS = ("lanhdao", "bithu")
DEMO_ORGANISATION = "vptu"


@dataclass(frozen=True)
class DemoKeys:
    folder: Path
    root_der: bytes
    crl_der: bytes


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "demo-keys"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "DOC-TOI.txt").write_text(
        "Khóa ký số MẪU do `vanphong demo` tạo, chỉ để thử hệ thống. KHÔNG DÙNG THẬT.\n"
        f"Mật khẩu chung của các tệp .p12: {DEMO_KEY_PASSPHRASE}\n",
        encoding="utf-8",
    )
    return folder


def _name(cn: str, org: str) -> object:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_LABEL),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _certificate(cn: str, org: str, *, root: tuple[object, object] | None) -> tuple[object, object]:
    """(certificate, private key): the demo root when `root` is None, else a signer it issues."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    subject = _name(cn, org)
    issuer_cert, issuer_key = root if root else (None, key)
    ca = root is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)  # type: ignore[arg-type]
        .issuer_name(issuer_cert.subject if issuer_cert else subject)  # type: ignore[attr-defined,arg-type]
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=(10 if ca else 3) * 365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if not ca:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),  # type: ignore[attr-defined]
            critical=False,
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256()), key  # type: ignore[arg-type]


def _pkcs12(path: Path, cert: object, key: object, root_cert: object) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            name=b"demo",
            key=key,  # type: ignore[arg-type]
            cert=cert,  # type: ignore[arg-type]
            cas=[root_cert],  # type: ignore[list-item]
            encryption_algorithm=serialization.BestAvailableEncryption(
                DEMO_KEY_PASSPHRASE.encode()
            ),
        )
    )
    path.chmod(0o600)


def _crl(root_cert: object, root_key: object) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    now = dt.datetime.now(dt.UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)  # type: ignore[attr-defined]
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=365))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .sign(root_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return crl.public_bytes(serialization.Encoding.DER)


def _png(kind: str) -> bytes:
    """A blue signature stroke or a red round seal, drawn here (demo images)."""
    from PIL import Image, ImageDraw

    if kind == "signature":
        image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
        ImageDraw.Draw(image).line(
            [(12, 88), (70, 24), (120, 98), (170, 30), (230, 92), (288, 40)],
            fill=(20, 40, 190, 255),
            width=6,
        )
    else:
        image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.ellipse([6, 6, 234, 234], outline=(210, 20, 20, 230), width=10)
        draw.ellipse([30, 30, 210, 210], outline=(210, 20, 20, 230), width=4)
        draw.regular_polygon((120, 120, 40), 5, fill=(210, 20, 20, 230))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _ensure_keys(people: list[User], office: Organisation) -> DemoKeys:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    folder = _folder()
    root_path, key_path = folder / "root-ca.der", folder / "root-ca.key.p12"
    if root_path.exists() and key_path.exists():
        root_cert = x509.load_der_x509_certificate(root_path.read_bytes())
        loaded = pkcs12.load_key_and_certificates(
            key_path.read_bytes(), DEMO_KEY_PASSPHRASE.encode()
        )
        root_key: object = loaded[0]
    else:
        root_cert, root_key = _certificate(  # type: ignore[assignment]
            f"Root CA mẫu vanphong ({DEMO_LABEL})", "Hệ thống vanphong – dữ liệu mẫu", root=None
        )
        root_path.write_bytes(root_cert.public_bytes(serialization.Encoding.DER))
        _pkcs12(key_path, root_cert, root_key, root_cert)
    owners: list[tuple[str, str, str]] = [
        (person.username, person.full_name, office.full_name) for person in people
    ]
    owners.append((f"org-{office.identifier}", office.full_name, office.full_name))
    for file_stem, cn, org in owners:
        path = folder / f"{file_stem}.p12"
        if not path.exists():
            cert, key = _certificate(cn, org, root=(root_cert, root_key))
            _pkcs12(path, cert, key, root_cert)
    return DemoKeys(
        folder=folder,
        root_der=root_cert.public_bytes(serialization.Encoding.DER),
        crl_der=_crl(root_cert, root_key),
    )


def _cert_der(path: Path) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    loaded = pkcs12.load_key_and_certificates(path.read_bytes(), DEMO_KEY_PASSPHRASE.encode())
    assert loaded[1] is not None
    return loaded[1].public_bytes(serialization.Encoding.DER)


def _image(kind: str) -> Blob:
    with FileBatch() as batch:
        return batch.add_bytes(_png(kind), name=f"{kind}.png")


@transaction.atomic
def load_demo_signing(orgs: dict[str, Organisation]) -> list[str]:
    """Demo keys, trust, certificates, signing profiles and "both signatures required" for the
    demo office. Returns what was added (for the command's output)."""
    from vanphong.drafting.models import SignatureRequirement, SigningAuthority

    office = orgs[DEMO_ORGANISATION]
    admin = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.get(
        username="admin"
    )
    # every signer the draft form offers for the demo office gets a key, not only the two above
    authorities = SigningAuthority.objects.filter(organisation=office).values("user_id")
    people = list(
        User.objects.filter(Q(username__in=DEMO_SIGNERS) | Q(pk__in=authorities, is_active=True))
        .distinct()
        .order_by("username")
    )
    keys = _ensure_keys(people, office)
    done: list[str] = []
    root = load_certificate(keys.root_der)
    if not CaCertificate.objects.filter(fingerprint=fingerprint(root.dump())).exists():
        trust_services.ca_certificate_add(actor=admin, data=keys.root_der)
        done.append("chứng thư gốc mẫu")
    issuer_rows = RevocationList.objects.filter(verified_by__fingerprint=fingerprint(root.dump()))
    if not issuer_rows.exists():
        trust_services.crl_import(actor=admin, data=keys.crl_der, name="root-ca-mau.crl")
        done.append("CRL mẫu")
    for person in people:
        path = keys.folder / f"{person.username}.p12"
        der = _cert_der(path)
        if not UserCertificate.objects.filter(user=person, fingerprint=fingerprint(der)).exists():
            trust_services.certificate_register(actor=person, data=der)
        if not SigningProfile.objects.filter(user=person).exists():
            SigningProfile.objects.create(
                user=person,
                backend=Backend.PKCS12,
                pkcs12_path=str(path),
                secret_name="",  # the signer types the passphrase when signing
                image=_image("signature"),
            )
            done.append(f"khóa ký mẫu của {person.full_name}")
    if not SigningProfile.objects.filter(organisation=office).exists():
        org_key = keys.folder / f"org-{office.identifier}.p12"
        profile = SigningProfile.objects.create(
            organisation=office,
            backend=Backend.PKCS12,
            pkcs12_path=str(org_key),
            secret_name="",  # the văn thư types it when adding the organisation signature
            image=_image("seal"),
        )
        # the daily job cannot open a key whose passphrase is typed: record its certificate now
        # so the trust page shows its expiry from the start
        trust_services.organisation_certificate_record(
            profile=profile, cert=load_certificate(_cert_der(org_key))
        )
        done.append(f"khóa ký mẫu của {office.full_name}")
    if not SignatureRequirement.objects.filter(organisation=office).exists():
        SignatureRequirement.objects.create(
            organisation=office, doc_type=None, signer_signature=True, organisation_signature=True
        )
        done.append("yêu cầu ký số người ký và cơ quan cho mọi loại văn bản")
    return done
