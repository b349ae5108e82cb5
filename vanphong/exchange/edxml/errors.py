"""Errors of the edXML codec; messages are Vietnamese and shown to the user as they are."""

from __future__ import annotations

from vanphong.core.errors import DomainError


class EdxmlError(DomainError):
    """The package cannot be read or written; the message says why."""


class EdxmlSignatureError(EdxmlError):
    """The package's XML-DSig signature is missing, malformed or does not verify."""


class EdxmlTamperedError(EdxmlSignatureError):
    """The signature is the sender's but the content (header or attachment) changed after signing.

    The enveloped signature covers the whole package, AttachmentEncoded included (QCVN 102:2016's
    Manifest carries no per-file digest), so a changed file byte lands here.
    """
