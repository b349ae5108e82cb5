"""How packages travel: an interface, and the real implementation (HTTP(S) with httpx).

`Transport.post(url, body, content_type)` returns the peer's answer (status and body) or raises
`TransportError` when the peer could not be reached (refused connection, timeout, TLS failure):
the outbox retries those with back-off. Tests may install another transport with
`use_transport()` (tests/test_exchange_*.py install one that posts to the inbox view through
Django's test client: a real in-process HTTP request/response cycle, not a fake).
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import certifi
import httpx
from django.conf import settings

CONTENT_TYPE = "application/xml"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class TransportError(Exception):
    """The peer could not be reached; the message is shown as the last error (Vietnamese)."""


class Transport(Protocol):
    def post(self, url: str, body: bytes, content_type: str = CONTENT_TYPE) -> Answer: ...


_contexts: dict[str, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def tls_context(ca_file: str) -> ssl.SSLContext:
    """The certificates trusted for HTTPS (a file or a folder of them; certifi's when empty),
    loaded once per process and shared by every thread's client: loading them took 30-70 ms of
    CPU, which each of a worker's threads paid on its first delivery."""
    with _contexts_lock:
        context = _contexts.get(ca_file)
        if context is None:
            if not ca_file:
                context = ssl.create_default_context(cafile=certifi.where())
            elif os.path.isdir(ca_file):
                context = ssl.create_default_context(capath=ca_file)
            else:
                context = ssl.create_default_context(cafile=ca_file)
            _contexts[ca_file] = context
        return context


class HttpTransport:
    """POST over HTTP(S) with httpx: one keep-alive client per worker thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(
                timeout=httpx.Timeout(settings.EXCHANGE_TIMEOUT_SECONDS, connect=10.0),
                verify=tls_context(settings.EXCHANGE_TLS_CA_FILE),
                headers={"User-Agent": "vanphong-exchange/1"},
                trust_env=False,  # no proxy from the environment: the Party network is isolated
            )
            self._local.client = client
        return client

    def post(self, url: str, body: bytes, content_type: str = CONTENT_TYPE) -> Answer:
        try:
            headers = {"Content-Type": content_type}
            response = self._client().post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise TransportError(f"Quá thời gian chờ khi gửi tới {url}.") from None
        except httpx.HTTPError as exc:
            raise TransportError(f"Không kết nối được tới {url}: {exc}") from None
        return Answer(response.status_code, response.content)


_default: Transport = HttpTransport()
_current: Transport | None = None


def transport() -> Transport:
    return _current or _default


@contextmanager
def use_transport(replacement: Transport) -> Iterator[Transport]:
    global _current
    previous, _current = _current, replacement
    try:
        yield replacement
    finally:
        _current = previous
