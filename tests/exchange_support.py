"""Helpers for the exchange tests: this node's key in a temporary folder, a directory where the
sender (Văn phòng Tỉnh ủy) and the recipient (Ban Tổ chức Tỉnh ủy) are reached at this node's own
inbox, and an in-process transport.

Two nodes in one database are not possible, so the sender and the recipient are two
organisations served by the same node, and the recipient line is marked "liên thông" instead of
"trong hệ thống": the package is built, signed, posted to /lien-thong/inbox/, checked against the
directory and answered exactly as between two nodes (X1's tests/test_exchange_nodes.py runs real
separate server processes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import pdf_bytes
from tests.outgoing_support import approved_draft, configure
from vanphong.drafting.models import Delivery, OutgoingDocument
from vanphong.drafting.services import RecipientLine, outgoing_issue
from vanphong.exchange import batch, edxml
from vanphong.exchange import node as exchange_node
from vanphong.exchange.edxml import samples
from vanphong.exchange.models import Peer
from vanphong.exchange.services import PeerData, deliver_due, peer_save
from vanphong.exchange.transport import Answer, use_transport

INBOX = "http://testserver/lien-thong/inbox/"


class ClientTransport:
    """An in-process transport: each package is POSTed to the inbox view through Django's test
    client, a real request/response cycle (middleware, URL routing, CSRF exemption, the view and
    its services) without a socket."""

    def __init__(self) -> None:
        self.client = Client(REMOTE_ADDR="10.0.0.2")
        self.posts: list[tuple[str, int]] = []
        self.content_types: list[str] = []
        self.packages: list[int] = []  # packages per request

    def post(self, url: str, body: bytes, content_type: str = "application/xml") -> Answer:
        response = self.client.generic("POST", urlsplit(url).path, body, content_type=content_type)
        self.posts.append((url, response.status_code))
        self.content_types.append(content_type)
        is_batch = content_type.split(";")[0] == batch.CONTENT_TYPE
        self.packages.append(len(batch.decode(body)) if is_batch else 1)
        return Answer(response.status_code, response.content)


@pytest.fixture(scope="session")
def node_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange-node")


@pytest.fixture
def node(db: Any, node_dir: Path, settings: Any) -> exchange_node.NodeIdentity:
    """This node's key and self-signed certificate (made once per session)."""
    settings.EXCHANGE_KEY_FILE = str(node_dir / "node.key")
    settings.EXCHANGE_CERT_FILE = str(node_dir / "node.crt")
    settings.EXCHANGE_BASE_URL = "http://testserver"
    settings.EXCHANGE_HUB = False
    settings.EXCHANGE_RETRY_BASE_SECONDS = 30
    settings.EXCHANGE_RETRY_MAX_SECONDS = 3600
    return exchange_node.identity()


@dataclass
class Net:
    demo: Any
    transport: ClientTransport
    cert_pem: str
    issued: list[OutgoingDocument] = field(default_factory=list)

    def deliver(self) -> dict[str, int]:
        """Deliver until the outbox is empty (a package can cause status packages back)."""
        total: dict[str, int] = {}
        for _ in range(10):
            counts = deliver_due()
            if not counts:
                break
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
        return total


@pytest.fixture
def net(demo: Any, node: exchange_node.NodeIdentity) -> Iterator[Net]:
    configure(demo)
    cert = node.cert_pem.decode()
    admin = demo.user("admin")
    for key in ("vptu", "btctu"):
        org = demo.orgs[key]
        peer_save(
            actor=admin,
            data=PeerData(
                identifier=org.identifier, name=org.full_name, inbox_url=INBOX, certificate_pem=cert
            ),
        )
    transport = ClientTransport()
    with use_transport(transport):
        yield Net(demo, transport, cert)


def issue_to(demo: Any, *keys: str, summary: str = "") -> OutgoingDocument:
    """An outgoing document of the Văn phòng Tỉnh ủy issued with a final PDF, sent by exchange
    to the organisations `keys`."""
    overrides: dict[str, Any] = {
        "recipients": [
            RecipientLine(organisation=demo.orgs[k], delivery=Delivery.EXCHANGE) for k in keys
        ]
    }
    if summary:
        overrides["summary"] = summary
    doc = approved_draft(demo, **overrides)
    pdf = SimpleUploadedFile(
        "ban-cuoi.pdf", pdf_bytes(f"Ban cuoi {dt.datetime.now()}"), content_type="application/pdf"
    )
    return outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=pdf)


def peer(identifier: str) -> Peer:
    return Peer.objects.get(identifier=identifier)


def signed_package(sender: str, to: str, *, key: samples.NodeIdentity | None = None) -> bytes:
    """A package from `sender` to `to`, signed by `key` (this node's key by default)."""
    package = samples.document_package(
        sender=samples.organ(sender, "Cơ quan gửi"),
        recipients=[samples.organ(to, "Cơ quan nhận")],
        number=77,
        files=[("van-ban.pdf", samples.pdf_bytes(title="Van ban"))],
    )
    signer = key or exchange_node.identity()
    return edxml.sign(edxml.write(package), key_pem=signer.key_pem, cert_pem=signer.cert_pem)
