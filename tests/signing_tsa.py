"""A local RFC 3161 time-stamp server on loopback (HTTP, application/timestamp-query), signing
with the test PKI's TSA certificate through pyHanko's token builder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from tests.signing_pki import Pki


class TsaServer:
    def __init__(self, pki: Pki) -> None:
        self.requests = 0
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(pki.tsa.cert_der),
            tsa_key=keys.PrivateKeyInfo.load(pki.tsa.key_der()),
            certs_to_embed=[asn1_x509.Certificate.load(pki.intermediate.cert_der)],
        )
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                body = stamper.request_tsa_response(request).dump()
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tsa(pki: Pki) -> Iterator[TsaServer]:
    server = TsaServer(pki)
    yield server
    server.close()
