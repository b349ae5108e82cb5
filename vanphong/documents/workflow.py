"""The routing state machine of an incoming document: one table, one guard."""

from __future__ import annotations

from vanphong.core.errors import InvalidTransition
from vanphong.documents.models import EventAction, IncomingDocument, Status

S = Status
A = EventAction

# action -> (statuses it may start from, status it leads to; None keeps the current status)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    A.PRESENT: (frozenset({S.REGISTERED}), S.PRESENTED),
    A.RETURN_TO_CLERK: (frozenset({S.PRESENTED}), S.REGISTERED),
    A.ROUTE: (frozenset({S.REGISTERED, S.PRESENTED}), None),  # ASSIGNED or IN_PROGRESS
    A.REASSIGN: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), None),
    A.ASSIGN_HANDLER: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.IN_PROGRESS),
    A.FORWARD: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.ASSIGNED),
    A.START: (frozenset({S.IN_PROGRESS}), None),
    A.PROGRESS: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), None),
    A.CO_DONE: (frozenset({S.ASSIGNED, S.IN_PROGRESS, S.DONE}), None),
    A.COMPLETE: (frozenset({S.IN_PROGRESS}), S.DONE),
    A.RETURN: (frozenset({S.DONE}), S.IN_PROGRESS),
    A.EXTEND: (frozenset({S.ASSIGNED, S.IN_PROGRESS}), None),
    A.CLOSE: (frozenset({S.REGISTERED, S.PRESENTED, S.ASSIGNED, S.IN_PROGRESS, S.DONE}), S.CLOSED),
    A.CANCEL: (frozenset({S.REGISTERED, S.PRESENTED}), S.CANCELLED),
    A.EDIT: (frozenset({S.REGISTERED, S.PRESENTED}), None),
    A.LINK_DUPLICATE: (frozenset({S.REGISTERED, S.PRESENTED}), None),  # new entry → cancelled
}

_WHY: dict[str, str] = {
    A.COMPLETE: "chỉ hoàn thành được văn bản đã phân công người xử lý và đang xử lý",
    A.ASSIGN_HANDLER: "chỉ phân công chuyên viên khi văn bản đã giao cho đơn vị chủ trì",
    A.ROUTE: "văn bản đã được giao xử lý; hãy dùng “Giao lại”",
    A.CANCEL: "chỉ hủy được văn bản chưa giao xử lý",
    A.EDIT: "chỉ sửa được thông tin văn bản chưa giao xử lý",
    A.RETURN: "chỉ trả lại được văn bản đã báo cáo hoàn thành",
}


def allowed(document: IncomingDocument, action: str) -> bool:
    entry = TRANSITIONS.get(action)
    return entry is not None and document.status in entry[0]


def check(document: IncomingDocument, action: str) -> str:
    """Raise InvalidTransition unless `action` may run now; return the status it leads to."""
    entry = TRANSITIONS.get(action)
    if entry is None or document.status not in entry[0]:
        label = EventAction(action).label if action in EventAction.values else action
        reason = _WHY.get(action, "thao tác không phù hợp với trạng thái hiện tại")
        raise InvalidTransition(
            f"Không thể “{label}” khi văn bản đang ở trạng thái “{document.get_status_display()}”: "
            f"{reason}."
        )
    return entry[1] or document.status
