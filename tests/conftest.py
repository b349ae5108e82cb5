"""Shared fixtures: the demo province (organisations, units, people in every role, registers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from pytest_django.plugin import blocking_manager_key

from vanphong.core.demo import DEMO_PASSWORD, ORGANISATIONS, PEOPLE, load_demo_organisation
from vanphong.core.models import Organisation, Unit, User
from vanphong.documents.demo import ensure_incoming_registers
from vanphong.documents.models import DocumentType, IncomingDocument
from vanphong.documents.reference import ensure_document_types
from vanphong.documents.services import IncomingData, incoming_register
from vanphong.numbering.models import Register


@dataclass
class Demo:
    orgs: dict[str, Organisation]
    users: dict[str, User] = field(default_factory=dict)

    def user(self, username: str) -> User:
        """A fresh copy (role and delegation caches cleared)."""
        return User.objects.get(username=username)

    def unit(self, name: str, org: str = "vptu") -> Unit:
        return Unit.objects.get(organisation=self.orgs[org], name=name)

    def doc_type(self, name: str = "Công văn") -> DocumentType:
        return DocumentType.objects.get(name=name)

    def client(self, username: str) -> Client:
        client = Client()
        client.force_login(self.user(username))
        return client

    def register_incoming(self, clerk: str = "vanthu", **overrides: Any) -> IncomingDocument:
        """Register one incoming document through the real service."""
        today = dt.date.today()
        values: dict[str, Any] = {
            "sender": self.orgs["vptw"],
            "code_notation": overrides.pop("code_notation", None)
            or f"{IncomingDocument.objects.count() + 101}-CV/VPTW",
            "document_date": today - dt.timedelta(days=2),
            "doc_type": self.doc_type(),
            "summary": "V/v báo cáo kết quả thực hiện Chỉ thị số 05-CT/TW",
            "signer_name": "Lê Minh Hưng",
        }
        values.update(overrides)
        return incoming_register(actor=self.user(clerk), data=IncomingData(**values))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test restores the migrated database with serialized rollback.

    A transactional test flushes the database when it ends. Without serialized rollback the flush
    also re-creates the content types with new ids (post_migrate), and the next test that does
    restore the serialized copy then fails on their unique names; the flush also removes rows
    written by data migrations (the document types). So whatever order the tests run in, each
    transactional test starts from the migrated database.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            continue
        if marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            restored = pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True})
            item.add_marker(restored, append=False)


def _load_demo() -> dict[str, Organisation]:
    ensure_document_types()  # a transactional test before this one may have flushed them
    orgs = load_demo_organisation()
    ensure_incoming_registers()
    return orgs


def _loaded_demo_orgs() -> dict[str, Organisation] | None:
    """The demo organisations when the whole demo is already in the database, else None."""
    if not (
        User.objects.filter(username=PEOPLE[-1].username).exists()
        and DocumentType.objects.exists()
        and Register.objects.filter(code="den").exists()
    ):
        return None
    idents = [row[6] for row in ORGANISATIONS]
    by_ident = {o.identifier: o for o in Organisation.objects.filter(identifier__in=idents)}
    return {row[0]: by_ident[row[6]] for row in ORGANISATIONS}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The test database with the demo province committed once, for the whole session.

    Loading it took about half a second per test. Each test still runs in a transaction rolled
    back at its end, so what a test changes is gone for the next one. A transactional test
    flushes the database when it ends; `pytest_runtest_teardown` below loads the demo again.
    """
    with django_db_blocker.unblock():
        _load_demo()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    result = yield
    marker = item.get_closest_marker("django_db")
    # the last test's teardown also drops the test database: nothing to restore then
    if nextitem is not None and marker is not None and marker.kwargs.get("transaction"):
        blocker = item.config.stash[blocking_manager_key]
        with blocker.unblock():
            _restore_after_flush()
    return result


def _restore_after_flush() -> None:
    """Committed again after a transactional test's flush: the rows the migrations wrote (as
    serialized rollback restores them, with the same ids) and the demo province."""
    for conn in connections.all():
        contents = getattr(conn, "_test_serialized_contents", None)
        if contents:
            conn.creation.deserialize_db_from_string(contents)
    _load_demo()


@pytest.fixture
def demo(db: Any) -> Demo:
    orgs = _loaded_demo_orgs()
    return Demo(orgs=orgs if orgs is not None else _load_demo())


@pytest.fixture
def password() -> str:
    return DEMO_PASSWORD


def pdf_bytes(text: str = "Văn bản thử nghiệm", pages: int = 1) -> bytes:
    """A real, valid PDF generated with reportlab."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in range(pages):
        pdf.drawString(72, 720, f"{text} - trang {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def make_pdf() -> Any:
    def build(
        name: str = "van-ban.pdf", text: str = "Van ban thu nghiem", pages: int = 1
    ) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, pdf_bytes(text, pages), content_type="application/pdf")

    return build
