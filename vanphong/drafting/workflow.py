"""The issuance end of the outgoing state machine: numbering, the two digital signatures, and
what may happen to a numbered document. One table, one guard.

    APPROVED --issue--> TO_SIGN --sign--> TO_SEAL --seal--> ISSUED --recall--> RECALLED
                 \\______________\\___________________________↗
    (a type that needs no signer signature skips TO_SIGN; one that needs no organisation
    signature skips TO_SEAL; one that needs neither is ISSUED at once, as before)

Nghị định 30/2020 orders it this way for electronic documents: the văn thư gives the number and
the issue date, the person with authority signs the numbered document, then the văn thư adds the
organisation's signature; only then is it sent. A numbered document waiting for a signature can
be recalled (the number stays in the register, marked recalled) but not sent.
"""

from __future__ import annotations

from vanphong.core.errors import InvalidTransition
from vanphong.drafting.models import OutAction, OutgoingDocument, OutStatus

S = OutStatus
A = OutAction

# action -> (statuses it may start from, status it leads to; None: decided by the service)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    A.ISSUE: (frozenset({S.APPROVED}), None),  # TO_SIGN, TO_SEAL or ISSUED
    A.SIGN: (frozenset({S.TO_SIGN}), None),  # TO_SEAL or ISSUED
    A.SEAL: (frozenset({S.TO_SEAL}), S.ISSUED),
    A.DISPATCH: (frozenset({S.ISSUED}), S.ISSUED),
    A.SENT_PAPER: (frozenset({S.ISSUED, S.RECALLED}), None),
    A.RECALL: (frozenset({S.TO_SIGN, S.TO_SEAL, S.ISSUED}), S.RECALLED),
}

_WHY: dict[str, str] = {
    A.ISSUE: "chỉ cấp số, ban hành văn bản đã được duyệt xong",
    A.SIGN: "chỉ ký số văn bản đã cấp số và đang chờ người ký",
    A.SEAL: "chỉ ký số của cơ quan sau khi người có thẩm quyền đã ký số và trước khi phát hành",
    A.RECALL: "chỉ thu hồi văn bản đã cấp số và chưa bị thu hồi",
}

_MISSING: dict[str, str] = {
    S.TO_SIGN: "còn thiếu chữ ký số của người có thẩm quyền",
    S.TO_SEAL: "còn thiếu chữ ký số của cơ quan (văn thư ký)",
}


def allowed(document: OutgoingDocument, action: str) -> bool:
    entry = TRANSITIONS.get(action)
    return entry is not None and document.status in entry[0]


def check(document: OutgoingDocument, action: str) -> str:
    """Raise InvalidTransition unless `action` may run now; return the status it leads to
    (the current status when the service decides)."""
    entry = TRANSITIONS.get(action)
    if entry is None or document.status not in entry[0]:
        if action in (A.DISPATCH, A.SENT_PAPER) and document.status in _MISSING:
            raise InvalidTransition(
                f"Văn bản số {document.notation} chưa gửi được: "
                f"{_MISSING[document.status]}. Văn bản điện tử chưa ký số chỉ có giá trị "
                "tham khảo."
            )
        label = OutAction(action).label if action in OutAction.values else action
        reason = _WHY.get(action, "thao tác không phù hợp với trạng thái hiện tại")
        raise InvalidTransition(
            f"Không thể “{label}” khi văn bản đang ở trạng thái “{document.get_status_display()}”: "
            f"{reason}."
        )
    return entry[1] or document.status
