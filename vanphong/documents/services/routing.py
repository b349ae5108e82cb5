"""Routing (phiếu giải quyết văn bản đến): present, direct, assign, handle, follow up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import Unit, User
from vanphong.core.policy import can, require
from vanphong.documents import access
from vanphong.documents.models import (
    Delegation,
    EventAction,
    FileRole,
    IncomingDocument,
    Status,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from vanphong.documents.services.common import (
    attach_files,
    begin,
    check_clearance,
    finish_items,
    notify_after_commit,
    open_item,
    record,
    save_status,
)
from vanphong.files.store import FileBatch

A = EventAction


@dataclass
class Assignment:
    """The leader's decision: one lead (a unit or a person), co-handlers, readers, deadline."""

    direction: str = ""
    lead_unit: Unit | None = None
    lead_user: User | None = None
    co_units: Sequence[Unit] = field(default_factory=list)
    co_users: Sequence[User] = field(default_factory=list)
    info_users: Sequence[User] = field(default_factory=list)
    due_date: date | None = None


def incoming_present(
    *, actor: User, document: IncomingDocument | int, to: User, note: str = ""
) -> IncomingDocument:
    """Văn thư presents the document to a leader who routes."""
    with transaction.atomic():
        doc, target = begin(
            actor=actor, document=document, permission="documents.clerk_action", action=A.PRESENT
        )
        if not access.is_router(to, doc.organisation_id):
            raise DomainError(
                "Người nhận trình phải là lãnh đạo văn phòng hoặc Thường trực.", field="to"
            )
        check_clearance(doc, [to])
        before = doc.status
        doc.presented_to = to
        save_status(doc, target, "presented_to")
        finish_items(doc, kinds=[WorkKind.PRESENT])
        open_item(doc=doc, user=to, kind=WorkKind.ROUTE, by=actor)
        record(
            actor=actor,
            doc=doc,
            action=A.PRESENT,
            from_status=before,
            note=note,
            data={"to": to.pk, "to_name": to.full_name},
        )
    notify_after_commit(
        user_ids=[to.pk],
        doc=doc,
        kind="assignment",
        title=f"Văn bản đến số {doc.arrival_number} chờ ý kiến chỉ đạo",
    )
    return doc


def incoming_return_to_clerk(
    *, actor: User, document: IncomingDocument | int, note: str
) -> IncomingDocument:
    if not note.strip():
        raise DomainError("Vui lòng ghi lý do trả lại.", field="note")
    with transaction.atomic():
        doc, target = begin(
            actor=actor, document=document, permission="documents.route", action=A.RETURN_TO_CLERK
        )
        before = doc.status
        save_status(doc, target)
        finish_items(doc, kinds=[WorkKind.ROUTE])
        open_item(doc=doc, user=doc.registered_by, kind=WorkKind.PRESENT, by=actor)
        record(actor=actor, doc=doc, action=A.RETURN_TO_CLERK, from_status=before, note=note)
    notify_after_commit(
        user_ids=[doc.registered_by_id],
        doc=doc,
        kind="return",
        title=f"Văn bản đến số {doc.arrival_number} bị trả lại văn thư",
    )
    return doc


def _apply_assignment(*, actor: User, doc: IncomingDocument, plan: Assignment) -> list[int]:
    """Write the lead / co / info work items of a routing decision; return who to notify."""
    if (plan.lead_unit is None) == (plan.lead_user is None):
        raise DomainError("Chọn đúng một nơi chủ trì: một đơn vị hoặc một người.", field="lead")
    org_id = doc.organisation_id
    for unit in [plan.lead_unit, *plan.co_units]:
        if unit is not None and unit.organisation_id != org_id:
            raise DomainError(f"Đơn vị “{unit}” không thuộc cơ quan.", field="lead")
    people = [p for p in [plan.lead_user, *plan.co_users, *plan.info_users] if p is not None]
    for person in people:
        if person.organisation_id != org_id or not person.is_active:
            raise DomainError(f"“{person}” không thuộc cơ quan hoặc đã ngừng hoạt động.")
    due = plan.due_date or doc.due_date
    if due is not None and due < doc.arrival_date:
        raise DomainError("Hạn xử lý không được trước ngày đến.", field="due_date")
    finish_items(
        doc,
        kinds=[WorkKind.ROUTE, WorkKind.LEAD_UNIT, WorkKind.HANDLE, WorkKind.CO, WorkKind.REVIEW],
    )
    notify: list[int] = []
    doc.lead_unit, doc.lead_user, doc.handler = plan.lead_unit, plan.lead_user, None
    if plan.lead_unit is not None:
        heads = access.unit_heads(plan.lead_unit)
        if not heads:
            raise DomainError(
                f"Đơn vị “{plan.lead_unit}” chưa có lãnh đạo để nhận văn bản.", field="lead"
            )
        heads = [h for h in heads if h.clearance >= doc.secrecy] or heads
        check_clearance(doc, heads)
        for head in heads:
            open_item(
                doc=doc,
                user=head,
                kind=WorkKind.LEAD_UNIT,
                by=actor,
                due=due,
                unit_id=plan.lead_unit.pk,
            )
            notify.append(head.pk)
    else:
        assert plan.lead_user is not None
        check_clearance(doc, [plan.lead_user])
        doc.handler = plan.lead_user
        open_item(doc=doc, user=plan.lead_user, kind=WorkKind.HANDLE, by=actor, due=due)
        notify.append(plan.lead_user.pk)
    co_people: list[tuple[User, int | None]] = [(u, None) for u in plan.co_users]
    for unit in plan.co_units:
        if plan.lead_unit is not None and unit.pk == plan.lead_unit.pk:
            continue
        heads = access.unit_heads(unit)
        if not heads:
            raise DomainError(f"Đơn vị phối hợp “{unit}” chưa có lãnh đạo.", field="co_units")
        co_people.extend((h, unit.pk) for h in heads)
    check_clearance(doc, [p for p, _ in co_people] + list(plan.info_users))
    for person, unit_id in co_people:
        open_item(doc=doc, user=person, kind=WorkKind.CO, by=actor, due=due, unit_id=unit_id)
        notify.append(person.pk)
    for person in plan.info_users:
        open_item(doc=doc, user=person, kind=WorkKind.INFO, by=actor)
        notify.append(person.pk)
    doc.due_date = due
    doc.direction = plan.direction.strip()
    doc.routed_by = access.acting_for(actor) or actor
    return notify


def _route(
    *, actor: User, document: IncomingDocument | int, plan: Assignment, action: str
) -> IncomingDocument:
    with transaction.atomic():
        doc, _ = begin(actor=actor, document=document, permission="documents.route", action=action)
        before = doc.status
        notify = _apply_assignment(actor=actor, doc=doc, plan=plan)
        target = Status.IN_PROGRESS if plan.lead_user is not None else Status.ASSIGNED
        save_status(
            doc, target, "lead_unit", "lead_user", "handler", "due_date", "direction", "routed_by"
        )
        record(
            actor=actor,
            doc=doc,
            action=action,
            from_status=before,
            note=plan.direction,
            data={
                "lead_unit": str(plan.lead_unit or ""),
                "lead_user": str(plan.lead_user or ""),
                "co": [str(x) for x in [*plan.co_units, *plan.co_users]],
                "info": [str(x) for x in plan.info_users],
                "due_date": doc.due_date.isoformat() if doc.due_date else None,
            },
        )
    notify_after_commit(
        user_ids=notify,
        doc=doc,
        kind="assignment",
        title=f"Được giao văn bản đến số {doc.arrival_number}: {doc.code_notation}",
    )
    return doc


def incoming_route(
    *, actor: User, document: IncomingDocument | int, plan: Assignment
) -> IncomingDocument:
    """Leader writes the direction and assigns lead, co-handlers, readers and the deadline."""
    return _route(actor=actor, document=document, plan=plan, action=A.ROUTE)


def incoming_reassign(
    *, actor: User, document: IncomingDocument | int, plan: Assignment
) -> IncomingDocument:
    """Leader changes an earlier routing decision; earlier open work items are closed."""
    return _route(actor=actor, document=document, plan=plan, action=A.REASSIGN)


def incoming_assign_handler(
    *,
    actor: User,
    document: IncomingDocument | int,
    handler: User,
    note: str = "",
    co_users: Sequence[User] = (),
) -> IncomingDocument:
    """The head of the lead unit picks the specialist (and optional helpers in the unit)."""
    with transaction.atomic():
        doc, target = begin(
            actor=actor,
            document=document,
            permission="documents.unit_assign",
            action=A.ASSIGN_HANDLER,
        )
        for person in [handler, *co_users]:
            if person.unit_id != doc.lead_unit_id or not person.is_active:
                raise DomainError(f"“{person}” không thuộc đơn vị chủ trì.", field="handler")
        check_clearance(doc, [handler, *co_users])
        before = doc.status
        finish_items(doc, kinds=[WorkKind.LEAD_UNIT, WorkKind.HANDLE])
        doc.handler = handler
        open_item(
            doc=doc,
            user=handler,
            kind=WorkKind.HANDLE,
            by=actor,
            due=doc.due_date,
            unit_id=doc.lead_unit_id,
        )
        for person in co_users:
            open_item(
                doc=doc,
                user=person,
                kind=WorkKind.CO,
                by=actor,
                due=doc.due_date,
                unit_id=doc.lead_unit_id,
            )
        save_status(doc, target, "handler")
        record(
            actor=actor,
            doc=doc,
            action=A.ASSIGN_HANDLER,
            from_status=before,
            note=note,
            data={"handler": handler.full_name, "co": [u.full_name for u in co_users]},
        )
    notify_after_commit(
        user_ids=[handler.pk, *[u.pk for u in co_users]],
        doc=doc,
        kind="assignment",
        title=f"Được phân công xử lý văn bản đến số {doc.arrival_number}",
    )
    return doc


def incoming_forward(
    *, actor: User, document: IncomingDocument | int, to_unit: Unit, note: str
) -> IncomingDocument:
    """The lead unit (or the leader) hands the document to another unit as the new lead."""
    if not note.strip():
        raise DomainError("Vui lòng ghi lý do chuyển đơn vị khác.", field="note")
    with transaction.atomic():
        doc, target = begin(
            actor=actor, document=document, permission="documents.view", action=A.FORWARD
        )
        if not (can(actor, "documents.unit_assign", doc) or can(actor, "documents.route", doc)):
            raise DomainError("Chỉ lãnh đạo đơn vị chủ trì hoặc lãnh đạo văn phòng được chuyển.")
        if to_unit.organisation_id != doc.organisation_id or to_unit.pk == doc.lead_unit_id:
            raise DomainError("Hãy chọn một đơn vị khác của cơ quan.", field="to_unit")
        heads = access.unit_heads(to_unit)
        if not heads:
            raise DomainError(f"Đơn vị “{to_unit}” chưa có lãnh đạo.", field="to_unit")
        check_clearance(doc, heads)
        before, old_unit = doc.status, doc.lead_unit
        finish_items(doc, kinds=[WorkKind.LEAD_UNIT, WorkKind.HANDLE])
        doc.lead_unit, doc.lead_user, doc.handler = to_unit, None, None
        for head in heads:
            open_item(
                doc=doc,
                user=head,
                kind=WorkKind.LEAD_UNIT,
                by=actor,
                due=doc.due_date,
                unit_id=to_unit.pk,
            )
        save_status(doc, target, "lead_unit", "lead_user", "handler")
        record(
            actor=actor,
            doc=doc,
            action=A.FORWARD,
            from_status=before,
            note=note,
            data={"from_unit": str(old_unit or ""), "to_unit": str(to_unit)},
        )
    notify_after_commit(
        user_ids=[h.pk for h in heads],
        doc=doc,
        kind="assignment",
        title=f"Văn bản đến số {doc.arrival_number} được chuyển tới đơn vị",
    )
    return doc


def incoming_start(*, actor: User, document: IncomingDocument | int) -> IncomingDocument:
    """The handler takes the document up (chờ xử lý → đang xử lý in their list)."""
    with transaction.atomic():
        doc, _ = begin(
            actor=actor, document=document, permission="documents.handle", action=A.START
        )
        updated = WorkItem.objects.filter(
            document=doc, user=actor, kind=WorkKind.HANDLE, status=WorkStatus.OPEN
        ).update(status=WorkStatus.ACTIVE)
        if updated:
            record(actor=actor, doc=doc, action=A.START, from_status=doc.status)
    return doc


def incoming_progress(
    *, actor: User, document: IncomingDocument | int, note: str, files: Sequence[UploadedFile] = ()
) -> IncomingDocument:
    """A progress note (and files) from the handler, a co-handler or the lead unit's head."""
    if not note.strip():
        raise DomainError("Vui lòng nhập nội dung tiến độ.", field="note")
    with FileBatch() as batch, transaction.atomic():
        doc, _ = begin(
            actor=actor, document=document, permission="documents.progress", action=A.PROGRESS
        )
        stored = attach_files(
            actor=actor, doc=doc, files=files, role=FileRole.PROGRESS, batch=batch
        )
        WorkItem.objects.filter(
            document=doc,
            user=actor,
            kind__in=[WorkKind.HANDLE, WorkKind.CO],
            status=WorkStatus.OPEN,
        ).update(status=WorkStatus.ACTIVE)
        record(
            actor=actor,
            doc=doc,
            action=A.PROGRESS,
            from_status=doc.status,
            note=note,
            data={"files": [f.name for f in stored]},
        )
    return doc


def incoming_co_done(
    *, actor: User, document: IncomingDocument | int, note: str = ""
) -> IncomingDocument:
    with transaction.atomic():
        doc, _ = begin(
            actor=actor, document=document, permission="documents.co_handle", action=A.CO_DONE
        )
        finish_items(doc, kinds=[WorkKind.CO], users=[actor.pk])
        record(actor=actor, doc=doc, action=A.CO_DONE, from_status=doc.status, note=note)
    return doc


def incoming_complete(
    *, actor: User, document: IncomingDocument | int, note: str = "", reply_reference: str = ""
) -> IncomingDocument:
    """The handler reports the work done; the leader who routed it reviews and closes."""
    with transaction.atomic():
        doc, target = begin(
            actor=actor, document=document, permission="documents.handle", action=A.COMPLETE
        )
        before = doc.status
        now = timezone.now()
        doc.completed_at = now
        doc.completed_on_time = doc.due_date is None or timezone.localdate(now) <= doc.due_date
        doc.reply_reference = reply_reference.strip()[:200]
        save_status(doc, target, "completed_at", "completed_on_time", "reply_reference")
        finish_items(doc, kinds=[WorkKind.HANDLE, WorkKind.CO, WorkKind.LEAD_UNIT])
        reviewer = doc.routed_by
        if reviewer is not None:
            open_item(doc=doc, user=reviewer, kind=WorkKind.REVIEW, by=actor)
        record(
            actor=actor,
            doc=doc,
            action=A.COMPLETE,
            from_status=before,
            note=note,
            data={"reply": doc.reply_reference, "on_time": doc.completed_on_time},
        )
    notify_after_commit(
        user_ids=[doc.routed_by_id or 0],
        doc=doc,
        kind="done",
        title=f"Văn bản đến số {doc.arrival_number} đã xử lý xong, chờ kết thúc",
    )
    return doc


def incoming_return(
    *, actor: User, document: IncomingDocument | int, note: str
) -> IncomingDocument:
    """The leader sends the result back to the handler for more work."""
    if not note.strip():
        raise DomainError("Vui lòng ghi yêu cầu xử lý lại.", field="note")
    with transaction.atomic():
        doc, target = begin(
            actor=actor, document=document, permission="documents.route", action=A.RETURN
        )
        before = doc.status
        doc.completed_at, doc.completed_on_time = None, None
        save_status(doc, target, "completed_at", "completed_on_time")
        finish_items(doc, kinds=[WorkKind.REVIEW])
        if doc.handler is not None:
            open_item(
                doc=doc,
                user=doc.handler,
                kind=WorkKind.HANDLE,
                by=actor,
                due=doc.due_date,
                status=WorkStatus.ACTIVE,
                unit_id=doc.lead_unit_id,
            )
        record(actor=actor, doc=doc, action=A.RETURN, from_status=before, note=note)
    notify_after_commit(
        user_ids=[doc.handler_id or 0],
        doc=doc,
        kind="return",
        title=f"Văn bản đến số {doc.arrival_number} được trả lại để xử lý tiếp",
    )
    return doc


def incoming_extend(
    *, actor: User, document: IncomingDocument | int, due_date: date, note: str
) -> IncomingDocument:
    with transaction.atomic():
        doc, _ = begin(
            actor=actor, document=document, permission="documents.route", action=A.EXTEND
        )
        if due_date < access.today():
            raise DomainError("Hạn mới không được trước ngày hôm nay.", field="due_date")
        if doc.due_date is not None and due_date <= doc.due_date:
            raise DomainError("Hạn mới phải sau hạn hiện tại.", field="due_date")
        old = doc.due_date
        doc.due_date = due_date
        doc.save(update_fields=["due_date", "updated_at"])
        WorkItem.objects.filter(document=doc).exclude(kind=WorkKind.INFO).exclude(
            status=WorkStatus.DONE
        ).update(due_date=due_date)
        record(
            actor=actor,
            doc=doc,
            action=A.EXTEND,
            from_status=doc.status,
            note=note,
            data={"from": old.isoformat() if old else None, "to": due_date.isoformat()},
        )
    notify_after_commit(
        user_ids=[doc.handler_id or 0],
        doc=doc,
        kind="deadline",
        title=f"Văn bản đến số {doc.arrival_number} được gia hạn đến {due_date:%d/%m/%Y}",
    )
    return doc


def incoming_close(
    *, actor: User, document: IncomingDocument | int, note: str = ""
) -> IncomingDocument:
    """The leader closes the file (after the result, or at once: "lưu, để biết")."""
    with transaction.atomic():
        doc, target = begin(
            actor=actor, document=document, permission="documents.route", action=A.CLOSE
        )
        before = doc.status
        if doc.completed_at is None:
            doc.completed_at = timezone.now()
            doc.completed_on_time = doc.due_date is None or access.today() <= doc.due_date
        save_status(doc, target, "completed_at", "completed_on_time")
        finish_items(doc, kinds=None)
        record(actor=actor, doc=doc, action=A.CLOSE, from_status=before, note=note)
    return doc


def incoming_mark_read(*, actor: User, document: IncomingDocument | int) -> None:
    with transaction.atomic():
        doc = IncomingDocument.objects.get(
            pk=document if isinstance(document, int) else document.pk
        )
        require(actor, "documents.read_info", doc)
        updated = WorkItem.objects.filter(
            document=doc, user=actor, kind=WorkKind.INFO, status=WorkStatus.OPEN
        ).update(status=WorkStatus.DONE, done_at=timezone.now())
        if updated:
            record(actor=actor, doc=doc, action=A.READ, from_status=doc.status)


def secret_access_record(*, actor: User, document: IncomingDocument, what: str) -> None:
    """Every view or download of a secret document goes to the audit log."""
    if document.secrecy:
        audit_record(
            actor=actor,
            action=f"incoming.secret_{what}",
            obj=document,
            summary=f"{'Xem' if what == 'view' else 'Tải tệp'} văn bản "
            f"{document.get_secrecy_display()} số đến {document.arrival_number}",
        )


def delegation_create(
    *, actor: User, to_user: User, start_date: date, end_date: date, note: str = ""
) -> Delegation:
    require(
        actor,
        "documents.delegate",
        None,
        "Chỉ lãnh đạo văn phòng hoặc Thường trực được ủy quyền xử lý văn bản.",
    )
    if to_user.pk == actor.pk or to_user.organisation_id != actor.organisation_id:
        raise DomainError(
            "Người được ủy quyền phải là người khác trong cùng cơ quan.", field="to_user"
        )
    if end_date < start_date:
        raise DomainError("Ngày kết thúc phải sau ngày bắt đầu.", field="end_date")
    if end_date < access.today():
        raise DomainError("Thời gian ủy quyền đã qua.", field="end_date")
    with transaction.atomic():
        delegation = Delegation.objects.create(
            from_user=actor,
            to_user=to_user,
            start_date=start_date,
            end_date=end_date,
            note=note.strip()[:300],
        )
        audit_record(
            actor=actor,
            action="incoming.delegation_created",
            obj=delegation,
            summary=f"Ủy quyền cho {to_user.full_name} từ {start_date:%d/%m/%Y} "
            f"đến {end_date:%d/%m/%Y}",
        )
    return delegation


def delegation_revoke(*, actor: User, delegation: Delegation) -> None:
    if delegation.from_user_id != actor.pk:
        raise DomainError("Chỉ người ủy quyền được thu hồi ủy quyền.")
    with transaction.atomic():
        if delegation.revoked_at is None:
            delegation.revoked_at = timezone.now()
            delegation.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="incoming.delegation_revoked",
                obj=delegation,
                summary=f"Thu hồi ủy quyền cho {delegation.to_user.full_name}",
            )
