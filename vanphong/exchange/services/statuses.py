"""Receiver side: status packages back to the sender, emitted by the workflow.

01 on arrival (inbox), 02 on refusal and 03 on registration (arrivals), 04 when the document is
routed/assigned, 05 when handling starts, 06 when it is done or closed: these three follow the
incoming workflow through `documents.services.common.on_record` (registered in AppConfig.ready),
so `documents` never imports `exchange`. Each of 01..06 is sent once per arrival.
"""

from __future__ import annotations

from vanphong.documents.models import Channel, DocumentEvent, EventAction, Status
from vanphong.exchange import packages
from vanphong.exchange.models import Arrival, Kind, StatusCode
from vanphong.exchange.services import outbox

ONCE = {"01", "02", "03", "04", "05", "06"}

# incoming-document history actions that mean "assigned" (04)
ASSIGNING = {
    EventAction.ROUTE,
    EventAction.REASSIGN,
    EventAction.ASSIGN_HANDLER,
    EventAction.FORWARD,
}
_WATCHED = ASSIGNING | {EventAction.START, EventAction.PROGRESS, EventAction.COMPLETE}
_WATCHED |= {EventAction.CLOSE}


def codes_for(event: DocumentEvent) -> list[str]:
    """The statuses a history row means: 04 assigned; 05 when the document is "đang xử lý"
    (a specialist assigned, or handling started/reported); 06 when done or closed."""
    codes: list[str] = []
    if event.action in ASSIGNING:
        codes.append(StatusCode.ASSIGNED)
    if event.to_status == Status.IN_PROGRESS or event.action in (
        EventAction.START,
        EventAction.PROGRESS,
    ):
        codes.append(StatusCode.IN_PROGRESS)
    if event.to_status in (Status.DONE, Status.CLOSED):
        codes.append(StatusCode.DONE)
    return codes


DESCRIPTIONS: dict[str, str] = {
    StatusCode.ASSIGNED: "Đã phân công xử lý",
    StatusCode.IN_PROGRESS: "Đang xử lý",
    StatusCode.DONE: "Đã hoàn thành xử lý",
}


def emit_status(
    *,
    arrival: Arrival,
    code: str,
    description: str,
    staff: str = "",
    inline: list[bytes] | None = None,
    recorded: bool = False,
) -> bool:
    """Queue a status package about `arrival` for its sender (caller's transaction), or with
    `inline` add it to the answer being given to the sender (`outbox.enqueue`).
    Returns False when this status was already sent (01..06 go once). `recorded`: the caller
    wrote `code` into `statuses_sent` with the arrival's row (a new arrival's 01), so there is
    nothing to check nor to write back."""
    if code in ONCE and code in arrival.statuses_sent and not recorded:
        return False
    organisation = arrival.organisation
    body = packages.build_status(
        sender=organisation,
        to_identifier=arrival.sender_identifier,
        document_id=arrival.document_id,
        code_notation=arrival.code_notation,
        document_date=arrival.document_date,
        status=code,
        description=description,
        staff=staff,
        department=organisation.full_name,
    )
    outbox.enqueue(
        kind=Kind.STATUS,
        from_identifier=organisation.identifier,
        to_identifier=arrival.sender_identifier,
        document_id=arrival.document_id,
        body=body,
        status_code=code,
        arrival=arrival,
        inline=inline,
    )
    if code in ONCE and not recorded:
        arrival.statuses_sent = [*arrival.statuses_sent, code]
        Arrival.objects.filter(pk=arrival.pk).update(statuses_sent=arrival.statuses_sent)
    return True


def on_document_event(event: DocumentEvent) -> None:
    """Listener on every incoming-document history row: 04/05/06 for electronic arrivals."""
    if event.action not in _WATCHED or event.document.channel != Channel.ELECTRONIC:
        return  # nothing to do, and no query, for every other row
    codes = codes_for(event)
    if not codes:
        return
    arrival = Arrival.objects.filter(incoming_id=event.document_id).first()
    if arrival is None:
        return
    note = event.note.strip()
    staff = event.actor.full_name or event.actor.username
    for code in codes:
        description = DESCRIPTIONS[code] + (f": {note}" if note else "")
        emit_status(arrival=arrival, code=code, description=description[:500], staff=staff)
