"""Who may do what with an incoming document: role × secrecy × action, in both network zones.

The expected answers are written out by hand below; the test compares them with the policy
rules (`can`), the SQL scope (`filter_visible`), the list selectors and the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client

from vanphong.core.errors import DomainError
from vanphong.core.models import AuditEvent, Role, Secrecy, User
from vanphong.core.policy import can, filter_visible
from vanphong.core.services import user_set_roles
from vanphong.documents import selectors, services
from vanphong.documents.models import IncomingDocument, Status
from vanphong.documents.selectors import ListFilters

LEVELS = {
    "Thường": Secrecy.NONE,
    "Mật": Secrecy.MAT,
    "Tối mật": Secrecy.TOI_MAT,
    "Tuyệt mật": Secrecy.TUYET_MAT,
}
# V view · L appears in the register list · D download · G register into the organisation
# R route · U assign within the lead unit · H handle · X appears in the register export
ACTIONS = "VLDGRUHX"


@dataclass(frozen=True)
class Actor:
    label: str
    username: str
    # clearance given to the person for a document of the given secrecy level
    low_clearance: bool = False


ACTORS = [
    Actor("văn thư", "vanthu"),
    Actor("chuyên viên không tham gia", "chuyenvien2"),
    Actor("chuyên viên xử lý", "chuyenvien"),
    Actor("lãnh đạo đơn vị chủ trì", "truongphong"),
    Actor("lãnh đạo văn phòng cho ý kiến", "lanhdao"),
    Actor("lãnh đạo văn phòng thiếu mức tiếp cận", "lanhdao", low_clearance=True),
    Actor("thường trực", "thuongtruc"),
    Actor("quản trị", "admin"),
    Actor("văn thư cơ quan khác", "vanthubtc"),
]

#                                          Thường    Mật       Tối mật   Tuyệt mật
ISOLATED: dict[str, tuple[str, str, str, str]] = {
    "văn thư": ("VLDGX", "VLDGX", "VLDGX", "VLDGX"),
    "chuyên viên không tham gia": ("", "", "", ""),
    "chuyên viên xử lý": ("VLDH", "VLDH", "VLDH", "VLDH"),
    "lãnh đạo đơn vị chủ trì": ("VLDUX", "VLDUX", "VLDUX", "VLDUX"),
    "lãnh đạo văn phòng cho ý kiến": ("VLDRX", "VLDRX", "VLDRX", "VLDRX"),
    "lãnh đạo văn phòng thiếu mức tiếp cận": ("VLDRX", "", "", ""),
    "thường trực": ("VLDRX", "", "", ""),
    "quản trị": ("", "", "", ""),
    "văn thư cơ quan khác": ("", "", "", ""),
}
# Connected network: a secret document keeps only its register entry, so nobody downloads it.
CONNECTED: dict[str, tuple[str, str, str, str]] = {
    "văn thư": ("VLDGX", "VLGX", "VLGX", "VLGX"),
    "chuyên viên không tham gia": ("", "", "", ""),
    "chuyên viên xử lý": ("VLDH", "VLH", "VLH", "VLH"),
    "lãnh đạo đơn vị chủ trì": ("VLDUX", "VLUX", "VLUX", "VLUX"),
    "lãnh đạo văn phòng cho ý kiến": ("VLDRX", "VLRX", "VLRX", "VLRX"),
    "lãnh đạo văn phòng thiếu mức tiếp cận": ("VLDRX", "", "", ""),
    "thường trực": ("VLDRX", "", "", ""),
    "quản trị": ("", "", "", ""),
    "văn thư cơ quan khác": ("", "", "", ""),
}
MATRIX_PEOPLE = [
    "vanthu",
    "chuyenvien",
    "chuyenvien2",
    "truongphong",
    "lanhdao",
    "thuongtruc",
    "admin",
    "vanthubtc",
]


@pytest.fixture
def office(demo):
    """The demo office plus a Thường trực member served by this office; clearances explicit."""
    standing = User.objects.create(
        username="thuongtruc",
        full_name="Phó Bí thư Thường trực (thử nghiệm)",
        organisation=demo.orgs["vptu"],
        clearance=Secrecy.TUYET_MAT,
    )
    user_set_roles(actor=None, user=standing, roles=[Role.THUONG_TRUC])
    User.objects.filter(username__in=MATRIX_PEOPLE).update(clearance=Secrecy.TUYET_MAT)
    return demo


def _walk_to_handling(demo: Any, secrecy: int, zone: str, make_pdf: Any) -> IncomingDocument:
    """Register, present to the Chánh Văn phòng, route to Phòng Tổng hợp, pick chuyenvien."""
    files = [make_pdf()] if zone == "isolated" else []
    doc = demo.register_incoming(secrecy=secrecy, files=files)
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    plan = services.Assignment(
        direction="Phòng Tổng hợp tham mưu.", lead_unit=demo.unit("Phòng Tổng hợp")
    )
    services.incoming_route(actor=demo.user("lanhdao"), document=doc, plan=plan)
    services.incoming_assign_handler(
        actor=demo.user("truongphong"), document=doc, handler=demo.user("chuyenvien")
    )
    doc = IncomingDocument.objects.get(pk=doc.pk)
    assert doc.status == Status.IN_PROGRESS
    return doc


class _Rollback(Exception):
    pass


def _can_register(user: User, doc: IncomingDocument, secrecy: int, zone: str, n: int) -> bool:
    """Try the real registration into the document's organisation, then roll it back."""
    if user.organisation_id != doc.organisation_id:
        return can(user, "documents.register", doc.organisation)
    data = services.IncomingData(
        sender=doc.sender,
        code_notation=f"{700 + n}-CV/VPTW",
        document_date=doc.document_date,
        doc_type=doc.doc_type,
        summary="Trích yếu thử quyền vào sổ",
        secrecy=secrecy,
    )
    try:
        with transaction.atomic():
            made = services.incoming_register(actor=user, data=data)
            if secrecy and zone == "connected":
                assert made.content_withheld and made.summary == ""
            raise _Rollback
    except _Rollback:
        allowed = True
    except (PermissionDenied, DomainError):
        allowed = False
    # every clerk here is cleared for the level, so the service and the rule must agree
    assert allowed == can(user, "documents.register", doc.organisation), user.username
    return allowed


def _observed(user: User, doc: IncomingDocument, secrecy: int, zone: str, n: int) -> str:
    in_scope = (
        filter_visible(user, "documents.incoming", IncomingDocument.objects.all())
        .filter(pk=doc.pk)
        .exists()
    )
    by_rule = can(user, "documents.view", doc)
    assert in_scope == by_rule, f"{user.username}: SQL scope {in_scope} vs rule {by_rule}"
    listed = [row.pk for row in selectors.register_list(user, ListFilters(), 1).rows]
    visible = list(selectors.visible_documents(user))
    for row in visible:
        assert can(user, "documents.view", row), f"{user.username} lists #{row.pk}"
    assert set(listed) <= {row.pk for row in visible}
    exported = False
    if can(user, "documents.export_register", doc.organisation):
        day = doc.arrival_date
        exported = selectors.export_rows(user, day, day).filter(pk=doc.pk).exists()
    flags = {
        "V": by_rule,
        "L": doc.pk in listed,
        "D": can(user, "documents.download", doc),
        "G": _can_register(user, doc, secrecy, zone, n),
        "R": can(user, "documents.route", doc),
        "U": can(user, "documents.unit_assign", doc),
        "H": can(user, "documents.handle", doc),
        "X": exported,
    }
    return "".join(letter for letter in ACTIONS if flags[letter])


@pytest.mark.parametrize("zone", ["isolated", "connected"])
@pytest.mark.parametrize("level", list(LEVELS))
def test_the_permission_matrix_matches_the_expected_table(
    office, make_pdf, settings, tmp_path, zone, level
):
    settings.NETWORK_ZONE = zone
    settings.MEDIA_ROOT = str(tmp_path / "media")
    secrecy = LEVELS[level]
    doc = _walk_to_handling(office, secrecy, zone, make_pdf)
    assert doc.content_withheld == (zone == "connected" and secrecy > 0)
    table = ISOLATED if zone == "isolated" else CONNECTED
    column = list(LEVELS).index(level)
    mismatches = []
    for n, actor in enumerate(ACTORS):
        User.objects.filter(username__in=MATRIX_PEOPLE).update(clearance=Secrecy.TUYET_MAT)
        if actor.low_clearance:
            User.objects.filter(username=actor.username).update(clearance=max(0, secrecy - 1))
        user = User.objects.get(username=actor.username)
        got = _observed(user, doc, secrecy, zone, n)
        want = table[actor.label][column]
        if got != want:
            mismatches.append(f"{actor.label} / {level} / {zone}: expected {want!r}, got {got!r}")
    assert not mismatches, "\n".join(mismatches)


def test_the_table_covers_every_actor_and_level():
    for table in (ISOLATED, CONNECTED):
        assert set(table) == {a.label for a in ACTORS}
        for row in table.values():
            assert len(row) == len(LEVELS)
            for cell in row:
                assert set(cell) <= set(ACTIONS)


# --- network zones ------------------------------------------------------------------------


def _secret_data(demo: Any, **overrides: Any) -> services.IncomingData:
    values: dict[str, Any] = {
        "sender": demo.orgs["vptw"],
        "code_notation": "15-CV/VPTW",
        "document_date": dt.date.today() - dt.timedelta(days=1),
        "doc_type": demo.doc_type(),
        "summary": "Nội dung mật không được lưu",
        "notes": "Ghi chú mật",
        "secrecy": Secrecy.MAT,
    }
    values.update(overrides)
    return services.IncomingData(**values)


def test_connected_zone_refuses_files_of_a_secret_document(office, make_pdf, settings):
    settings.NETWORK_ZONE = "connected"
    with pytest.raises(DomainError) as caught:
        services.incoming_register(
            actor=office.user("vanthu"), data=_secret_data(office, files=[make_pdf()])
        )
    assert "Văn bản mật không được lưu tệp trên mạng kết nối" in caught.value.message
    assert caught.value.field == "files"
    assert not IncomingDocument.objects.exists()


def test_connected_zone_keeps_only_the_register_entry_of_a_secret_document(office, settings):
    settings.NETWORK_ZONE = "connected"
    doc = services.incoming_register(actor=office.user("vanthu"), data=_secret_data(office))
    doc.refresh_from_db()
    assert doc.content_withheld is True
    assert doc.summary == "" and doc.notes == ""
    assert doc.display_summary == "Văn bản mật"
    assert (doc.code_notation, doc.arrival_number) == ("15-CV/VPTW", 1)
    assert doc.register.for_secret is True
    assert not can(office.user("vanthu"), "documents.download", doc)


def test_connected_zone_needs_no_summary_for_a_secret_document(office, settings):
    settings.NETWORK_ZONE = "connected"
    doc = services.incoming_register(
        actor=office.user("vanthu"), data=_secret_data(office, summary="")
    )
    assert doc.content_withheld is True


def test_connected_zone_refuses_to_add_content_to_a_secret_document_later(
    office, make_pdf, settings
):
    settings.NETWORK_ZONE = "connected"
    doc = services.incoming_register(actor=office.user("vanthu"), data=_secret_data(office))
    with pytest.raises(DomainError, match="không lưu trích yếu"):
        services.incoming_edit(actor=office.user("vanthu"), document=doc, summary="Lộ nội dung")
    with pytest.raises(DomainError, match="không lưu tệp"):
        services.incoming_edit(actor=office.user("vanthu"), document=doc, files=[make_pdf()])
    doc.refresh_from_db()
    assert doc.summary == "" and not doc.files.exists()


def test_isolated_zone_stores_the_content_and_files_of_a_secret_document(
    office, make_pdf, settings, tmp_path
):
    settings.NETWORK_ZONE = "isolated"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    doc = services.incoming_register(
        actor=office.user("vanthu"),
        data=_secret_data(office, secrecy=Secrecy.TOI_MAT, files=[make_pdf()]),
    )
    assert doc.content_withheld is False
    assert doc.summary == "Nội dung mật không được lưu"
    assert doc.files.count() == 1


def test_isolated_zone_hands_a_secret_document_only_to_people_cleared_for_it(
    office, make_pdf, settings, tmp_path
):
    settings.NETWORK_ZONE = "isolated"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    User.objects.filter(username="phochanh").update(clearance=Secrecy.TOI_MAT)
    User.objects.filter(username="chuyenvien2").update(clearance=Secrecy.MAT)
    doc = services.incoming_register(
        actor=office.user("vanthu"),
        data=_secret_data(office, secrecy=Secrecy.TUYET_MAT, files=[make_pdf()]),
    )
    with pytest.raises(DomainError, match="không đủ mức tiếp cận bí mật"):
        services.incoming_present(
            actor=office.user("vanthu"), document=doc, to=office.user("phochanh")
        )
    services.incoming_present(actor=office.user("vanthu"), document=doc, to=office.user("lanhdao"))
    plan = services.Assignment(lead_user=office.user("chuyenvien2"))
    with pytest.raises(DomainError, match="không đủ mức tiếp cận bí mật"):
        services.incoming_route(actor=office.user("lanhdao"), document=doc, plan=plan)
    plan = services.Assignment(lead_user=office.user("chuyenvien"))
    doc = services.incoming_route(actor=office.user("lanhdao"), document=doc, plan=plan)
    assert doc.status == Status.IN_PROGRESS
    assert can(office.user("chuyenvien"), "documents.download", doc)
    assert not can(office.user("chuyenvien2"), "documents.view", doc)


def test_a_clerk_without_clearance_cannot_register_a_secret_document(office, settings):
    settings.NETWORK_ZONE = "connected"
    User.objects.filter(username="vanthu2").update(clearance=Secrecy.MAT)
    with pytest.raises(DomainError, match="không đủ mức tiếp cận"):
        services.incoming_register(
            actor=office.user("vanthu2"), data=_secret_data(office, secrecy=Secrecy.TOI_MAT)
        )
    assert not IncomingDocument.objects.exists()


# --- secret access is recorded -----------------------------------------------------------


def test_viewing_a_secret_document_records_an_audit_row(office, settings):
    settings.NETWORK_ZONE = "connected"
    doc = services.incoming_register(actor=office.user("vanthu"), data=_secret_data(office))
    before = AuditEvent.objects.count()
    services.secret_access_record(actor=office.user("vanthu"), document=doc, what="view")
    row = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert row is not None
    assert row.action == "incoming.secret_view"
    assert row.object_id == str(doc.pk)
    assert "Mật" in row.summary


def test_viewing_an_ordinary_document_records_nothing(office):
    doc = office.register_incoming()
    before = AuditEvent.objects.count()
    services.secret_access_record(actor=office.user("vanthu"), document=doc, what="view")
    assert AuditEvent.objects.count() == before


def test_opening_a_secret_document_page_records_the_view(office, settings):
    settings.NETWORK_ZONE = "connected"
    doc = services.incoming_register(actor=office.user("vanthu"), data=_secret_data(office))
    client = Client()
    client.force_login(office.user("vanthu"))
    response = client.get(f"/van-ban-den/{doc.pk}/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="incoming.secret_view", object_id=str(doc.pk)).exists()
    outsider = Client()
    outsider.force_login(office.user("chuyenvien2"))
    before = AuditEvent.objects.count()
    assert outsider.get(f"/van-ban-den/{doc.pk}/").status_code == 404
    assert AuditEvent.objects.count() == before
