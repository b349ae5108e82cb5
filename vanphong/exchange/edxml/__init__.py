"""edXML (QCVN 102:2016) codec and XML-DSig for electronic exchange between nodes.

parse(data) -> DocumentPackage | StatusPackage      safe reader, raises EdxmlError
write(package) -> bytes                              always the edXML: prefix, UTF-8
write_signed(package, key_pem=, cert_pem=) -> bytes  written and signed in one pass
sign(data, key_pem=, cert_pem=) -> bytes             enveloped XML-DSig of the sending node
verify(data, cert_pem=)                              raises EdxmlSignatureError
                                                     (EdxmlTamperedError: changed after signing)
load_xml(data) -> root; element_to_package(root); verify_tree(root, cert_pem=)
                                                     parse and verify from one parse
signing_certificate(data) -> bytes | None            the PEM certificate carried in KeyInfo
package_hash(data) -> str                            sha256 hex of the bytes as received
"""

from __future__ import annotations

import hashlib

from vanphong.exchange.edxml.dsig import (
    DEFAULT_MAX_BYTES,
    SignatureSummary,
    inspect_signature,
    sign,
    sign_tree,
    signing_certificate,
    verify,
    verify_tree,
)
from vanphong.exchange.edxml.errors import EdxmlError, EdxmlSignatureError, EdxmlTamperedError
from vanphong.exchange.edxml.model import (
    NS,
    Attachment,
    Business,
    BusinessType,
    Code,
    DocType,
    DocumentInfoChange,
    DocumentPackage,
    Organ,
    OtherInfo,
    Package,
    Promulgation,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    make_document_id,
)
from vanphong.exchange.edxml.reader import element_to_package, load_xml
from vanphong.exchange.edxml.writer import tree as _tree
from vanphong.exchange.edxml.writer import write as _write


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Package:
    """Read a document or status package; raise EdxmlError (Vietnamese reason) when unusable."""
    return element_to_package(load_xml(data, max_bytes=max_bytes))


def write(package: Package) -> bytes:
    """The edXML bytes of a package: UTF-8, XML declaration, edXML: prefix on every element."""
    return _write(package)


def write_signed(package: Package, *, key_pem: bytes, cert_pem: bytes) -> bytes:
    """`sign(write(package))` without parsing the written bytes again."""
    return sign_tree(_tree(package), key_pem=key_pem, cert_pem=cert_pem)


def package_hash(data: bytes) -> str:
    """SHA-256 (hex) of the package bytes exactly as received or sent."""
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "DEFAULT_MAX_BYTES",
    "NS",
    "Attachment",
    "Business",
    "BusinessType",
    "Code",
    "DocType",
    "DocumentInfoChange",
    "DocumentPackage",
    "EdxmlError",
    "EdxmlSignatureError",
    "EdxmlTamperedError",
    "Organ",
    "OtherInfo",
    "Package",
    "Promulgation",
    "Receiver",
    "SignatureSummary",
    "ReplacementInfo",
    "ResponseFor",
    "SignerInfo",
    "StaffInfo",
    "StatusCode",
    "StatusPackage",
    "TraceHeader",
    "element_to_package",
    "inspect_signature",
    "load_xml",
    "make_document_id",
    "package_hash",
    "parse",
    "sign",
    "sign_tree",
    "signing_certificate",
    "verify",
    "verify_tree",
    "write",
    "write_signed",
]
