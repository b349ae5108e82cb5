"""The routing state machine: every (status, action) pair, delegation, and atomic steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from vanphong.core.audit import audit_verify
from vanphong.core.errors import DomainError, InvalidTransition
from vanphong.core.models import AuditEvent, Unit, User
from vanphong.core.policy import can
from vanphong.documents import services
from vanphong.documents.access import today
from vanphong.documents.models import (
    Delegation,
    DocumentEvent,
    EventAction,
    IncomingDocument,
    Status,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from vanphong.documents.workflow import TRANSITIONS

S = Status
A = EventAction
LEAD = "Phòng Tổng hợp"
OTHER = "Phòng Hành chính - Lưu trữ"

# The expected state machine, written out by hand (not read from workflow.TRANSITIONS):
# action -> {status it may start from: status it leads to}. Every other pair is refused.
EXPECTED: dict[str, dict[str, str]] = {
    A.PRESENT: {S.REGISTERED: S.PRESENTED},
    A.RETURN_TO_CLERK: {S.PRESENTED: S.REGISTERED},
    A.ROUTE: {S.REGISTERED: S.ASSIGNED, S.PRESENTED: S.ASSIGNED},
    A.REASSIGN: {S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.ASSIGNED},
    A.ASSIGN_HANDLER: {S.ASSIGNED: S.IN_PROGRESS, S.IN_PROGRESS: S.IN_PROGRESS},
    A.FORWARD: {S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.ASSIGNED},
    A.START: {S.IN_PROGRESS: S.IN_PROGRESS},
    A.PROGRESS: {S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.IN_PROGRESS},
    A.CO_DONE: {S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.IN_PROGRESS, S.DONE: S.DONE},
    A.COMPLETE: {S.IN_PROGRESS: S.DONE},
    A.RETURN: {S.DONE: S.IN_PROGRESS},
    A.EXTEND: {S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.IN_PROGRESS},
    A.CLOSE: {
        S.REGISTERED: S.CLOSED,
        S.PRESENTED: S.CLOSED,
        S.ASSIGNED: S.CLOSED,
        S.IN_PROGRESS: S.CLOSED,
        S.DONE: S.CLOSED,
    },
    A.CANCEL: {S.REGISTERED: S.CANCELLED, S.PRESENTED: S.CANCELLED},
    A.EDIT: {S.REGISTERED: S.REGISTERED, S.PRESENTED: S.PRESENTED},
    A.LINK_DUPLICATE: {S.REGISTERED: S.CANCELLED, S.PRESENTED: S.CANCELLED},
}


# --- walking a document to each status through the real services --------------------------


class Walk:
    def __init__(self, demo: Any) -> None:
        self.demo = demo

    def u(self, username: str) -> User:
        return self.demo.user(username)

    def registered(self, **overrides: Any) -> IncomingDocument:
        return self.demo.register_incoming(**overrides)

    def presented(self, to: str = "lanhdao", **overrides: Any) -> IncomingDocument:
        doc = self.registered(**overrides)
        return services.incoming_present(actor=self.u("vanthu"), document=doc, to=self.u(to))

    def assigned(self, **overrides: Any) -> IncomingDocument:
        doc = self.presented(**overrides)
        plan = services.Assignment(
            direction="Phòng Tổng hợp chủ trì tham mưu, báo cáo trước hạn.",
            lead_unit=self.demo.unit(LEAD),
            co_users=[self.u("chuyenvien2")],
            info_users=[self.u("chuyenvien3")],
            due_date=today() + dt.timedelta(days=10),
        )
        return services.incoming_route(actor=self.u("lanhdao"), document=doc, plan=plan)

    def in_progress(self, **overrides: Any) -> IncomingDocument:
        doc = self.assigned(**overrides)
        return services.incoming_assign_handler(
            actor=self.u("truongphong"), document=doc, handler=self.u("chuyenvien")
        )

    def done(self, **overrides: Any) -> IncomingDocument:
        doc = self.in_progress(**overrides)
        return services.incoming_complete(
            actor=self.u("chuyenvien"), document=doc, note="Đã dự thảo báo cáo."
        )

    def closed(self, **overrides: Any) -> IncomingDocument:
        doc = self.done(**overrides)
        return services.incoming_close(actor=self.u("lanhdao"), document=doc, note="Lưu hồ sơ.")

    def cancelled(self, **overrides: Any) -> IncomingDocument:
        doc = self.registered(**overrides)
        return services.incoming_cancel(
            actor=self.u("vanthu"), document=doc, reason="Vào sổ nhầm văn bản."
        )

    def to(self, status: str, **overrides: Any) -> IncomingDocument:
        doc = getattr(self, str(status))(**overrides)
        doc = IncomingDocument.objects.get(pk=doc.pk)
        assert doc.status == status
        return doc


@pytest.fixture
def walk(demo) -> Walk:
    return Walk(demo)


def _viewer(walk: Walk, doc: IncomingDocument, *candidates: User | None) -> User:
    """The first candidate who may see the document, else the Chánh Văn phòng."""
    for person in candidates:
        if person is not None and can(person, "documents.view", doc):
            return person
    return walk.u("lanhdao")


def _unit_head(walk: Walk, doc: IncomingDocument) -> User | None:
    if doc.lead_unit_id is None:
        return None
    return User.objects.filter(unit_id=doc.lead_unit_id, roles__role="lanh_dao_don_vi").first()


def _perform(walk: Walk, doc: IncomingDocument, action: str, spare: IncomingDocument) -> Any:
    """Call the service for `action` as the person who would normally do it."""
    lanhdao, vanthu = walk.u("lanhdao"), walk.u("vanthu")
    handler = doc.handler
    head = _unit_head(walk, doc)
    calls: dict[str, Callable[[], Any]] = {
        A.PRESENT: lambda: services.incoming_present(actor=vanthu, document=doc, to=lanhdao),
        A.RETURN_TO_CLERK: lambda: services.incoming_return_to_clerk(
            actor=lanhdao, document=doc, note="Bổ sung bản gốc."
        ),
        A.ROUTE: lambda: services.incoming_route(
            actor=lanhdao,
            document=doc,
            plan=services.Assignment(direction="Giao xử lý.", lead_unit=walk.demo.unit(LEAD)),
        ),
        A.REASSIGN: lambda: services.incoming_reassign(
            actor=lanhdao,
            document=doc,
            plan=services.Assignment(direction="Giao lại.", lead_unit=walk.demo.unit(OTHER)),
        ),
        A.ASSIGN_HANDLER: lambda: services.incoming_assign_handler(
            actor=_viewer(walk, doc, head),
            document=doc,
            handler=walk.u("chuyenvien"),
        ),
        A.FORWARD: lambda: services.incoming_forward(
            actor=_viewer(walk, doc, head),
            document=doc,
            to_unit=walk.demo.unit(OTHER),
            note="Thuộc chức năng của phòng khác.",
        ),
        A.START: lambda: services.incoming_start(
            actor=_viewer(walk, doc, handler, head), document=doc
        ),
        A.PROGRESS: lambda: services.incoming_progress(
            actor=_viewer(walk, doc, handler, head), document=doc, note="Đang tổng hợp số liệu."
        ),
        A.CO_DONE: lambda: services.incoming_co_done(
            actor=_viewer(walk, doc, walk.u("chuyenvien2")), document=doc, note="Đã góp ý."
        ),
        A.COMPLETE: lambda: services.incoming_complete(
            actor=_viewer(walk, doc, handler, head), document=doc, note="Xong."
        ),
        A.RETURN: lambda: services.incoming_return(
            actor=lanhdao, document=doc, note="Bổ sung số liệu quý II."
        ),
        A.EXTEND: lambda: services.incoming_extend(
            actor=lanhdao,
            document=doc,
            due_date=(doc.due_date or today()) + dt.timedelta(days=7),
            note="Chờ số liệu.",
        ),
        A.CLOSE: lambda: services.incoming_close(actor=lanhdao, document=doc, note="Lưu."),
        A.CANCEL: lambda: services.incoming_cancel(
            actor=vanthu, document=doc, reason="Vào sổ nhầm."
        ),
        A.EDIT: lambda: services.incoming_edit(
            actor=vanthu, document=doc, summary="Trích yếu đã sửa lại cho đúng"
        ),
        A.LINK_DUPLICATE: lambda: services.incoming_link_duplicate(
            actor=vanthu, document=doc, original=spare
        ),
    }
    return calls[action]()


def _snapshot(doc: IncomingDocument) -> tuple[Any, ...]:
    row = IncomingDocument.objects.filter(pk=doc.pk).values().get()
    items = list(
        WorkItem.objects.filter(document_id=doc.pk)
        .order_by("id")
        .values_list("id", "user_id", "kind", "status", "due_date", "done_at")
    )
    events = list(DocumentEvent.objects.filter(document_id=doc.pk).values_list("id", flat=True))
    files = doc.files.count()
    return row, items, events, files, AuditEvent.objects.count()


def test_the_state_machine_table_matches_the_expected_table():
    assert set(TRANSITIONS) == set(EXPECTED)
    for action, (starts, _) in TRANSITIONS.items():
        assert set(starts) == set(EXPECTED[action]), action


ALL_PAIRS = [(status, action) for status in S.values for action in EXPECTED]


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_as_the_table_says(walk, status, action):
    spare = walk.registered(code_notation="999-CV/VPTW")
    doc = walk.to(status)
    expected = EXPECTED[action].get(status)
    before = _snapshot(doc)
    if expected is None:
        with pytest.raises(InvalidTransition) as caught:
            _perform(walk, doc, action, spare)
        message = caught.value.message
        assert message.startswith("Không thể “")
        assert f"trạng thái “{Status(status).label}”" in message
        assert _snapshot(doc) == before
        return
    events_before = DocumentEvent.objects.filter(document=doc).count()
    audit_before = AuditEvent.objects.count()
    _perform(walk, doc, action, spare)
    doc.refresh_from_db()
    assert doc.status == expected
    events = DocumentEvent.objects.filter(document=doc).order_by("id")
    assert events.count() == events_before + 1
    last = events.last()
    assert last is not None
    assert (last.action, last.from_status, last.to_status) == (action, status, expected)
    assert AuditEvent.objects.count() == audit_before + 1
    audit = AuditEvent.objects.order_by("-id").first()
    assert audit is not None
    assert audit.action == f"incoming.{action}"
    assert audit.object_id == str(doc.pk)
    assert audit_verify().ok


# --- the named scenarios -------------------------------------------------------------------


def test_completing_an_unassigned_document_is_refused(walk):
    doc = walk.to(S.ASSIGNED)
    before = _snapshot(doc)
    with pytest.raises(InvalidTransition) as caught:
        services.incoming_complete(actor=walk.u("truongphong"), document=doc)
    assert "chỉ hoàn thành được văn bản đã phân công người xử lý" in caught.value.message
    with pytest.raises(PermissionDenied):
        services.incoming_complete(actor=walk.u("chuyenvien"), document=doc)
    assert _snapshot(doc) == before


def test_only_the_assigned_handler_completes(walk):
    doc = walk.to(S.IN_PROGRESS)
    for other in ("chuyenvien2", "truongphong", "lanhdao", "vanthu"):
        with pytest.raises(PermissionDenied):
            services.incoming_complete(actor=walk.u(other), document=doc)
    doc = services.incoming_complete(actor=walk.u("chuyenvien"), document=doc)
    assert doc.status == S.DONE


def test_someone_who_cannot_see_the_document_learns_nothing_about_its_state(walk):
    doc = walk.to(S.CLOSED)
    with pytest.raises(PermissionDenied):
        services.incoming_present(actor=walk.u("vanthubtc"), document=doc, to=walk.u("lanhdao"))
    with pytest.raises(PermissionDenied):
        services.incoming_complete(actor=walk.u("cvdv"), document=doc.pk)


def test_a_leader_delegates_routing_to_a_unit_head_who_routes_on_their_behalf(walk):
    lanhdao, delegate = walk.u("lanhdao"), walk.u("truongphong")
    doc = walk.to(S.PRESENTED)
    assert not can(delegate, "documents.route", doc)
    delegation = services.delegation_create(
        actor=lanhdao,
        to_user=delegate,
        start_date=today(),
        end_date=today() + dt.timedelta(days=3),
        note="Đi công tác",
    )
    assert AuditEvent.objects.filter(action="incoming.delegation_created").count() == 1
    delegate = walk.u("truongphong")
    assert can(delegate, "documents.route", doc)
    plan = services.Assignment(
        direction="Giao Phòng Đảng vụ.", lead_unit=walk.demo.unit("Phòng Đảng vụ")
    )
    doc = services.incoming_route(actor=delegate, document=doc, plan=plan)
    assert doc.status == S.ASSIGNED
    assert doc.routed_by_id == lanhdao.pk
    event = DocumentEvent.objects.filter(document=doc, action=A.ROUTE).get()
    assert event.actor_id == delegate.pk
    assert event.on_behalf_of_id == lanhdao.pk
    assert delegation.pk


def test_a_delegation_ends_after_its_last_day(walk):
    lanhdao = walk.u("lanhdao")
    services.delegation_create(
        actor=lanhdao,
        to_user=walk.u("truongphong"),
        start_date=today(),
        end_date=today() + dt.timedelta(days=1),
    )
    doc = walk.to(S.PRESENTED)
    assert can(walk.u("truongphong"), "documents.route", doc)
    Delegation.objects.update(
        start_date=today() - dt.timedelta(days=7), end_date=today() - dt.timedelta(days=1)
    )
    delegate = walk.u("truongphong")
    assert not can(delegate, "documents.route", doc)
    with pytest.raises(PermissionDenied):
        services.incoming_route(
            actor=delegate,
            document=doc,
            plan=services.Assignment(lead_unit=walk.demo.unit(LEAD)),
        )
    assert IncomingDocument.objects.get(pk=doc.pk).status == S.PRESENTED


def test_a_delegation_that_has_not_started_gives_nothing_yet(walk):
    services.delegation_create(
        actor=walk.u("lanhdao"),
        to_user=walk.u("truongphong"),
        start_date=today() + dt.timedelta(days=2),
        end_date=today() + dt.timedelta(days=5),
    )
    doc = walk.to(S.PRESENTED)
    assert not can(walk.u("truongphong"), "documents.route", doc)


def test_a_revoked_delegation_stops_at_once(walk):
    lanhdao = walk.u("lanhdao")
    delegation = services.delegation_create(
        actor=lanhdao,
        to_user=walk.u("truongphong"),
        start_date=today(),
        end_date=today() + dt.timedelta(days=3),
    )
    doc = walk.to(S.PRESENTED)
    assert can(walk.u("truongphong"), "documents.route", doc)
    with pytest.raises(DomainError, match="Chỉ người ủy quyền"):
        services.delegation_revoke(actor=walk.u("phochanh"), delegation=delegation)
    services.delegation_revoke(actor=lanhdao, delegation=delegation)
    assert Delegation.objects.get(pk=delegation.pk).revoked_at is not None
    assert not can(walk.u("truongphong"), "documents.route", doc)
    assert AuditEvent.objects.filter(action="incoming.delegation_revoked").count() == 1


def test_only_routers_delegate_and_only_within_their_organisation(walk):
    with pytest.raises(PermissionDenied):
        services.delegation_create(
            actor=walk.u("truongphong"),
            to_user=walk.u("chuyenvien"),
            start_date=today(),
            end_date=today(),
        )
    with pytest.raises(DomainError, match="cùng cơ quan"):
        services.delegation_create(
            actor=walk.u("lanhdao"),
            to_user=walk.u("vanthubtc"),
            start_date=today(),
            end_date=today(),
        )
    with pytest.raises(DomainError, match="sau ngày bắt đầu"):
        services.delegation_create(
            actor=walk.u("lanhdao"),
            to_user=walk.u("truongphong"),
            start_date=today(),
            end_date=today() - dt.timedelta(days=1),
        )
    assert not Delegation.objects.exists()


def test_the_lead_unit_forwards_to_another_unit(walk):
    doc = walk.to(S.ASSIGNED)
    truongphong, tphcl = walk.u("truongphong"), walk.u("tphcl")
    doc = services.incoming_forward(
        actor=truongphong, document=doc, to_unit=walk.demo.unit(OTHER), note="Thuộc lưu trữ."
    )
    assert doc.status == S.ASSIGNED
    assert doc.lead_unit == walk.demo.unit(OTHER)
    assert WorkItem.objects.filter(
        document=doc, user=tphcl, kind=WorkKind.LEAD_UNIT, status=WorkStatus.OPEN
    ).exists()
    assert not WorkItem.objects.filter(
        document=doc, user=truongphong, kind=WorkKind.LEAD_UNIT, status=WorkStatus.OPEN
    ).exists()
    assert not can(walk.u("truongphong"), "documents.unit_assign", doc)
    doc = services.incoming_assign_handler(actor=tphcl, document=doc, handler=walk.u("cvhcl"))
    assert doc.status == S.IN_PROGRESS and doc.handler == walk.u("cvhcl")


def test_forwarding_to_the_same_unit_or_without_a_reason_is_refused(walk):
    doc = walk.to(S.ASSIGNED)
    before = _snapshot(doc)
    with pytest.raises(DomainError, match="đơn vị khác"):
        services.incoming_forward(
            actor=walk.u("truongphong"), document=doc, to_unit=walk.demo.unit(LEAD), note="x"
        )
    with pytest.raises(DomainError, match="lý do"):
        services.incoming_forward(
            actor=walk.u("truongphong"), document=doc, to_unit=walk.demo.unit(OTHER), note=" "
        )
    assert _snapshot(doc) == before


def test_a_returned_result_is_handled_again_and_completed_again(walk):
    doc = walk.to(S.DONE)
    lanhdao, handler = walk.u("lanhdao"), walk.u("chuyenvien")
    assert WorkItem.objects.filter(
        document=doc, user=lanhdao, kind=WorkKind.REVIEW, status=WorkStatus.OPEN
    ).exists()
    doc = services.incoming_return(actor=lanhdao, document=doc, note="Bổ sung số liệu.")
    assert doc.status == S.IN_PROGRESS
    assert doc.completed_at is None
    assert WorkItem.objects.filter(
        document=doc, user=handler, kind=WorkKind.HANDLE, status=WorkStatus.ACTIVE
    ).exists()
    assert not WorkItem.objects.filter(
        document=doc, kind=WorkKind.REVIEW, status=WorkStatus.OPEN
    ).exists()
    doc = services.incoming_complete(actor=handler, document=doc, reply_reference="12-BC/VPTU")
    assert doc.status == S.DONE
    assert doc.reply_reference == "12-BC/VPTU"
    assert doc.completed_on_time is True
    doc = services.incoming_close(actor=lanhdao, document=doc)
    assert doc.status == S.CLOSED
    actions = list(doc.events.order_by("id").values_list("action", flat=True))
    assert actions[-4:] == [A.COMPLETE, A.RETURN, A.COMPLETE, A.CLOSE]


def test_returning_needs_a_note(walk):
    doc = walk.to(S.DONE)
    with pytest.raises(DomainError, match="yêu cầu xử lý lại"):
        services.incoming_return(actor=walk.u("lanhdao"), document=doc, note="")


def test_the_leader_extends_the_deadline_of_the_document_and_its_open_work(walk):
    doc = walk.to(S.IN_PROGRESS)
    old_due = doc.due_date
    assert old_due is not None
    new_due = old_due + dt.timedelta(days=10)
    doc = services.incoming_extend(
        actor=walk.u("lanhdao"), document=doc, due_date=new_due, note="Chờ ý kiến Thường trực."
    )
    assert doc.due_date == new_due
    open_items = WorkItem.objects.filter(document=doc).exclude(kind=WorkKind.INFO)
    open_items = open_items.exclude(status=WorkStatus.DONE)
    assert open_items.exists()
    assert set(open_items.values_list("due_date", flat=True)) == {new_due}
    event = doc.events.get(action=A.EXTEND)
    assert event.data == {"from": old_due.isoformat(), "to": new_due.isoformat()}


def test_a_deadline_cannot_be_moved_earlier_or_into_the_past(walk):
    doc = walk.to(S.ASSIGNED)
    before = _snapshot(doc)
    assert doc.due_date is not None
    with pytest.raises(DomainError, match="sau hạn hiện tại"):
        services.incoming_extend(
            actor=walk.u("lanhdao"), document=doc, due_date=doc.due_date, note="x"
        )
    with pytest.raises(DomainError, match="trước ngày hôm nay"):
        services.incoming_extend(
            actor=walk.u("lanhdao"),
            document=doc,
            due_date=today() - dt.timedelta(days=1),
            note="x",
        )
    with pytest.raises(PermissionDenied):
        services.incoming_extend(
            actor=walk.u("truongphong"),
            document=doc,
            due_date=doc.due_date + dt.timedelta(days=3),
            note="x",
        )
    assert _snapshot(doc) == before


@pytest.fixture
def headless_unit(demo) -> Unit:
    return Unit.objects.create(organisation=demo.orgs["vptu"], name="Tổ công tác đặc biệt")


def test_a_routing_that_fails_midway_writes_nothing(walk, headless_unit):
    doc = walk.to(S.PRESENTED)
    before = _snapshot(doc)
    plan = services.Assignment(direction="Giao tổ công tác.", lead_unit=headless_unit)
    with pytest.raises(DomainError, match="chưa có lãnh đạo"):
        services.incoming_route(actor=walk.u("lanhdao"), document=doc, plan=plan)
    assert _snapshot(doc) == before


def test_a_routing_whose_co_unit_has_no_head_rolls_back_the_lead_units_work_items(
    walk, headless_unit
):
    doc = walk.to(S.PRESENTED)
    before = _snapshot(doc)
    plan = services.Assignment(
        direction="Phòng Tổng hợp chủ trì.",
        lead_unit=walk.demo.unit(LEAD),
        co_units=[headless_unit],
    )
    with pytest.raises(DomainError, match="Đơn vị phối hợp"):
        services.incoming_route(actor=walk.u("lanhdao"), document=doc, plan=plan)
    assert _snapshot(doc) == before
    assert not WorkItem.objects.filter(document=doc, kind=WorkKind.LEAD_UNIT).exists()
    assert WorkItem.objects.get(document=doc, kind=WorkKind.ROUTE).status == WorkStatus.OPEN


def test_a_forward_to_a_unit_without_a_head_writes_nothing(walk, headless_unit):
    doc = walk.to(S.IN_PROGRESS)
    before = _snapshot(doc)
    with pytest.raises(DomainError, match="chưa có lãnh đạo"):
        services.incoming_forward(
            actor=walk.u("lanhdao"), document=doc, to_unit=headless_unit, note="Chuyển tổ."
        )
    assert _snapshot(doc) == before


def test_picking_a_handler_from_another_unit_writes_nothing(walk):
    doc = walk.to(S.ASSIGNED)
    before = _snapshot(doc)
    with pytest.raises(DomainError, match="không thuộc đơn vị chủ trì"):
        services.incoming_assign_handler(
            actor=walk.u("truongphong"), document=doc, handler=walk.u("cvhcl")
        )
    assert _snapshot(doc) == before


def test_a_routing_to_both_a_unit_and_a_person_is_refused(walk):
    doc = walk.to(S.PRESENTED)
    before = _snapshot(doc)
    plan = services.Assignment(lead_unit=walk.demo.unit(LEAD), lead_user=walk.u("chuyenvien"))
    with pytest.raises(DomainError, match="đúng một nơi chủ trì"):
        services.incoming_route(actor=walk.u("lanhdao"), document=doc, plan=plan)
    assert _snapshot(doc) == before


def test_routing_straight_to_a_person_starts_the_handling(walk):
    doc = walk.to(S.PRESENTED)
    plan = services.Assignment(direction="Đồng chí Ánh xử lý.", lead_user=walk.u("chuyenvien"))
    doc = services.incoming_route(actor=walk.u("lanhdao"), document=doc, plan=plan)
    assert doc.status == S.IN_PROGRESS
    assert doc.handler == walk.u("chuyenvien")
    doc = services.incoming_complete(actor=walk.u("chuyenvien"), document=doc)
    assert doc.status == S.DONE


def test_a_reader_marks_a_document_read_once(walk):
    doc = walk.to(S.ASSIGNED)
    reader = walk.u("chuyenvien3")
    services.incoming_mark_read(actor=reader, document=doc)
    services.incoming_mark_read(actor=reader, document=doc)
    assert doc.events.filter(action=A.READ).count() == 1
    with pytest.raises(PermissionDenied):
        services.incoming_mark_read(actor=walk.u("chuyenvien"), document=doc)


def test_every_step_of_a_full_walk_writes_one_event_and_one_audit_row(walk):
    audit_before = AuditEvent.objects.count()
    doc = walk.to(S.CLOSED)
    events = list(doc.events.order_by("id").values_list("action", flat=True))
    assert events == [A.REGISTER, A.PRESENT, A.ROUTE, A.ASSIGN_HANDLER, A.COMPLETE, A.CLOSE]
    rows = AuditEvent.objects.filter(id__gt=0, object_id=str(doc.pk))
    rows = rows.filter(object_type="documents.incomingdocument")
    assert rows.count() == len(events)
    assert AuditEvent.objects.count() - audit_before == len(events)
    assert audit_verify().ok
