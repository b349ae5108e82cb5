"""XML-DSig of edXML packages: the sending node signs, the receiver checks against its directory."""

from __future__ import annotations

import base64
from functools import cache

import pytest
from cryptography import x509
from lxml import etree

from tests.edxml_samples import SAMPLES, needs_samples
from vanphong.exchange import edxml
from vanphong.exchange.edxml import DocumentPackage, EdxmlError, EdxmlSignatureError
from vanphong.exchange.edxml import samples as s
from vanphong.exchange.edxml.model import DSIG_NS, NS

SENDER = s.organ("000.00.01.H42", "Văn phòng Tỉnh ủy Hà Tĩnh")
RECIPIENT = s.organ("000.00.02.H42", "Ban Tổ chức Tỉnh ủy Hà Tĩnh")
PDF = s.pdf_bytes(title="Cong van 7", size=30_000, seed=7)


def identity(name: str, *, curve: bool = False, valid_days: int = 3650) -> s.NodeIdentity:
    return _identity(name, curve, valid_days)


@cache
def _identity(name: str, curve: bool, valid_days: int) -> s.NodeIdentity:
    return s.node_identity(SENDER.organ_id, name, curve=curve, valid_days=valid_days)


def package() -> DocumentPackage:
    return s.document_package(
        sender=SENDER, recipients=[RECIPIENT], number=7, files=[("cong-van-7.pdf", PDF)]
    )


def signed(who: str = "sender", *, curve: bool = False) -> bytes:
    ident = identity(who, curve=curve)
    return edxml.sign(edxml.write(package()), key_pem=ident.key_pem, cert_pem=ident.cert_pem)


def rejected(data: bytes, expected: str, who: str = "sender") -> None:
    with pytest.raises(EdxmlSignatureError) as caught:
        edxml.verify(data, cert_pem=identity(who).cert_pem)
    assert expected in caught.value.message, caught.value.message


@pytest.mark.parametrize("curve", [False, True], ids=["rsa", "ecdsa"])
def test_good_signature_verifies_and_the_package_still_reads(curve: bool) -> None:
    data = signed(curve=curve)
    edxml.verify(data, cert_pem=identity("sender", curve=curve).cert_pem)
    assert edxml.parse(data) == package()
    root = etree.fromstring(data)
    (signature,) = root.iter(f"{{{DSIG_NS}}}Signature")
    header = signature.getparent()
    assert header is not None and header.tag == f"{{{NS}}}edXMLHeader"
    assert [etree.QName(c).localname for c in header] == [
        "MessageHeader",
        "TraceHeaderList",
        "Signature",
    ]
    summary = edxml.inspect_signature(data)
    assert summary is not None
    assert summary.reference_uris == ("",) and summary.enveloped and summary.namespace_ok
    assert summary.digest_method.endswith("#sha256")
    assert summary.signature_method.endswith("ecdsa-sha256" if curve else "rsa-sha256")


@pytest.mark.parametrize("curve", [False, True], ids=["rsa", "ecdsa"])
def test_our_signature_is_one_signxml_verifies_on_its_own(curve: bool) -> None:
    """The signature is built by vanphong, not by signxml's signer: signxml's verifier, used
    directly, accepts it and gives back the whole package as what was signed."""
    from signxml import XMLVerifier

    ident = identity("sender", curve=curve)
    data = signed(curve=curve)
    cert = x509.load_pem_x509_certificate(ident.cert_pem)
    verified = XMLVerifier().verify(data, x509_cert=cert, expect_references=1)
    signed_data = verified.signed_xml
    assert signed_data is not None
    assert etree.QName(signed_data).localname == "edXML"
    assert not list(signed_data.iter(f"{{{DSIG_NS}}}Signature"))  # the enveloped one removed


def test_writing_and_signing_in_one_pass_gives_the_same_bytes() -> None:
    ident = identity("sender")
    once = edxml.write_signed(package(), key_pem=ident.key_pem, cert_pem=ident.cert_pem)
    assert once == signed()  # RSA PKCS#1 v1.5 signatures are deterministic
    assert edxml.parse(once) == package()


def test_signing_certificate_is_the_senders() -> None:
    carried = edxml.signing_certificate(signed())
    assert carried is not None
    expected = x509.load_pem_x509_certificate(identity("sender").cert_pem)
    assert x509.load_pem_x509_certificate(carried) == expected
    assert edxml.signing_certificate(edxml.write(package())) is None


def test_changed_subject_fails() -> None:
    data = signed()
    tampered = data.replace(
        "V/v triển khai liên thông".encode(), "V/v hủy bỏ liên thông".encode(), 1
    )
    assert tampered != data
    rejected(tampered, "đã bị thay đổi sau khi ký: giá trị băm không khớp")


def test_changed_attachment_byte_fails() -> None:
    data = signed()
    b64 = base64.b64encode(PDF)
    changed = bytearray(PDF)
    changed[5000] ^= 0x01
    tampered = data.replace(b64, base64.b64encode(bytes(changed)))
    assert tampered != data
    assert isinstance(edxml.parse(tampered), DocumentPackage)  # still a readable package
    rejected(tampered, "(thông tin văn bản hoặc tệp đính kèm) đã bị thay đổi sau khi ký")
    with pytest.raises(edxml.EdxmlTamperedError):
        edxml.verify(tampered, cert_pem=identity("sender").cert_pem)


def test_added_attachment_fails() -> None:
    data = signed()
    extra = (
        b"<edXML:Attachment><edXML:ContentId>cid:x</edXML:ContentId></edXML:Attachment>"
        b"</edXML:AttachmentEncoded>"
    )
    rejected(data.replace(b"</edXML:AttachmentEncoded>", extra), "đã bị thay đổi sau khi ký")


def test_signature_by_another_node_fails() -> None:
    rejected(signed("intruder"), "không phải chứng thư của đơn vị gửi trong danh bạ")


def test_another_key_presenting_the_senders_certificate_fails() -> None:
    data = signed("intruder")
    theirs = edxml.signing_certificate(data)
    assert theirs is not None

    def body(pem: bytes) -> bytes:
        return b"".join(pem.strip().splitlines()[1:-1])

    root = etree.fromstring(data)
    (cert,) = root.iter(f"{{{DSIG_NS}}}X509Certificate")
    cert.text = body(identity("sender").cert_pem).decode()
    forged = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    rejected(forged, "Giá trị chữ ký không khớp với chứng thư số của đơn vị gửi")


def test_removed_signature_fails() -> None:
    data = signed()
    start = data.index(b"<ds:Signature")
    end = data.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    rejected(data[:start] + data[end:], "không có chữ ký số (XML-DSig)")
    rejected(edxml.write(package()), "không có chữ ký số")


def test_signature_elsewhere_or_twice_fails() -> None:
    root = etree.fromstring(signed())
    (signature,) = root.iter(f"{{{DSIG_NS}}}Signature")
    root.append(signature)  # moved out of edXMLHeader
    moved = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    rejected(moved, "không nằm trong edXMLHeader")
    root = etree.fromstring(signed())
    (signature,) = root.iter(f"{{{DSIG_NS}}}Signature")
    header = signature.getparent()
    assert header is not None
    header.append(etree.fromstring(etree.tostring(signature)))
    rejected(etree.tostring(root), "nhiều hơn một chữ ký số")


def test_reference_to_part_of_the_package_fails() -> None:
    data = signed().replace(b'<ds:Reference URI="">', b'<ds:Reference URI="#header">')
    rejected(data, "không bao trùm toàn bộ gói tin")


def test_expired_certificate_fails() -> None:
    ident = identity("old", valid_days=0)
    data = edxml.sign(edxml.write(package()), key_pem=ident.key_pem, cert_pem=ident.cert_pem)
    with pytest.raises(EdxmlSignatureError) as caught:
        edxml.verify(data, cert_pem=ident.cert_pem)
    assert "không còn hiệu lực hoặc chưa có hiệu lực" in caught.value.message


def test_sign_refuses_double_signing_and_mismatched_key() -> None:
    with pytest.raises(EdxmlSignatureError, match="đã có chữ ký số"):
        edxml.sign(
            signed(), key_pem=identity("sender").key_pem, cert_pem=identity("sender").cert_pem
        )
    with pytest.raises(EdxmlSignatureError, match="không khớp với chứng thư"):
        edxml.sign(
            edxml.write(package()),
            key_pem=identity("sender").key_pem,
            cert_pem=identity("intruder").cert_pem,
        )
    with pytest.raises(EdxmlError, match="Gói tin rỗng"):
        edxml.sign(b"", key_pem=identity("sender").key_pem, cert_pem=identity("sender").cert_pem)


def test_status_packages_are_signed_too() -> None:
    status = s.status_package(
        sender=RECIPIENT, document=package(), status_code=edxml.StatusCode.ARRIVED
    )
    ident = identity("recipient")
    data = edxml.sign(edxml.write(status), key_pem=ident.key_pem, cert_pem=ident.cert_pem)
    edxml.verify(data, cert_pem=ident.cert_pem)
    assert edxml.parse(data) == status
    rejected(data.replace(b">01<", b">06<"), "đã bị thay đổi sau khi ký", who="recipient")


# ------------------------------------------------------------------------------ field samples
# Signed by certificates we do not have (and with SHA-1): check structure, not trust.


@needs_samples
def test_field_sample_signature_structure() -> None:
    data = (SAMPLES / "edoc.edxml").read_bytes()
    summary = edxml.inspect_signature(data)
    assert summary is not None
    assert summary.namespace_ok and summary.enveloped and summary.reference_uris == ("",)
    assert summary.signature_method == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    pem = edxml.signing_certificate(data)
    assert pem is not None
    cert = x509.load_pem_x509_certificate(pem)
    assert "CN=TRẦN ANH TUẤN" in cert.subject.rfc4514_string()
    assert "VNPT Certification Authority" in cert.issuer.rfc4514_string()
    with pytest.raises(EdxmlSignatureError, match="SHA-1"):
        edxml.verify(data, cert_pem=pem)


@needs_samples
def test_field_samples_with_signature_in_the_wrong_namespace() -> None:
    data = (SAMPLES / "edoc_update.edxml").read_bytes()
    summary = edxml.inspect_signature(data)
    assert summary is not None
    assert not summary.namespace_ok  # <Signature> inherits the edXML default namespace
    assert summary.certificate_b64 == "MIIFqTCCBJG"  # truncated in the sample
    with pytest.raises(EdxmlSignatureError, match="Chứng thư số kèm theo chữ ký .* bị hỏng"):
        edxml.signing_certificate(data)
    rejected(data, "không thuộc không gian tên XML-DSig")


@needs_samples
def test_field_status_samples_are_unsigned() -> None:
    data = (SAMPLES / "status_finish_06.edxml").read_bytes()
    assert edxml.inspect_signature(data) is None
    assert edxml.signing_certificate(data) is None
    rejected(data, "không có chữ ký số")


def test_the_node_key_is_loaded_once_per_process() -> None:
    """Loading an RSA key checks it (about 50-150 ms of CPU here); a node signs every package."""
    from vanphong.exchange.edxml import dsig

    ident = identity("sender")
    data = edxml.write(package())
    edxml.sign(data, key_pem=ident.key_pem, cert_pem=ident.cert_pem)
    before = dsig.load_key.cache_info()
    edxml.sign(data, key_pem=bytes(ident.key_pem), cert_pem=ident.cert_pem)
    after = dsig.load_key.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


# ------------------------------------------------------------------ the check of the usual shape


def _signxml_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record the calls to signxml's verifier (still made)."""
    from signxml import XMLVerifier

    calls: list[object] = []
    real = XMLVerifier.verify

    def counted(self: XMLVerifier, *args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(XMLVerifier, "verify", counted)
    return calls


@pytest.mark.parametrize("curve", [False, True], ids=["rsa", "ecdsa"])
def test_a_signature_of_the_usual_shape_is_checked_without_reparsing_the_package(
    curve: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _signxml_calls(monkeypatch)
    data = signed(curve=curve)
    root = edxml.load_xml(data, max_bytes=2**26)
    edxml.verify_tree(root, cert_pem=identity("sender", curve=curve).cert_pem)
    assert calls == []
    assert etree.tostring(root, xml_declaration=True, encoding="UTF-8") == data  # put back whole


def test_a_signature_of_another_shape_is_left_to_signxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exclusive canonical XML, as some signers write it: good, checked by signxml."""
    from signxml import XMLSigner, methods

    ident = identity("sender")
    signer = XMLSigner(
        method=methods.enveloped, c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"
    )
    root = signer.sign(
        etree.fromstring(edxml.write(package())), key=ident.key_pem, cert=ident.cert_pem.decode()
    )
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    assert header is not None
    header.append(root[-1])  # signxml puts it last in the root; edXML wants it in the header
    calls = _signxml_calls(monkeypatch)
    edxml.verify(etree.tostring(root), cert_pem=ident.cert_pem)
    assert len(calls) == 1


def test_text_after_the_signature_stays_in_what_is_signed() -> None:
    """The enveloped transform removes the signature, not the text around it: a signature put
    first in edXMLHeader, splitting the indentation before the header's first child, is good;
    the same signature with that text changed is not."""
    data = edxml.write(package())
    ident = identity("sender")
    root = etree.fromstring(data)
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    assert header is not None
    header.text = "\n      "
    unsigned = etree.tostring(root)
    root = etree.fromstring(edxml.sign(unsigned, key_pem=ident.key_pem, cert_pem=ident.cert_pem))
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    assert header is not None
    signature = header[-1]
    header.insert(0, signature)
    header.text, signature.tail = "\n", "      "
    moved = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    edxml.verify(moved, cert_pem=ident.cert_pem)
    rejected(moved.replace(b"</ds:Signature>      ", b"</ds:Signature>  "), "đã bị thay đổi")


def _variants() -> dict[str, bytes]:
    data = signed()
    value = data.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    digest = data.index(b"<ds:DigestValue>") + len(b"<ds:DigestValue>")
    return {
        "good": data,
        "content changed": data.replace(b"<edXML:Subject>", b"<edXML:Subject>X", 1),
        "digest changed": data[:digest] + bytes([data[digest] ^ 1]) + data[digest + 1 :],
        "signature value changed": data[:value]
        + (b"A" if data[value] != ord("A") else b"B")
        + data[value + 1 :],
        "method changed": data.replace(b"rsa-sha256", b"rsa-sha512"),
        "not base64": data[:value] + b"!!" + data[value + 2 :],
    }


@pytest.mark.parametrize("variant", list(_variants()))
def test_the_check_of_the_usual_shape_and_signxml_agree(
    variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vanphong.exchange.edxml import dsig

    data = _variants()[variant]
    cert = identity("sender").cert_pem

    def outcome() -> str:
        try:
            edxml.verify(data, cert_pem=cert)
        except EdxmlError as exc:
            return type(exc).__name__
        return "ok"

    ours = outcome()
    monkeypatch.setattr(dsig, "_own_shape", lambda signature: None)
    assert (ours, variant == "good") == (outcome(), ours == "ok")
