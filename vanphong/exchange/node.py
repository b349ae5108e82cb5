"""This node's identity: the organisations it serves, its signing key and certificate, its inbox.

The key and certificate are PEM files (`EXCHANGE_KEY_FILE`, `EXCHANGE_CERT_FILE`; by default
`var/exchange/node.key` and `var/exchange/node.crt`). `vanphong exchange init` creates them: an
RSA key and a self-signed certificate, or a certificate request (CSR) for the province's CA, whose
answer is then installed with `vanphong exchange init --install-cert FILE`. If a node sends
before anyone ran `init`, the key and a self-signed certificate are created on first use, as the
secret key is; the administrator then distributes the certificate through the directory.

Receipts (biên nhận) are small JSON documents signed with the node key (RSA PKCS#1 v1.5 with
SHA-256, or ECDSA with SHA-256 for EC keys), carrying the node certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings

from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation
from vanphong.exchange.edxml.certs import self_signed_certificate

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[tuple[str, str, float, float], NodeIdentity] = {}

INBOX_PATH = "/lien-thong/inbox/"


@dataclass(frozen=True)
class NodeIdentity:
    key_pem: bytes
    cert_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    @property
    def fingerprint(self) -> str:
        return cert_fingerprint(self.cert_pem)


def key_path() -> Path:
    return Path(settings.EXCHANGE_KEY_FILE)


def cert_path() -> Path:
    return Path(settings.EXCHANGE_CERT_FILE)


def cert_fingerprint(cert_pem: bytes | str) -> str:
    """SHA-256 of the certificate's DER (what the directory pages show and compare)."""
    data = cert_pem.encode() if isinstance(cert_pem, str) else cert_pem
    try:
        cert = _certificate(data)
    except ValueError:
        raise DomainError("Chứng thư số không đúng định dạng PEM.") from None
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _subject(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def default_common_name() -> str:
    first = served_organisations().first()
    return f"vanphong – {first.full_name}" if first is not None else "vanphong"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def init_node(
    *, common_name: str = "", force: bool = False, days: int = 3650, csr_path: Path | None = None
) -> NodeIdentity:
    """Create the node key and a self-signed certificate (and a CSR when `csr_path` is given).

    An existing key is kept unless `force`: replacing it means every peer must get the new
    certificate through the directory.
    """
    kpath, cpath = key_path(), cert_path()
    common_name = common_name or default_common_name()
    with _lock:
        if kpath.exists() and not force:
            key = serialization.load_pem_private_key(kpath.read_bytes(), password=None)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _write_private(
                kpath,
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            )
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise DomainError("Khóa của máy chủ phải là khóa RSA hoặc EC.")
        if force or not cpath.exists():
            cert = self_signed_certificate(
                key,
                _subject(common_name),
                valid_days=days,
                backdate=dt.timedelta(minutes=5),
            )
            cpath.parent.mkdir(parents=True, exist_ok=True)
            cpath.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        if csr_path is not None:
            csr = (
                x509.CertificateSigningRequestBuilder()
                .subject_name(_subject(common_name))
                .sign(key, hashes.SHA256())
            )
            csr_path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
        _cache.clear()
    return identity()


def install_certificate(cert_pem: bytes) -> NodeIdentity:
    """Install the certificate the CA issued for this node's key (answer to the CSR)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise DomainError("Tệp chứng thư không đúng định dạng PEM.") from None
    current = identity()
    key = serialization.load_pem_private_key(current.key_pem, password=None)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(
        serialization.Encoding.PEM, public
    ) != key.public_key().public_bytes(serialization.Encoding.PEM, public):
        raise DomainError("Chứng thư không khớp với khóa của máy chủ này.")
    cert_path().write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _cache.clear()
    return identity()


def identity() -> NodeIdentity:
    """The node key and certificate (created on first use if nobody ran `exchange init`)."""
    kpath, cpath = key_path(), cert_path()
    if not kpath.exists() or not cpath.exists():
        logger.warning("exchange: no node key at %s; creating a key and self-signed cert", kpath)
        return init_node()
    stamp = (str(kpath), str(cpath), kpath.stat().st_mtime, cpath.stat().st_mtime)
    found = _cache.get(stamp)
    if found is None:
        found = NodeIdentity(kpath.read_bytes(), cpath.read_bytes())
        _cache.clear()
        _cache[stamp] = found
    return found


def served_organisations() -> Any:
    return Organisation.objects.filter(served_here=True, is_active=True).exclude(identifier="")


def served_identifiers() -> set[str]:
    return set(served_organisations().order_by().values_list("identifier", flat=True))


def inbox_url() -> str:
    base = settings.EXCHANGE_BASE_URL or settings.SITE_URL or "http://127.0.0.1:8000"
    return base.rstrip("/") + INBOX_PATH


# --- receipts ------------------------------------------------------------------------------


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@functools.lru_cache(maxsize=4)
def private_key(key_pem: bytes) -> Any:
    """Loading checks the RSA key (tens of ms): once per key per process."""
    return serialization.load_pem_private_key(key_pem, password=None)


@functools.lru_cache(maxsize=64)
def _certificate(cert_pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cert_pem)


def _sign_bytes(key_pem: bytes, data: bytes) -> bytes:
    key = private_key(key_pem)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    raise DomainError("Khóa của máy chủ phải là khóa RSA hoặc EC.")


def _verify_bytes(cert: x509.Certificate, data: bytes, signature: bytes) -> bool:
    public = cert.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def make_receipt(*, package_sha256: str, document_id: str, sender: str, receiver: str) -> str:
    """A signed receipt for a package accepted here (JSON text, stored and sent back as-is)."""
    node = identity()
    fields = {
        "package_sha256": package_sha256,
        "document_id": document_id,
        "from": sender,
        "to": receiver,
        "received_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "node": inbox_url(),
    }
    signature = _sign_bytes(node.key_pem, _canonical(fields))
    return json.dumps(
        {
            "receipt": fields,
            "signature": base64.b64encode(signature).decode(),
            "certificate": node.cert_pem.decode(),
        },
        ensure_ascii=False,
    )


def verify_receipt(text: str, *, package_sha256: str, cert_pem: str) -> dict[str, Any]:
    """Check a receipt: the expected peer's certificate, a valid signature, our package's hash.

    Returns the receipt's fields; raises DomainError with the reason otherwise."""
    try:
        doc = json.loads(text)
        fields = doc["receipt"]
        signature = base64.b64decode(doc["signature"], validate=True)
        carried = doc["certificate"].encode()
    except (ValueError, KeyError, TypeError, AttributeError):
        raise DomainError("Biên nhận không đúng định dạng.") from None
    if not cert_pem:
        raise DomainError("Danh bạ chưa có chứng thư của nơi nhận để kiểm tra biên nhận.")
    if cert_fingerprint(carried) != cert_fingerprint(cert_pem):
        raise DomainError("Biên nhận được ký bằng chứng thư khác với chứng thư trong danh bạ.")
    cert = _certificate(cert_pem.encode())
    if not _verify_bytes(cert, _canonical(fields), signature):
        raise DomainError("Chữ ký của biên nhận không hợp lệ.")
    if fields.get("package_sha256") != package_sha256:
        raise DomainError("Biên nhận không khớp mã băm của gói tin đã gửi.")
    return dict(fields)
