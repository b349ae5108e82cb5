"""The actions of the detail page: slug → (permission, workflow step, form, service).

`available_actions(user, doc)` is what the template shows; the services check the policy and
the state machine again when the form is posted, so hiding a button is never the only guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import DENIED_MESSAGE, can
from vanphong.documents import action_forms as f
from vanphong.documents import services, workflow
from vanphong.documents.models import EventAction, IncomingDocument, WorkItem, WorkKind, WorkStatus

A = EventAction
Runner = Callable[[User, IncomingDocument, dict[str, Any]], object]


@dataclass(frozen=True)
class ActionSpec:
    slug: str
    label: str
    permissions: tuple[str, ...]  # any one of them is enough
    transition: str | None  # the workflow action; None: not a state-machine step
    form_class: type[f.ActionForm]
    run: Runner
    done: str  # shown after success
    style: str = "outline-primary"
    help: str = ""
    only_if: Callable[[User, IncomingDocument], bool] | None = None

    def form(self, user: User, doc: IncomingDocument, *args: Any) -> f.ActionForm:
        return self.form_class(*args, doc=doc, user=user)


def _has_open_item(kind: str, *statuses: str) -> Callable[[User, IncomingDocument], bool]:
    def check(user: User, doc: IncomingDocument) -> bool:
        return WorkItem.objects.filter(
            document=doc, user=user, kind=kind, status__in=statuses or (WorkStatus.OPEN,)
        ).exists()

    return check


def _plan(d: dict[str, Any]) -> services.Assignment:
    return services.Assignment(
        direction=d.get("direction") or "",
        lead_unit=d.get("lead_unit"),
        lead_user=d.get("lead_user"),
        co_units=list(d.get("co_units") or []),
        co_users=list(d.get("co_users") or []),
        info_users=list(d.get("info_users") or []),
        due_date=d.get("due_date"),
    )


def _edit(u: User, doc: IncomingDocument, d: dict[str, Any]) -> object:
    return services.incoming_edit(
        actor=u,
        document=doc,
        summary=d.get("summary"),
        notes=d.get("notes"),
        due_date=d.get("due_date"),
        urgency=d.get("urgency"),
        signer_name=d.get("signer_name"),
        page_count=d.get("page_count"),
        files=d.get("attachments") or [],
    )


_SPECS = [
    ActionSpec(
        "present",
        "Trình lãnh đạo",
        ("documents.clerk_action",),
        A.PRESENT,
        f.PresentForm,
        lambda u, doc, d: services.incoming_present(
            actor=u, document=doc, to=d["to"], note=d["note"]
        ),
        "Đã trình lãnh đạo.",
        style="primary",
    ),
    ActionSpec(
        "route",
        "Cho ý kiến chỉ đạo, giao xử lý",
        ("documents.route",),
        A.ROUTE,
        f.RouteForm,
        lambda u, doc, d: services.incoming_route(actor=u, document=doc, plan=_plan(d)),
        "Đã giao xử lý văn bản.",
        style="primary",
        help="Chọn một đơn vị chủ trì hoặc một người chủ trì.",
    ),
    ActionSpec(
        "assign_handler",
        "Phân công chuyên viên",
        ("documents.unit_assign",),
        A.ASSIGN_HANDLER,
        f.AssignHandlerForm,
        lambda u, doc, d: services.incoming_assign_handler(
            actor=u, document=doc, handler=d["handler"], note=d["note"], co_users=d["co_users"]
        ),
        "Đã phân công chuyên viên xử lý.",
        style="primary",
    ),
    ActionSpec(
        "start",
        "Nhận xử lý",
        ("documents.handle",),
        A.START,
        f.NoFieldsForm,
        lambda u, doc, d: services.incoming_start(actor=u, document=doc),
        "Đã nhận xử lý văn bản.",
        style="primary",
        only_if=_has_open_item(WorkKind.HANDLE),
    ),
    ActionSpec(
        "progress",
        "Cập nhật tiến độ",
        ("documents.progress",),
        A.PROGRESS,
        f.ProgressForm,
        lambda u, doc, d: services.incoming_progress(
            actor=u, document=doc, note=d["note"], files=d.get("attachments") or []
        ),
        "Đã cập nhật tiến độ.",
    ),
    ActionSpec(
        "complete",
        "Hoàn thành xử lý",
        ("documents.handle",),
        A.COMPLETE,
        f.CompleteForm,
        lambda u, doc, d: services.incoming_complete(
            actor=u, document=doc, note=d["note"], reply_reference=d["reply_reference"]
        ),
        "Đã báo cáo hoàn thành; văn bản chờ lãnh đạo kết thúc.",
        style="success",
    ),
    ActionSpec(
        "co_done",
        "Hoàn thành phần phối hợp",
        ("documents.co_handle",),
        A.CO_DONE,
        f.NoteForm,
        lambda u, doc, d: services.incoming_co_done(actor=u, document=doc, note=d["note"]),
        "Đã hoàn thành phần phối hợp.",
        style="success",
        only_if=_has_open_item(WorkKind.CO, WorkStatus.OPEN, WorkStatus.ACTIVE),
    ),
    ActionSpec(
        "close",
        "Kết thúc",
        ("documents.route",),
        A.CLOSE,
        f.NoteForm,
        lambda u, doc, d: services.incoming_close(actor=u, document=doc, note=d["note"]),
        "Đã kết thúc xử lý văn bản.",
        style="success",
    ),
    ActionSpec(
        "return",
        "Trả lại, yêu cầu xử lý lại",
        ("documents.route",),
        A.RETURN,
        f.ReturnForm,
        lambda u, doc, d: services.incoming_return(actor=u, document=doc, note=d["note"]),
        "Đã trả lại để xử lý tiếp.",
        style="outline-danger",
    ),
    ActionSpec(
        "reassign",
        "Giao lại",
        ("documents.route",),
        A.REASSIGN,
        f.ReassignForm,
        lambda u, doc, d: services.incoming_reassign(actor=u, document=doc, plan=_plan(d)),
        "Đã giao lại văn bản.",
        help="Các việc đang mở theo quyết định cũ sẽ được đóng.",
    ),
    ActionSpec(
        "extend",
        "Gia hạn",
        ("documents.route",),
        A.EXTEND,
        f.ExtendForm,
        lambda u, doc, d: services.incoming_extend(
            actor=u, document=doc, due_date=d["due_date"], note=d["note"]
        ),
        "Đã gia hạn xử lý.",
    ),
    ActionSpec(
        "forward",
        "Chuyển đơn vị khác",
        ("documents.unit_assign", "documents.route"),
        A.FORWARD,
        f.ForwardForm,
        lambda u, doc, d: services.incoming_forward(
            actor=u, document=doc, to_unit=d["to_unit"], note=d["note"]
        ),
        "Đã chuyển văn bản sang đơn vị khác.",
        help="Đơn vị nhận trở thành đơn vị chủ trì.",
    ),
    ActionSpec(
        "return_to_clerk",
        "Trả lại văn thư",
        ("documents.route",),
        A.RETURN_TO_CLERK,
        f.ReturnToClerkForm,
        lambda u, doc, d: services.incoming_return_to_clerk(actor=u, document=doc, note=d["note"]),
        "Đã trả lại văn thư.",
        style="outline-danger",
    ),
    ActionSpec(
        "edit",
        "Sửa thông tin",
        ("documents.clerk_action",),
        A.EDIT,
        f.EditForm,
        _edit,
        "Đã cập nhật thông tin văn bản.",
        style="outline-secondary",
        help="Số đến, cơ quan gửi và số ký hiệu không sửa được; nếu vào sổ nhầm, hãy hủy.",
    ),
    ActionSpec(
        "cancel",
        "Hủy vào sổ",
        ("documents.clerk_action",),
        A.CANCEL,
        f.CancelForm,
        lambda u, doc, d: services.incoming_cancel(actor=u, document=doc, reason=d["reason"]),
        "Đã hủy vào sổ. Số đến vẫn giữ trong sổ với dấu “Hủy”.",
        style="outline-danger",
    ),
    ActionSpec(
        "read",
        "Đã xem",
        ("documents.read_info",),
        None,
        f.NoFieldsForm,
        lambda u, doc, d: services.incoming_mark_read(actor=u, document=doc),
        "Đã đánh dấu đã xem.",
        style="outline-success",
        only_if=_has_open_item(WorkKind.INFO),
    ),
]
ACTIONS: dict[str, ActionSpec] = {spec.slug: spec for spec in _SPECS}


def is_available(user: User, doc: IncomingDocument, spec: ActionSpec) -> bool:
    if spec.transition is not None and not workflow.allowed(doc, spec.transition):
        return False
    if not any(can(user, permission, doc) for permission in spec.permissions):
        return False
    return spec.only_if is None or spec.only_if(user, doc)


def available_actions(user: User, doc: IncomingDocument) -> list[ActionSpec]:
    """The actions `user` may take on `doc` now, in the order the page shows them."""
    return [spec for spec in _SPECS if is_available(user, doc, spec)]


def unavailable_reason(user: User, doc: IncomingDocument, spec: ActionSpec) -> str:
    """Why an action cannot run now, in Vietnamese (the state machine's reason first)."""
    if spec.transition is not None:
        try:
            workflow.check(doc, spec.transition)
        except DomainError as exc:
            return exc.message
    if spec.only_if is not None and any(can(user, p, doc) for p in spec.permissions):
        return f"Thao tác “{spec.label}” không còn việc nào của đồng chí để thực hiện."
    return DENIED_MESSAGE
