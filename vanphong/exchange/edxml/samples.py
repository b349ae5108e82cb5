"""Our own edXML fixture packages, node identities and PDFs, for tests, benchmarks and demos.

Nothing here is shown to users as data: it builds packages the way a sending node would (real
structure, real signatures, real PDFs), so the tests and `bench/exchange.py` exercise the codec on
packages we are free to keep in the repository, unlike the field samples in ../shared/testdata.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from vanphong.exchange.edxml.certs import self_signed_certificate
from vanphong.exchange.edxml.model import (
    VN_TZ,
    Attachment,
    Business,
    BusinessType,
    Code,
    DocType,
    DocumentPackage,
    Organ,
    OtherInfo,
    Promulgation,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    make_document_id,
)


@dataclass(frozen=True)
class NodeIdentity:
    """A node's signing key and certificate, both PEM."""

    key_pem: bytes
    cert_pem: bytes


def node_identity(
    organ_id: str, name: str, *, curve: bool = False, valid_days: int = 3650
) -> NodeIdentity:
    """A self-issued key and certificate for a node (RSA 2048, or ECDSA P-256 with `curve`)."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    key = (
        ec.generate_private_key(ec.SECP256R1()) if curve else rsa.generate_private_key(65537, 2048)
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Liên thông {organ_id}"),
        ]
    )
    cert = self_signed_certificate(
        key, subject, valid_days=valid_days, backdate=dt.timedelta(days=1)
    )
    return NodeIdentity(
        key_pem=key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
        cert_pem=cert.public_bytes(Encoding.PEM),
    )


def organ(organ_id: str, name: str) -> Organ:
    return Organ(
        organ_id=organ_id,
        organization_in_charge=name,
        organ_name=name,
        organ_add="Số 1, đường Trần Phú, thành phố Hà Tĩnh",
        email="vanthu@example.vn",
        telephone="0239 3855 000",
    )


def pdf_bytes(*, title: str, size: int = 0, seed: int = 0) -> bytes:
    """A valid one-page PDF (text in Helvetica, ASCII title), padded to about `size` bytes.

    The padding is an incompressible stream object, so packages reach realistic sizes (a 100 KB
    scan) without shipping files; `seed` makes different documents differ byte for byte.
    """
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    content = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    if size > 1024:
        padding = random.Random(seed).randbytes(size - 1024)
        objects.append(b"<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def document_package(
    *,
    sender: Organ,
    recipients: Sequence[Organ],
    number: int,
    notation: str = "VP",
    subject: str = "V/v triển khai liên thông văn bản điện tử",
    issued: dt.date | None = None,
    files: Sequence[tuple[str, bytes]] = (),
    business: Business | None = None,
    document_id: str | None = None,
) -> DocumentPackage:
    """A complete document package as our node writes it (every header field filled)."""
    issued = issued or dt.date(2026, 11, 20)
    code = Code(number=str(number), notation=notation)
    now = dt.datetime(2026, 11, 20, 8, 30, tzinfo=VN_TZ)
    return DocumentPackage(
        from_organ=sender,
        to=tuple(recipients),
        document_id=document_id or make_document_id(sender.organ_id, issued, code),
        code=code,
        promulgation=Promulgation(place="Hà Tĩnh", date=issued),
        document_type=DocType(type=1, detail=0, name="Công văn"),
        subject=subject,
        content=f"{subject}.",
        signer=SignerInfo(
            competence="TL. BAN THƯỜNG VỤ", position="Chánh Văn phòng", full_name="Nguyễn Văn Ánh"
        ),
        due_date=issued + dt.timedelta(days=10),
        to_places=tuple(r.organ_name for r in recipients),
        other_info=OtherInfo(
            priority=0,
            sphere_of_promulgation="Liên thông văn bản",
            typer_notation="NVA",
            promulgation_amount=len(recipients) + 1,
            page_amount=1,
            direction=False,
        ),
        steering_type=0,
        trace_headers=(TraceHeader(organ_id=sender.organ_id, timestamp=now),),
        business=business or Business(business_type=BusinessType.NEW, reason="Văn bản mới"),
        attachments=tuple(
            Attachment(
                content_id=f"cid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{number}/{index}/{name}')}",
                name=name,
                data=data,
                content_type="application/pdf"
                if name.lower().endswith(".pdf")
                else "application/octet-stream",
                description=name,
            )
            for index, (name, data) in enumerate(files)
        ),
    )


def status_package(
    *,
    sender: Organ,
    document: DocumentPackage,
    status_code: StatusCode,
    at: dt.datetime | None = None,
    description: str = "",
) -> StatusPackage:
    """The status package a receiving node sends back about `document`."""
    return StatusPackage(
        from_organ=sender,
        response_for=ResponseFor(
            organ_id=document.from_organ.organ_id,
            code=str(document.code),
            promulgation_date=document.promulgation.date,
            document_id=document.document_id,
        ),
        status_code=status_code,
        staff_info=StaffInfo(
            department="Văn thư", staff="Trần Thị Bình", email="vanthu@example.vn"
        ),
        description=description or status_code.label,
        timestamp=at or dt.datetime(2026, 11, 20, 9, 0, tzinfo=VN_TZ),
    )
