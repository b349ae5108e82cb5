"""A test PKI generated with `cryptography`: a root and an intermediate CA standing in for Ban Cơ
yếu Chính phủ, personal signers (good, revoked, expired), an organisation certificate, an
untrusted root with its own signer, a signer whose CA nobody knows, and the CAs' CRLs.

Built once per test session (RSA key generation is the slow part)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = b"MatKhau@2026"
UTC = dt.UTC


def _name(cn: str, org: str = "Ban Cơ yếu Chính phủ (thử nghiệm)") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass
class Identity:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)  # issuer first, without root

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def pkcs12(self, passphrase: bytes = PASSPHRASE) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            name=b"signer",
            key=self.key,
            cert=self.cert,
            cas=self.chain or None,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
        )

    def key_der(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass
class Pki:
    root: Identity
    intermediate: Identity
    signer: Identity
    signer2: Identity
    organisation: Identity
    revoked: Identity
    expired: Identity
    untrusted_root: Identity
    untrusted: Identity
    unknown_ca_signer: Identity
    tsa: Identity
    revoked_at: dt.datetime
    root_crl: bytes
    intermediate_crl: bytes
    untrusted_crl: bytes

    @property
    def revoked_day(self) -> str:
        """The revocation date as people read it: in the server's time zone (Asia/Ho_Chi_Minh),
        which is a day later than UTC between 00:00 and 07:00 there."""
        from django.utils import timezone

        return f"{timezone.localtime(self.revoked_at):%d/%m/%Y}"

    def der(self, cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.DER)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cert(
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Identity | None,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
    serial: int | None = None,
    time_stamping: bool = False,
) -> x509.Certificate:
    issuer_name = issuer.cert.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if ca:
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
    else:
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=True,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        purpose = (
            ExtendedKeyUsageOID.TIME_STAMPING
            if time_stamping
            else ExtendedKeyUsageOID.EMAIL_PROTECTION
        )
        builder = builder.add_extension(x509.ExtendedKeyUsage([purpose]), critical=time_stamping)
    builder = builder.add_extension(usage, critical=True)
    return builder.sign(signing_key, hashes.SHA256())


def _crl(
    issuer: Identity, revoked: list[tuple[int, dt.datetime]], now: dt.datetime, number: int = 1
) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    crl = builder.sign(issuer.key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)


def make_crl(issuer: Identity, revoked: list[tuple[int, dt.datetime]], number: int) -> bytes:
    return _crl(issuer, revoked, dt.datetime.now(UTC), number)


@cache
def build_pki() -> Pki:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    long_ago = now - dt.timedelta(days=400)
    later = now + dt.timedelta(days=3 * 365)

    def identity(
        cn: str,
        issuer: Identity | None,
        *,
        ca: bool = False,
        org: str = "Ban Cơ yếu Chính phủ (thử nghiệm)",
        not_before: dt.datetime = long_ago,
        not_after: dt.datetime = later,
        time_stamping: bool = False,
    ) -> Identity:
        key = _key()
        cert = _cert(
            subject=_name(cn, org),
            key=key,
            issuer=issuer,
            ca=ca,
            not_before=not_before,
            not_after=not_after,
            time_stamping=time_stamping,
        )
        chain = ([issuer.cert] + issuer.chain) if issuer else []
        return Identity(cert=cert, key=key, chain=chain)

    root = identity("Root CA thử nghiệm", None, ca=True, not_after=now + dt.timedelta(days=3650))
    inter = identity("CA chuyên dùng Chính phủ thử nghiệm", root, ca=True)
    # the chain embedded with a leaf holds only the intermediate, never the root
    org_vp = "Văn phòng Tỉnh ủy Quảng Nam"
    signer = identity("Nguyễn Văn Ánh", inter, org=org_vp)
    signer2 = identity("Trần Thị Bích Hường", inter, org=org_vp)
    organisation = identity(org_vp, inter, org=org_vp)
    revoked = identity("Lê Quốc Đạt", inter, org=org_vp)
    expired = identity(
        "Phạm Thị Hạnh",
        inter,
        org=org_vp,
        not_before=now - dt.timedelta(days=800),
        not_after=now - dt.timedelta(days=2),
    )
    for ident in (signer, signer2, organisation, revoked, expired):
        ident.chain = [inter.cert]
    tsa = identity("Máy chủ cấp dấu thời gian thử nghiệm", inter, time_stamping=True)
    tsa.chain = [inter.cert]
    untrusted_root = identity("Root CA tự phát hành", None, ca=True, org="Không rõ")
    untrusted = identity("Hoàng Văn Giả", untrusted_root, org="Không rõ")
    untrusted.chain = [untrusted_root.cert]
    stray_ca = identity("CA không ai biết", root, ca=True)
    unknown = identity("Vũ Minh Khang", stray_ca, org=org_vp)
    unknown.chain = []  # the issuing CA is neither configured nor embedded
    revoked_at = now - dt.timedelta(days=10)
    return Pki(
        root=root,
        intermediate=inter,
        signer=signer,
        signer2=signer2,
        organisation=organisation,
        revoked=revoked,
        expired=expired,
        untrusted_root=untrusted_root,
        untrusted=untrusted,
        unknown_ca_signer=unknown,
        tsa=tsa,
        revoked_at=revoked_at,
        root_crl=_crl(root, [], now),
        intermediate_crl=_crl(inter, [(revoked.cert.serial_number, revoked_at)], now),
        untrusted_crl=_crl(untrusted_root, [], now),
    )


def reissued(identity: Identity, issuer: Identity, *, not_after: dt.datetime) -> Identity:
    """The same key with a new certificate valid until `not_after` (a renewed or a soon-expiring
    certificate without generating another RSA key)."""
    subject = identity.cert.subject
    cert = _cert(
        subject=subject,
        key=identity.key,
        issuer=issuer,
        ca=False,
        not_before=min(identity.cert.not_valid_before_utc, not_after - dt.timedelta(days=1)),
        not_after=not_after,
    )
    return Identity(cert=cert, key=identity.key, chain=[issuer.cert])
