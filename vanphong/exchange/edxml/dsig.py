"""XML-DSig of edXML packages: the sending node signs, the receiving node verifies.

The signature is enveloped, as QCVN 102:2016 places it: a ds:Signature inside edXML:edXMLHeader
with one Reference URI="" (the whole package, the signature itself removed by the enveloped
transform), canonical XML 1.0, SHA-256, RSA or ECDSA, and the sender's certificate in
KeyInfo/X509Data. Because the reference covers the whole document, the attachments in
AttachmentEncoded are covered too: a changed byte in a file breaks the digest.

Trust is not decided here: the caller passes the certificate the directory holds for the sender,
and `verify` checks the package against that certificate only.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature as InvalidKeySignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
)
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLVerifier,
)
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature

from vanphong.exchange.edxml.errors import EdxmlError, EdxmlSignatureError, EdxmlTamperedError
from vanphong.exchange.edxml.model import DSIG_NS, NS
from vanphong.exchange.edxml.reader import load_xml, q

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
# The algorithms accepted, with their hashes (both checks of `verify_tree` use these).
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SignatureMethod.RSA_SHA256.value: hashes.SHA256,
    SignatureMethod.RSA_SHA384.value: hashes.SHA384,
    SignatureMethod.RSA_SHA512.value: hashes.SHA512,
    SignatureMethod.ECDSA_SHA256.value: hashes.SHA256,
    SignatureMethod.ECDSA_SHA384.value: hashes.SHA384,
    SignatureMethod.ECDSA_SHA512.value: hashes.SHA512,
}
_DIGESTS = {
    DigestAlgorithm.SHA256.value: hashlib.sha256,
    DigestAlgorithm.SHA384.value: hashlib.sha384,
    DigestAlgorithm.SHA512.value: hashlib.sha512,
}
_ACCEPTED_METHODS = frozenset(SignatureMethod(m) for m in _HASHES)
_ACCEPTED_DIGESTS = frozenset(DigestAlgorithm(d) for d in _DIGESTS)
_TAMPERED = (
    "Nội dung gói tin (thông tin văn bản hoặc tệp đính kèm) đã bị thay đổi sau khi ký: "
    "giá trị băm không khớp."
)
_MISMATCH = (
    "Giá trị chữ ký không khớp với chứng thư số của đơn vị gửi: gói tin không do đơn vị này ký "
    "hoặc chữ ký đã bị sửa."
)
_EXPIRED = "Chứng thư số của đơn vị gửi không còn hiệu lực hoặc chưa có hiệu lực"
_MALFORMED = "Cấu trúc chữ ký số không hợp lệ"


def _ds(name: str) -> str:
    return f"{{{DSIG_NS}}}{name}"


@dataclass(frozen=True)
class SignatureSummary:
    """What a package's signature says about itself (structure only, no trust)."""

    namespace_ok: bool  # the Signature is in the XML-DSig namespace (some senders get this wrong)
    signature_method: str
    digest_method: str
    reference_uris: tuple[str, ...]
    enveloped: bool
    certificate_b64: str  # KeyInfo/X509Data/X509Certificate as found ("" when absent)

    @property
    def certificate_der(self) -> bytes | None:
        """The carried certificate (DER); EdxmlSignatureError when it is there but unreadable."""
        if not self.certificate_b64:
            return None
        try:
            der = base64.b64decode(self.certificate_b64, validate=True)
            x509.load_der_x509_certificate(der)
        except (binascii.Error, ValueError):
            raise EdxmlSignatureError(
                "Chứng thư số kèm theo chữ ký của gói tin bị hỏng (không đọc được X509Certificate)."
            ) from None
        return der


def _signatures(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(_ds("Signature"))) or list(root.iter(q("Signature")))


def _find(element: etree._Element, path: str, ns: str) -> etree._Element | None:
    return element.find("/".join(f"{{{ns}}}{p}" for p in path.split("/")))


def inspect_signature(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> SignatureSummary | None:
    """Describe the package's signature, or None when it carries none."""
    return _summary(load_xml(data, max_bytes=max_bytes))


def _summary(root: etree._Element) -> SignatureSummary | None:
    signatures = _signatures(root)
    if not signatures:
        return None
    signature = signatures[0]
    ns = etree.QName(signature).namespace or ""

    def algorithm(path: str) -> str:
        element = _find(signature, path, ns)
        return (element.get("Algorithm") or "") if element is not None else ""

    references = signature.findall(f"{{{ns}}}SignedInfo/{{{ns}}}Reference")
    transforms = [t.get("Algorithm") for r in references for t in r.iter(f"{{{ns}}}Transform")]
    return SignatureSummary(
        namespace_ok=ns == DSIG_NS,
        signature_method=algorithm("SignedInfo/SignatureMethod"),
        digest_method=algorithm("SignedInfo/Reference/DigestMethod"),
        reference_uris=tuple(r.get("URI", "") for r in references),
        enveloped=_ENVELOPED in transforms,
        certificate_b64=_certificate_b64(signature, ns),
    )


def _certificate_b64(signature: etree._Element, ns: str) -> str:
    element = _find(signature, "KeyInfo/X509Data/X509Certificate", ns)
    return "".join((element.text or "").split()) if element is not None else ""


def signing_certificate(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | None:
    """The PEM certificate carried in the signature's KeyInfo, or None when there is none."""
    summary = inspect_signature(data, max_bytes=max_bytes)
    der = summary.certificate_der if summary is not None else None
    if der is None:
        return None
    return x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)


@functools.lru_cache(maxsize=64)
def _load_certificate(cert_pem: bytes) -> x509.Certificate:
    """Parsed once per certificate and process (0.3 ms each time, on every package checked)."""
    try:
        return x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise EdxmlSignatureError(
            "Chứng thư số của đơn vị không đọc được (không phải PEM)."
        ) from None


def _spki(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


@functools.lru_cache(maxsize=8)
def load_key(key_pem: bytes) -> PrivateKeyTypes:
    """Load (and check, about 0.1 s for RSA) the node's key once, not once per package."""
    try:
        return load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise EdxmlSignatureError(
            "Khóa bí mật của nút không đọc được (PEM, không mật khẩu)."
        ) from None


def sign(data: bytes, *, key_pem: bytes, cert_pem: bytes) -> bytes:
    """Sign a package as the sending node: enveloped XML-DSig placed in edXMLHeader."""
    root = load_xml(data, max_bytes=DEFAULT_MAX_BYTES)
    return sign_tree(root, key_pem=key_pem, cert_pem=cert_pem)


_C14N = CanonicalizationMethod.CANONICAL_XML_1_0.value
_SHA256 = DigestAlgorithm.SHA256.value


def sign_tree(root: etree._Element, *, key_pem: bytes, cert_pem: bytes) -> bytes:
    """Sign a package's tree in place and return its bytes (`sign` of its serialisation gives
    the same signature).

    The signature is built here rather than by signxml's signer, which serialised and parsed
    the 140 KB package again three times (2 of a dispatch's 3 ms of XML-DSig): one
    canonicalisation of the package for the digest, one of SignedInfo where it stands in the
    document (inclusive canonical XML takes the namespaces in scope there, as a verifier
    does), the key's signature. The structure is signxml's, and its verifier checks every
    package (`verify`)."""
    if _signatures(root):
        raise EdxmlSignatureError("Gói tin đã có chữ ký số; không ký lần thứ hai.")
    header = root.find(f"{q('edXMLEnvelope')}/{q('edXMLHeader')}")
    if header is None:
        raise EdxmlError("Không thể ký: gói tin thiếu edXMLEnvelope/edXMLHeader.")
    key = load_key(key_pem)
    if isinstance(key, rsa.RSAPrivateKey):
        method = SignatureMethod.RSA_SHA256
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        method = SignatureMethod.ECDSA_SHA256
    else:
        raise EdxmlSignatureError("Khóa của nút phải là RSA hoặc EC (ECDSA).")
    certificate = _load_certificate(cert_pem)
    if _spki(certificate.public_key()) != _spki(key.public_key()):
        raise EdxmlSignatureError("Khóa bí mật không khớp với chứng thư số của nút.")
    # the digest of the whole package before the signature is added: what the enveloped
    # transform gives back once it removes the signature
    digest = hashlib.sha256(etree.tostring(root, method="c14n")).digest()
    signature = etree.SubElement(header, _ds("Signature"), nsmap={"ds": DSIG_NS})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=_C14N)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=method.value)
    reference = etree.SubElement(signed_info, _ds("Reference"), URI="")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    etree.SubElement(transforms, _ds("Transform"), Algorithm=_ENVELOPED)
    etree.SubElement(transforms, _ds("Transform"), Algorithm=_C14N)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=_SHA256)
    etree.SubElement(reference, _ds("DigestValue")).text = base64.b64encode(digest).decode()
    value = _signature_value(key, etree.tostring(signed_info, method="c14n"))
    etree.SubElement(signature, _ds("SignatureValue")).text = base64.b64encode(value).decode()
    x509_data = etree.SubElement(etree.SubElement(signature, _ds("KeyInfo")), _ds("X509Data"))
    der = base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()
    etree.SubElement(x509_data, _ds("X509Certificate")).text = der
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _signature_value(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """RSA PKCS#1 v1.5 with SHA-256, or ECDSA with SHA-256 as XML-DSig writes it: r and s
    side by side, each as long as the curve's order (RFC 4050), not DER."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def verify(data: bytes, *, cert_pem: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Check the package's signature against the sender's certificate (from the directory).

    Raises EdxmlSignatureError with the reason: no signature, signature in the wrong place or not
    covering the whole package, weak algorithm, another signer, content or attachment changed
    after signing, certificate expired.
    """
    verify_tree(load_xml(data, max_bytes=max_bytes), cert_pem=cert_pem)


def verify_tree(root: etree._Element, *, cert_pem: bytes) -> None:
    """`verify` of a package already parsed (with `load_xml`, which the reader uses too: the
    inbox reads a package once for its fields and its signature)."""
    certificate = _load_certificate(cert_pem)
    signatures = list(root.iter(_ds("Signature")))
    if not signatures:
        if list(root.iter(q("Signature"))):
            raise EdxmlSignatureError(
                "Chữ ký của gói tin không thuộc không gian tên XML-DSig "
                f"({DSIG_NS}): không kiểm tra được."
            )
        raise EdxmlSignatureError("Gói tin không có chữ ký số (XML-DSig) của đơn vị gửi.")
    if len(signatures) > 1:
        raise EdxmlSignatureError("Gói tin có nhiều hơn một chữ ký số; chỉ chấp nhận một chữ ký.")
    signature = signatures[0]
    parent = signature.getparent()
    if parent is None or parent.tag != q("edXMLHeader") or parent.getparent() is None:
        raise EdxmlSignatureError(
            "Chữ ký số không nằm trong edXMLHeader như QCVN 102:2016 quy định."
        )
    summary = _summary(root)
    assert summary is not None
    if summary.reference_uris != ("",) or not summary.enveloped:
        raise EdxmlSignatureError(
            'Chữ ký số không bao trùm toàn bộ gói tin (cần đúng một Reference URI="" với phép '
            "biến đổi enveloped-signature)."
        )
    if "sha1" in summary.signature_method.lower() or "sha1" in summary.digest_method.lower():
        raise EdxmlSignatureError(
            "Chữ ký số dùng thuật toán SHA-1, không còn được chấp nhận; đơn vị gửi cần ký bằng "
            "SHA-256."
        )
    carried = summary.certificate_der
    if carried is not None and carried != certificate.public_bytes(Encoding.DER):
        raise EdxmlSignatureError(
            "Chứng thư số trong chữ ký không phải chứng thư của đơn vị gửi trong danh bạ "
            "liên thông."
        )
    if _verify_own_shape(root, signature, certificate):
        return
    config = SignatureConfiguration(
        location=f"./{q('edXMLEnvelope')}/{q('edXMLHeader')}/",
        expect_references=1,
        signature_methods=_ACCEPTED_METHODS,
        digest_algorithms=_ACCEPTED_DIGESTS,
    )
    try:
        XMLVerifier().verify(root, x509_cert=certificate, expect_config=config)
    except InvalidDigest:
        raise EdxmlTamperedError(_TAMPERED) from None
    except InvalidCertificate as exc:
        raise EdxmlSignatureError(f"{_EXPIRED} ({exc}).") from None
    except InvalidSignature:
        raise EdxmlSignatureError(_MISMATCH) from None
    except (InvalidInput, ValueError, binascii.Error, etree.DocumentInvalid) as exc:
        # (DocumentInvalid: signxml checks the Signature against the XML-DSig schema)
        raise EdxmlSignatureError(f"{_MALFORMED}: {exc}") from None


_TRANSFORMS = ([_ENVELOPED], [_ENVELOPED, _C14N])


def _algorithm(element: etree._Element, tag: str) -> str | None:
    """The Algorithm of an element that must have exactly that tag, that attribute alone and no
    content, else None."""
    if element.tag != _ds(tag) or len(element) or (element.text or "").strip():
        return None
    return element.get("Algorithm") if list(element.keys()) == ["Algorithm"] else None


def _own_shape(signature: etree._Element) -> tuple[str, str, str, str] | None:
    """(signature method, digest method, DigestValue, SignatureValue) when the signature has
    exactly the shape `sign_tree` writes (and most edXML signers: canonical XML 1.0, one
    Reference URI="" with the enveloped transform, RSA or ECDSA, SHA-2), else None. Anything
    else there (a comment, an Object, another transform or algorithm) is left to signxml."""
    parts = list(signature)
    if [p.tag for p in parts[:2]] != [_ds("SignedInfo"), _ds("SignatureValue")] or any(
        p.tag != _ds("KeyInfo") for p in parts[2:]
    ):
        return None
    signed_info = parts[0]
    fields = list(signed_info)
    if len(fields) != 3 or fields[2].tag != _ds("Reference"):
        return None
    if _algorithm(fields[0], "CanonicalizationMethod") != _C14N:
        return None
    method = _algorithm(fields[1], "SignatureMethod")
    reference = fields[2]
    if method not in _HASHES or dict(reference.attrib) != {"URI": ""}:
        return None
    inner = list(reference)
    if [e.tag for e in inner] != [_ds("Transforms"), _ds("DigestMethod"), _ds("DigestValue")]:
        return None
    transforms = [_algorithm(t, "Transform") for t in inner[0]]
    digest = _algorithm(inner[1], "DigestMethod")
    if transforms not in _TRANSFORMS or digest not in _DIGESTS or len(inner[2]):
        return None
    return method, digest, inner[2].text or "", parts[1].text or ""


def _verify_own_shape(
    root: etree._Element, signature: etree._Element, certificate: x509.Certificate
) -> bool:
    """XML-DSig core validation of a signature of the usual shape (`_own_shape`), on the tree as
    parsed: signxml serialises and parses the whole package again four times for it (the
    larger part of checking a 140 KB package). Returns False, having checked nothing, for a
    signature of any other shape, which signxml then checks; raises EdxmlError otherwise as
    `verify` does. The certificate is the directory's (checked against the carried one
    before), valid now; the SignatureValue is checked over SignedInfo canonicalised where it
    stands (as signxml does, with the namespaces in scope), then the digest of the whole
    package without the signature (the enveloped transform)."""
    shape = _own_shape(signature)
    if shape is None:
        return False
    method, digest_method, digest_b64, value_b64 = shape
    now = dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise EdxmlSignatureError(
            f"{_EXPIRED} (hiệu lực từ {certificate.not_valid_before_utc:%d/%m/%Y} "
            f"đến {certificate.not_valid_after_utc:%d/%m/%Y})."
        )
    try:
        value = base64.b64decode("".join(value_b64.split()), validate=True)
        expected = base64.b64decode("".join(digest_b64.split()), validate=True)
    except binascii.Error as exc:
        raise EdxmlSignatureError(f"{_MALFORMED}: {exc}") from None
    signed_info = etree.tostring(signature[0], method="c14n")
    if not _signature_matches(certificate.public_key(), method, value, signed_info):
        raise EdxmlSignatureError(_MISMATCH)
    if not hmac.compare_digest(
        _DIGESTS[digest_method](_without(root, signature)).digest(), expected
    ):
        raise EdxmlTamperedError(_TAMPERED)
    return True


def _signature_matches(
    key: CertificatePublicKeyTypes, method: str, value: bytes, data: bytes
) -> bool:
    algorithm = _HASHES[method]()
    try:
        if isinstance(key, rsa.RSAPublicKey) and "rsa" in method:
            key.verify(value, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and "ecdsa" in method:
            size = (key.curve.key_size + 7) // 8
            if len(value) != 2 * size:
                return False
            r, s = int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidKeySignature:
        return False
    return True


def _without(root: etree._Element, signature: etree._Element) -> bytes:
    """The package canonicalised without its signature (the enveloped-signature transform):
    the element is taken out for the time of the canonicalisation and put back, the text
    after it kept in place."""
    parent = signature.getparent()
    assert parent is not None
    index, tail, previous = parent.index(signature), signature.tail, signature.getprevious()
    before = previous.tail if previous is not None else parent.text
    parent.remove(signature)  # (lxml takes the element's tail with it)
    try:
        if tail:
            if previous is not None:
                previous.tail = (before or "") + tail
            else:
                parent.text = (before or "") + tail
        return etree.tostring(root, method="c14n")
    finally:
        if previous is not None:
            previous.tail = before
        else:
            parent.text = before
        parent.insert(index, signature)
        signature.tail = tail


__all__ = [
    "NS",
    "SignatureSummary",
    "inspect_signature",
    "sign",
    "sign_tree",
    "signing_certificate",
    "verify",
    "verify_tree",
]
