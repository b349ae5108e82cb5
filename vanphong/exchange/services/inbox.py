"""Receiving: the checks at the door, then arrival, status, recall request or relay.

Every package that reaches the inbox is logged, accepted or not. The answer is a signed receipt
(HTTP 200) or a refusal (HTTP 4xx, JSON {"error": code, "message": Vietnamese reason}):

    413 too_large            more than EXCHANGE_MAX_PACKAGE_MB
    400 malformed            not a readable edXML package (bytes before the declaration...)
    403 unknown_sender       the From organisation is not in the directory (or has no cert)
    403 bad_signature        the XML-DSig does not verify with the directory's certificate
    422 tampered             content or an attachment changed after signing (digest mismatch)
    422 bad_content          required fields missing, or an attachment of a refused type
    422 wrong_recipient      addressed to an organisation neither served nor relayed here
    422 unknown_document     a status about a document this node never sent/received
    409 conflict             the same DocumentId already arrived with different content

Idempotency: the same bytes accepted twice are stored once and get the same receipt; a document
package is stored once per (sender, DocumentId, recipient organisation).

Statuses with the receipt (a batch posted with `statuses=inline`, `exchange.batch`): the status
packages written while a package is stored (01) go back in its answer, and again with the same
receipt when the same bytes come again; asked again without the parameter, they are sent
through the outbox after all (`outbox.requeue_inline`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from vanphong.core.audit import Entry, audit_record, audit_record_many
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation
from vanphong.exchange import batch, edxml, packages
from vanphong.exchange.models import (
    Arrival,
    ArrivalFile,
    Direction,
    Dispatch,
    Kind,
    Message,
    RecallState,
    State,
    StatusCode,
    StatusEntry,
)
from vanphong.exchange.node import cert_fingerprint, identity, make_receipt
from vanphong.exchange.services import outbox
from vanphong.exchange.services.lookups import Lookups
from vanphong.exchange.services.statuses import emit_status
from vanphong.files.store import FileBatch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxAnswer:
    status: int
    body: str  # JSON text
    statuses: tuple[bytes, ...] = ()  # returned with the receipt (`inline`)


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class _Meta:
    sender: str = ""
    to: str = ""
    document_id: str = ""
    kind: str = Kind.DOCUMENT
    status_code: str = ""
    business_type: str = ""
    signature_ok: bool | None = None
    signature_note: str = ""


def inbox_receive(*, body: bytes, remote_addr: str = "") -> InboxAnswer:
    """Check and store one package; answer with the receipt or the refusal."""
    return _receive_one(body, remote_addr, Lookups())


def _receive_one(
    body: bytes, remote_addr: str, lookups: Lookups, inline: list[bytes] | None = None
) -> InboxAnswer:
    sha = hashlib.sha256(body).hexdigest()
    meta = _Meta()
    try:
        answer = _receive(body, sha, meta, remote_addr, lookups, inline)
        return InboxAnswer(answer.status, answer.body, tuple(inline or ()))
    except Refusal as refusal:
        return _refuse(body, sha, meta, refusal, remote_addr, what="gói tin")


def _refuse(
    body: bytes, sha: str, meta: _Meta, refusal: Refusal, remote: str, *, what: str
) -> InboxAnswer:
    """Log and audit a refusal; the answer the sender gets."""
    logger.warning(
        "exchange inbox refused %s from %s (%s): %s",
        sha[:12],
        meta.sender or remote,
        refusal.code,
        refusal.message,
    )
    logged = _log_refusal(body, sha, meta, refusal, remote)
    audit_record(
        actor=None,
        actor_name="liên thông",
        action="exchange.inbox_refused",
        obj=logged,
        summary=f"Từ chối {what} từ {meta.sender or remote}: {refusal.message}"[:500],
        data={"code": refusal.code, "sha256": sha},
    )
    payload = {"error": refusal.code, "message": refusal.message}
    return InboxAnswer(refusal.status, json.dumps(payload, ensure_ascii=False))


def inbox_receive_batch(*, body: bytes, remote_addr: str = "", inline: bool = False) -> InboxAnswer:
    """A batch of packages from another vanphong node (`exchange.batch`): each is checked,
    stored and answered exactly as `inbox_receive` does for a package alone; with `inline`, each
    answer carries the statuses written for its package. A batch that cannot be read as a whole
    is refused whole (400) and logged, and nothing in it is stored.

    Every package is checked first (XML, signature: no transaction held), then all are stored
    in one transaction, each in a savepoint of its own, so one refused package changes nothing
    for the others; their audit rows go in with one lock of the chain. The answer is given
    after the commit: a failure before it stores none of them, and the sender posts them all
    again."""
    try:
        frames = batch.decode(body)
    except batch.BatchError as exc:
        refusal = Refusal(400, "malformed_batch", str(exc))
        sha = hashlib.sha256(body).hexdigest()
        return _refuse(body, sha, _Meta(), refusal, remote_addr, what="lô gói tin")
    lookups = Lookups(audit=[], notices=[])
    checked = [_check_one(frame, lookups, [] if inline else None) for frame in frames]
    with FileBatch() as kept, transaction.atomic():
        answers = [_take(frame, remote_addr, lookups, kept) for frame in checked]
        audit_record_many(lookups.audit or [])
        transaction.on_commit(lookups.send_notices, robust=True)
    return InboxAnswer(200, batch.encode_answers(answers))


@dataclass
class Frame:
    """One package of a batch or of an answer, checked (`result`: ready to store, a replay's
    answer or a refusal), and the statuses its storing writes for the sender (`inline`)."""

    body: bytes
    sha: str
    meta: _Meta
    inline: list[bytes] | None
    result: _Checked | InboxAnswer | Refusal


def _check_one(
    body: bytes, lookups: Lookups, inline: list[bytes] | None = None, *, receipt: bool = True
) -> Frame:
    sha, meta = hashlib.sha256(body).hexdigest(), _Meta()
    try:
        checked = _check(body, sha, meta, lookups, inline, receipt=receipt)
        return Frame(body, sha, meta, inline, checked)
    except Refusal as refusal:
        return Frame(body, sha, meta, inline, refusal)


def _take(
    frame: Frame, remote: str, lookups: Lookups, kept: FileBatch | None = None
) -> batch.PackageAnswer:
    """Store a checked package (or log its refusal); in the caller's transaction."""
    try:
        if isinstance(frame.result, Refusal):
            raise frame.result
        answer = (
            frame.result
            if isinstance(frame.result, InboxAnswer)
            else _commit(frame.result, remote, lookups, frame.inline, kept)
        )
        texts = tuple(s.decode("utf-8") for s in frame.inline or ())
        return batch.PackageAnswer(answer.status, answer.body, texts)
    except Refusal as refusal:
        answer = _refuse(frame.body, frame.sha, frame.meta, refusal, remote, what="gói tin")
        return batch.PackageAnswer(answer.status, answer.body, ())


def inbox_check_statuses(*, bodies: tuple[str, ...], lookups: Lookups) -> list[Frame]:
    """Status packages a peer returned with a receipt (`exchange.batch`), each checked as if it
    had been posted to the inbox (XML, sender, signature: no write, so before the transaction
    that records the receipt, which on SQLite holds the database's write lock). No receipt is
    signed for them: the peer reads none (should the same bytes come again by post, the receipt
    is signed then, `_stored_receipt`)."""
    return [_check_one(text.encode("utf-8"), lookups, receipt=False) for text in bodies]


def inbox_take_statuses(*, frames: list[Frame], remote_addr: str, lookups: Lookups) -> None:
    """Store the checked statuses (a refusal is logged the same way as a posted one's), in the
    transaction that records the receipt; `lookups` serves the whole answer."""
    for frame in frames:
        _take(frame, remote_addr, lookups)


def _log_refusal(
    body: bytes, sha: str, meta: _Meta, refusal: Refusal, remote: str, size: int | None = None
) -> Message:
    keep = len(body) <= settings.EXCHANGE_MAX_PACKAGE_BYTES
    return Message.objects.create(
        direction=Direction.IN,
        kind=meta.kind,
        state=State.REFUSED,
        from_identifier=meta.sender[:35],
        to_identifier=meta.to[:35],
        document_id=meta.document_id[:255],
        status_code=meta.status_code,
        business_type=meta.business_type,
        sha256=sha,
        size=len(body) if size is None else size,
        body=body if keep and body else None,
        signature_ok=meta.signature_ok,
        signature_note=meta.signature_note[:300],
        remote_addr=remote[:64],
        error=f"{refusal.code}: {refusal.message}"[:500],
    )


@dataclass(frozen=True)
class _Stored:
    receipt: str
    kind: str
    sender: str
    document_id: str


def _stored_receipt(sha: str) -> _Stored | None:
    """The receipt given when these bytes were accepted, if they were.

    Looked up by the hash alone, the other conditions checked here: with them in the WHERE
    clause SQLite without statistics chose the (direction, state) index and read every accepted
    package of the log, for each package received (16 % of the inbox's time after a few
    thousand).

    A status taken with the receipt of the package it is about (`exchange.batch`) was stored
    without a receipt of its own: the first time its bytes come again, one is signed and kept."""
    rows = (
        Message.objects.filter(sha256=sha)
        .order_by()
        .values_list(
            "pk",
            "direction",
            "state",
            "receipt",
            "kind",
            "from_identifier",
            "to_identifier",
            "document_id",
        )
    )
    accepted = (State.ACCEPTED, State.RELAYED)
    for pk, direction, state, receipt, kind, sender, to, document_id in rows:
        if direction != Direction.IN or state not in accepted:
            continue
        if not receipt:
            receipt = make_receipt(
                package_sha256=sha, document_id=document_id, sender=sender, receiver=to
            )
            if not Message.objects.filter(pk=pk, receipt="").update(receipt=receipt):
                receipt = Message.objects.values_list("receipt", flat=True).get(pk=pk)
        return _Stored(receipt, kind, sender, document_id)
    return None


def _again(stored: _Stored, inline: list[bytes] | None) -> InboxAnswer:
    """The answer to the same bytes again (a retry after a lost answer): the same receipt, and
    the statuses that went back with it (one per organisation the package was stored for)."""
    if stored.kind != Kind.DOCUMENT:  # only a document's arrival writes a status
        return InboxAnswer(200, stored.receipt)
    went = Message.objects.filter(
        direction=Direction.OUT,
        inline=True,
        to_identifier=stored.sender,
        document_id=stored.document_id,
        body__isnull=False,
    ).order_by()
    if inline is None:
        outbox.requeue_inline(went)
    else:
        inline.extend(bytes(b or b"") for b in went.order_by("pk").values_list("body", flat=True))
    return InboxAnswer(200, stored.receipt)


@dataclass
class _Checked:
    """A package that passed every check before storing: read, signed by its sender, for
    organisations served here (`local`) or relayed from here (`relay`)."""

    body: bytes
    sha: str
    meta: _Meta
    package: edxml.Package
    local: list[str]
    relay: list[str]
    receipt: str  # signed here before the transaction (a signature is CPU time, not a write);
    # "" for a status taken with a receipt (signed if its bytes are posted again: _stored_receipt)


def _receive(
    body: bytes,
    sha: str,
    meta: _Meta,
    remote: str,
    lookups: Lookups,
    inline: list[bytes] | None = None,
) -> InboxAnswer:
    checked = _check(body, sha, meta, lookups, inline)
    if isinstance(checked, InboxAnswer):
        return checked
    return _commit(checked, remote, lookups, inline)


def _check(
    body: bytes,
    sha: str,
    meta: _Meta,
    lookups: Lookups,
    inline: list[bytes] | None,
    *,
    receipt: bool = True,
) -> _Checked | InboxAnswer:
    """Everything done before storing (no write, no transaction): the size, a replay (answered
    at once), the XML, the sender in the directory, its signature, the recipients, and the
    signed receipt (unless `receipt` is False: nobody will read it now)."""
    if len(body) > settings.EXCHANGE_MAX_PACKAGE_BYTES:
        limit = settings.EXCHANGE_MAX_PACKAGE_BYTES // 2**20
        raise Refusal(413, "too_large", f"Gói tin vượt quá dung lượng cho phép ({limit} MB).")
    stored = _stored_receipt(sha)
    if stored is not None:
        return _again(stored, inline)
    try:  # parsed once, for the fields here and for the signature below
        root = edxml.load_xml(body, max_bytes=settings.EXCHANGE_MAX_PACKAGE_BYTES)
        package = edxml.element_to_package(root)
    except edxml.EdxmlError as exc:
        raise Refusal(400, "malformed", f"Gói tin không hợp lệ: {exc.message}") from None
    destinations = _describe(package, meta)
    peer = lookups.peer(meta.sender)
    if peer is None or not peer.certificate_pem:
        raise Refusal(
            403,
            "unknown_sender",
            f"Cơ quan gửi mã “{meta.sender}” không có trong danh bạ liên thông của máy chủ này "
            "(hoặc chưa có chứng thư số).",
        )
    try:
        edxml.verify_tree(root, cert_pem=peer.certificate_pem.encode())
    except edxml.EdxmlTamperedError as exc:
        meta.signature_ok, meta.signature_note = False, exc.message
        raise Refusal(
            422,
            "tampered",
            f"Nội dung hoặc tệp đính kèm của gói tin đã bị sửa đổi sau khi ký: {exc.message}",
        ) from None
    except edxml.EdxmlError as exc:
        meta.signature_ok, meta.signature_note = False, exc.message
        raise Refusal(
            403, "bad_signature", f"Chữ ký số của gói tin không hợp lệ: {exc.message}"
        ) from None
    meta.signature_ok = True
    meta.signature_note = f"Hợp lệ, chứng thư {cert_fingerprint(peer.certificate_pem)[:16]}…"
    local, relay = _split(destinations, lookups.served_identifiers())
    signed = (
        make_receipt(
            package_sha256=sha, document_id=meta.document_id, sender=meta.sender, receiver=meta.to
        )
        if receipt
        else ""
    )
    return _Checked(body, sha, meta, package, local, relay, signed)


def _commit(
    checked: _Checked,
    remote: str,
    lookups: Lookups,
    inline: list[bytes] | None,
    kept: FileBatch | None = None,
) -> InboxAnswer:
    """Store a checked package in its own transaction (a savepoint inside the caller's): all
    of it or, on a refusal, none of it, its files included. `kept` takes over the files stored,
    to remove them if the caller's transaction fails later."""
    audited = len(lookups.audit or ())
    try:
        try:
            with FileBatch() as files, transaction.atomic():
                answer = _store(checked, remote, files, inline, lookups)
        except BaseException:
            if lookups.audit is not None:
                del lookups.audit[audited:]  # rolled back with the package
            if inline:
                inline.clear()
            raise
    except Refusal as refusal:
        # the same bytes twice in one batch: the second finds the first's arrival, not a conflict
        stored = _stored_receipt(checked.sha) if refusal.code == "conflict" else None
        if stored is None:
            raise
        return _again(stored, inline)
    except IntegrityError:
        stored = _stored_receipt(checked.sha)  # a concurrent delivery of the same bytes won
        if stored is not None:
            return _again(stored, inline)
        raise Refusal(409, "conflict", "Gói tin đang được xử lý; hãy gửi lại sau.") from None
    if kept is not None:
        kept.created.extend(files.created)
    return answer


def _describe(package: edxml.Package, meta: _Meta) -> list[str]:
    meta.sender = package.from_organ.organ_id
    if isinstance(package, edxml.DocumentPackage):
        meta.kind, meta.document_id = Kind.DOCUMENT, package.document_id
        meta.business_type = str(int(package.business_type))
        destinations = [o.organ_id for o in package.to]
    else:
        meta.kind, meta.document_id = Kind.STATUS, package.response_for.document_id
        meta.status_code = str(package.status_code)
        destinations = [package.response_for.organ_id]
    destinations = [d for d in dict.fromkeys(destinations) if d]
    meta.to = destinations[0] if destinations else ""
    if not destinations:
        raise Refusal(422, "wrong_recipient", "Gói tin không ghi cơ quan nhận.")
    return destinations


def _split(destinations: list[str], served: set[str]) -> tuple[list[str], list[str]]:
    local = [d for d in destinations if d in served]
    relay: list[str] = []
    for dest in destinations:
        if dest in served:
            continue
        if settings.EXCHANGE_HUB and _relayable(dest):
            relay.append(dest)
            continue
        raise Refusal(
            422,
            "wrong_recipient",
            f"Gói tin gửi tới cơ quan mã “{dest}”, không phục vụ trên máy chủ này"
            + (" và không có trong danh bạ để chuyển tiếp." if settings.EXCHANGE_HUB else "."),
        )
    return local, relay


def _relayable(identifier: str) -> bool:
    """A hub forwards to organisations of its directory, unless the route leads back here."""
    try:
        route = outbox.route_for(identifier)
    except DomainError:
        return False
    return bool(route.cert_pem) and cert_fingerprint(route.cert_pem) != identity().fingerprint


def _store(
    checked: _Checked,
    remote: str,
    batch: FileBatch,
    inline: list[bytes] | None,
    lookups: Lookups,
) -> InboxAnswer:
    body, sha, meta, package = checked.body, checked.sha, checked.meta, checked.package
    local, relay, receipt = checked.local, checked.relay, checked.receipt
    # a status names the dispatch it is about: found first, so that the row is written with it
    dispatch = (
        _dispatch_for(package)
        if local
        and isinstance(package, edxml.StatusPackage)
        and str(package.status_code) != StatusCode.RECALL_REQUESTED
        else None
    )
    # a document's arrivals first, so that the row is written with the first (no UPDATE after)
    document = package if isinstance(package, edxml.DocumentPackage) else None
    recall = document is not None and document.business_type == edxml.BusinessType.RECALL
    arrivals = (
        [_arrive(document, dest, batch, inline, lookups) for dest in local]
        if document is not None and not recall
        else []
    )
    message = Message.objects.create(
        direction=Direction.IN,
        kind=meta.kind,
        state=State.ACCEPTED if local else State.RELAYED,
        from_identifier=meta.sender,
        to_identifier=meta.to[:35],
        document_id=meta.document_id[:255],
        status_code=meta.status_code,
        business_type=meta.business_type,
        sha256=sha,
        size=len(body),
        body=body,
        signature_ok=True,
        signature_note=meta.signature_note[:300],
        relay=bool(relay),
        remote_addr=remote[:64],
        receipt=receipt,
        dispatch=dispatch,
        arrival=arrivals[0] if arrivals else None,
    )
    for dest in local:
        if isinstance(package, edxml.StatusPackage):
            _status_arrived(message, package, dest, dispatch)
        elif recall:
            _recall_package(message, package, dest, lookups)
    for dest in relay:
        outbox.enqueue(
            kind=meta.kind,
            from_identifier=meta.sender,
            to_identifier=dest,
            document_id=meta.document_id,
            body=body,
            status_code=meta.status_code,
            business_type=meta.business_type,
            relay=True,
        )
    lookups.record(
        Entry(
            actor=None,
            actor_name="liên thông",
            action="exchange.receive" if local else "exchange.relay",
            obj=message,
            summary=(
                f"Nhận gói tin {message.get_kind_display().lower()} {meta.document_id} "
                f"từ {meta.sender}" + (f", chuyển tiếp tới {', '.join(relay)}" if relay else "")
            )[:500],
            data={"sha256": sha, "to": local + relay, "status": meta.status_code},
        )
    )
    return InboxAnswer(200, receipt)


def _recall_package(
    message: Message, package: edxml.DocumentPackage, dest: str, lookups: Lookups
) -> None:
    """A document package of business type "recall" (thu hồi): the sender asks for it back."""
    _recall_requested(
        message,
        sender=package.from_organ.organ_id,
        document_id=(package.business.document_id if package.business else "")
        or package.document_id,
        organisation=lookups.served_organisation(dest),
        reason=package.business.reason if package.business else "",
    )


def _arrive(
    package: edxml.DocumentPackage,
    dest: str,
    batch: FileBatch,
    inline: list[bytes] | None,
    lookups: Lookups,
) -> Arrival:
    """The arrival of a document for the organisation `dest`, its files, and its status 01."""
    organisation = lookups.served_organisation(dest)
    earlier = Arrival.objects.filter(
        sender_identifier=package.from_organ.organ_id,
        document_id=package.document_id,
        organisation=organisation,
    )
    if earlier.exists():
        raise Refusal(
            409,
            "conflict",
            f"Văn bản {package.document_id} đã được nhận trước đó với nội dung khác; "
            "gói tin gửi lại không được chấp nhận.",
        )
    try:
        data = packages.arrival_data(package)
    except DomainError as exc:
        raise Refusal(422, "bad_content", exc.message) from None
    arrival = Arrival.objects.create(
        organisation=organisation,
        sender=lookups.sender(package.from_organ.organ_id, package.from_organ.organ_name),
        sender_identifier=package.from_organ.organ_id,
        document_id=package.document_id[:255],
        business_type=str(int(package.business_type)),
        code_notation=data.code_notation,
        document_date=data.document_date,
        type_name=data.type_name,
        summary=data.summary,
        signer_name=data.signer_name,
        signer_position=data.signer_position,
        urgency=data.urgency,
        page_count=data.page_count,
        due_date=data.due_date,
        statuses_sent=[StatusCode.ARRIVED],  # sent below (no UPDATE of the row after)
    )
    for attachment in package.attachments:
        try:
            blob = batch.add_bytes(attachment.data, name=attachment.name or "tệp")
        except DomainError as exc:
            raise Refusal(422, "bad_content", exc.message) from None
        ArrivalFile.objects.create(arrival=arrival, blob=blob, name=attachment.name[:255])
    emit_status(
        arrival=arrival,
        code=StatusCode.ARRIVED,
        description="Phần mềm đã nhận, chờ văn thư tiếp nhận.",
        inline=inline,
        recorded=True,
    )
    _notify_clerks(arrival, lookups)
    return arrival


def _notify_clerks(
    arrival: Arrival, lookups: Lookups | None = None, what: str = "Văn bản điện tử đến"
) -> None:
    """Tell the văn thư of the arrival's organisation (`what` happened), with its link."""
    lookups = lookups or Lookups()
    ids = lookups.clerk_ids(arrival.organisation_id)
    if ids:
        title = f"{what} {arrival.code_notation} từ {arrival.sender.full_name}"
        lookups.notify(ids, title[:200], reverse("exchange:arrival", args=[arrival.pk]))


def _dispatch_for(package: edxml.StatusPackage) -> Dispatch:
    """The document sent from here that a status is about; refused when there is none."""
    sender, document_id = package.from_organ.organ_id, package.response_for.document_id
    found = Dispatch.objects.filter(document_id=document_id, to_identifier=sender).order_by("pk")
    dispatch = next(iter(found[:1]), None)
    if dispatch is None:
        raise Refusal(
            422,
            "unknown_document",
            f"Máy chủ này không gửi văn bản {document_id} tới cơ quan mã “{sender}”.",
        )
    return dispatch


def _status_arrived(
    message: Message, package: edxml.StatusPackage, dest: str, dispatch: Dispatch | None
) -> None:
    code = str(package.status_code)
    sender = package.from_organ.organ_id
    document_id = package.response_for.document_id
    if code == StatusCode.RECALL_REQUESTED:
        organisation = Organisation.objects.get(identifier=dest, served_here=True)
        _recall_requested(
            message,
            sender=sender,
            document_id=document_id,
            organisation=organisation,
            reason=package.description,
        )
        return
    assert dispatch is not None  # found by _store before the message row was written
    StatusEntry.objects.create(
        dispatch=dispatch,
        code=code,
        description=package.description[:2000],
        staff=" – ".join(x for x in (package.staff_info.department, package.staff_info.staff) if x)[
            :255
        ],
        at=package.timestamp,
        message=message,
    )
    if code in (c.value for c in StatusCode) and code != dispatch.last_code:
        dispatch.last_code = code
        Dispatch.objects.filter(pk=dispatch.pk).update(last_code=code)
    if dispatch.recipient_id is not None:
        _recipient_line_follows(dispatch.recipient_id, code)


def _recipient_line_follows(line_id: int, code: str) -> None:
    """The document's "Nơi nhận" line follows the recipient: arrived (01) → "Đã đến nơi nhận",
    with the day it was sent, which the outgoing register prints; registered (03) → "Đã nhận
    vào sổ văn bản đến", as inside the node."""
    from vanphong.drafting.models import Delivery, DispatchStatus, Recipient

    line = Recipient.objects.filter(pk=line_id)
    sent = {
        "sent_on": Coalesce("sent_on", Value(timezone.localdate())),
        "sent_method": Delivery.EXCHANGE.label,
    }
    if code == StatusCode.ARRIVED:
        line.filter(status=DispatchStatus.QUEUED).update(status=DispatchStatus.ARRIVED, **sent)
    elif code == StatusCode.REGISTERED:
        line.update(status=DispatchStatus.DELIVERED, **sent)


def _recall_requested(
    message: Message, *, sender: str, document_id: str, organisation: Organisation, reason: str
) -> None:
    arrival = (
        Arrival.objects.select_for_update()
        .filter(sender_identifier=sender, document_id=document_id, organisation=organisation)
        .first()
    )
    if arrival is None:
        raise Refusal(
            422,
            "unknown_document",
            f"{organisation.full_name} chưa nhận văn bản {document_id} từ cơ quan mã “{sender}”.",
        )
    arrival.recall_state = RecallState.REQUESTED
    arrival.recall_reason = (reason or "Nơi gửi đề nghị thu hồi văn bản.")[:500]
    arrival.recall_answer = ""
    arrival.save(update_fields=["recall_state", "recall_reason", "recall_answer"])
    message.arrival = arrival
    message.save(update_fields=["arrival"])
    _notify_clerks(arrival, what="Nơi gửi đề nghị thu hồi văn bản điện tử")


def inbox_refuse_unread(
    *, status: int, code: str, message: str, size: int, remote_addr: str
) -> InboxAnswer:
    """A request refused before its body is read (wrong content type, declared too large):
    logged like every other refusal."""
    refusal = Refusal(status, code, message)
    logger.warning("exchange inbox refused a request from %s (%s)", remote_addr, code)
    _log_refusal(b"", hashlib.sha256(b"").hexdigest(), _Meta(), refusal, remote_addr, size)
    return InboxAnswer(status, json.dumps({"error": code, "message": message}, ensure_ascii=False))
