"""Reading certificates and CRLs, and the validation context built only from what the
administrator configured (no operating-system trust store, never any network fetching)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import ValidationContext

from vanphong.core.errors import DomainError
from vanphong.signing.models import CaCertificate, CaKind, RevocationList


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def _der(data: bytes, what: str) -> bytes:
    data = data.strip() if data.lstrip().startswith(b"-----") else data
    if pem.detect(data):
        try:
            _type, _headers, der = pem.unarmor(data)
        except ValueError as exc:
            raise DomainError(f"Tệp {what} dạng PEM bị hỏng ({exc}).") from None
        return bytes(der)
    return data


def load_certificate(data: bytes) -> asn1_x509.Certificate:
    """A certificate from DER or PEM bytes; a Vietnamese error when it is not one."""
    try:
        cert = asn1_x509.Certificate.load(_der(data, "chứng thư"))
        cert.native  # noqa: B018 - parse everything now, not later
    except (ValueError, TypeError, KeyError) as exc:
        raise DomainError(
            f"Tệp không phải là chứng thư số X.509 (DER hoặc PEM) hợp lệ ({exc})."
        ) from None
    return cert


def load_crl(data: bytes) -> asn1_crl.CertificateList:
    try:
        crl = asn1_crl.CertificateList.load(_der(data, "CRL"))
        crl.native  # noqa: B018
    except (ValueError, TypeError, KeyError) as exc:
        raise DomainError(
            f"Tệp không phải là danh sách chứng thư bị thu hồi (CRL) hợp lệ ({exc})."
        ) from None
    return crl


def name_text(name: asn1_x509.Name) -> str:
    """The stored form of a name (asn1crypto's English "Common Name: …, Country: VN"); CRLs
    are matched to certificates by it, so it must not change. Show it with `name_display`."""
    return str(name.human_friendly)


# asn1crypto's English attribute labels -> the labels shown to Vietnamese users
NAME_LABELS = {
    "Common Name": "Tên",
    "Organization": "Tổ chức",
    "Organizational Unit": "Đơn vị",
    "Country": "Quốc gia",
    "State/Province": "Tỉnh/Thành phố",
    "Locality": "Địa phương",
    "Street Address": "Địa chỉ",
    "Title": "Chức danh",
    "Surname": "Họ",
    "Given Name": "Tên riêng",
    "Name": "Họ tên",
    "Serial Number": "Số định danh",
    "User ID": "Mã định danh",
    "Email Address": "Thư điện tử",
    "Organization Identifier": "Mã số tổ chức",
    "Postal Code": "Mã bưu chính",
    "Telephone Number": "Số điện thoại",
    "Domain Component": "Thành phần miền",
    "Pseudonym": "Bí danh",
}
_LABEL = "|".join(re.escape(k) for k in sorted(NAME_LABELS, key=len, reverse=True))
_FIELD = rf"(?:{_LABEL}|\d+(?:\.\d+)+)"  # known labels, or a dotted OID asn1crypto leaves
_PART = re.compile(rf"^({_FIELD}): (.*)$", re.DOTALL)


def name_display(text: str) -> str:
    """A stored name with Vietnamese labels: "Tên: …, Tổ chức: …, Quốc gia: VN". Text in
    another form (already Vietnamese, RFC 4514, free text) is returned unchanged."""
    if not text:
        return text
    # asn1crypto joins with "; " when a value holds a comma, else with ", "
    separator = "; " if re.search(rf"; {_FIELD}: ", text) else ", "
    parts = re.split(rf"{re.escape(separator)}(?={_FIELD}: )", text)
    shown = []
    for part in parts:
        match = _PART.match(part)
        if match is None:
            return text
        label, value = match.groups()
        shown.append(f"{NAME_LABELS.get(label, label)}: {value}")
    return separator.join(shown)


def name_label(name: asn1_x509.Name) -> str:
    """A certificate name as shown to users (in messages)."""
    return name_display(name_text(name))


def common_name(cert: asn1_x509.Certificate) -> str:
    native = cert.subject.native
    return str(native.get("common_name") or name_text(cert.subject))


def is_self_signed(cert: asn1_x509.Certificate) -> bool:
    return cert.self_signed in ("maybe", "yes")


@dataclass(frozen=True)
class CertInfo:
    der: bytes
    fingerprint: str
    subject: str
    common_name: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    is_ca: bool


def cert_info(cert: asn1_x509.Certificate) -> CertInfo:
    der = cert.dump()
    validity = cert["tbs_certificate"]["validity"]
    return CertInfo(
        der=der,
        fingerprint=fingerprint(der),
        subject=name_text(cert.subject)[:500],
        common_name=common_name(cert)[:200],
        issuer=name_text(cert.issuer)[:500],
        serial=format(cert.serial_number, "X"),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        is_ca=bool(cert.ca),
    )


def crl_next_update(crl: asn1_crl.CertificateList) -> dt.datetime | None:
    value = crl["tbs_cert_list"]["next_update"]
    return value.native if value.native is not None else None


def crl_signed_by(crl: asn1_crl.CertificateList, cert: asn1_x509.Certificate) -> bool:
    """True when `cert` issued this CRL (names match and the signature verifies)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    if crl.issuer != cert.subject:
        return False
    try:
        parsed = x509.load_der_x509_crl(crl.dump())
        return parsed.is_signature_valid(
            x509.load_der_x509_certificate(cert.dump()).public_key()  # type: ignore[arg-type]
        )
    except (ValueError, TypeError, InvalidSignature):
        return False


@dataclass
class TrustMaterial:
    roots: list[asn1_x509.Certificate]
    intermediates: list[asn1_x509.Certificate]
    crls: list[asn1_crl.CertificateList]

    def context(self, moment: dt.datetime | None = None) -> ValidationContext:
        return ValidationContext(
            trust_roots=self.roots,
            other_certs=self.intermediates,
            crls=self.crls,
            allow_fetching=False,
            # every certificate below a root must have revocation information (imported CRLs)
            revocation_mode="require",
            moment=moment,
            # a CRL published after the signing time still tells whether the certificate
            # was revoked before it
            retroactive_revinfo=True,
        )


def load_trust() -> TrustMaterial:
    """The configured roots, intermediates and the newest CRL of each issuer."""
    roots: list[asn1_x509.Certificate] = []
    intermediates: list[asn1_x509.Certificate] = []
    for ca in CaCertificate.objects.filter(is_active=True):
        cert = asn1_x509.Certificate.load(bytes(ca.der))
        (roots if ca.kind == CaKind.ROOT else intermediates).append(cert)
    crls: list[asn1_crl.CertificateList] = []
    seen: set[str] = set()
    for row in RevocationList.objects.order_by("issuer", "-this_update", "-pk"):
        if row.issuer in seen:
            continue
        seen.add(row.issuer)
        crls.append(asn1_crl.CertificateList.load(bytes(row.der)))
    return TrustMaterial(roots=roots, intermediates=intermediates, crls=crls)
