"""The message format between the server (through the browser) and the desk agent.

The server and the agent share a secret set at pairing. The server authenticates each signing
request with an HMAC over what is to be signed; the agent authenticates its answer the same way.
The browser only relays the messages and never sees the secret or the PIN."""

from __future__ import annotations

import base64
import hashlib
import hmac

PROTOCOL_VERSION = 1
SECRET_BYTES = 32


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _mac(secret: str, *parts: str) -> str:
    message = "|".join(parts).encode("utf-8")
    return hmac.new(bytes.fromhex(secret), message, hashlib.sha256).hexdigest()


def request_mac(secret: str, *, request_id: str, data: bytes, cert_sha256: str) -> str:
    return _mac(secret, "sign", request_id, hashlib.sha256(data).hexdigest(), cert_sha256)


def response_mac(secret: str, *, request_id: str, signature: bytes) -> str:
    return _mac(secret, "signed", request_id, hashlib.sha256(signature).hexdigest())


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def normalise_origin(origin: str) -> str:
    """scheme://host[:port], lower case, without a trailing slash or path."""
    from urllib.parse import urlsplit

    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an origin: {origin!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{host}{port}"
