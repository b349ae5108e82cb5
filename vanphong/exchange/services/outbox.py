"""The outbox: packages written in the caller's transaction, delivered by the worker.

Delivery is at-least-once with an idempotent receiver, which makes it exactly-once in effect:
- a row is claimed with a conditional UPDATE (a lease), so two workers never post it at once;
- the peer's answer decides: 200 with a signed receipt → delivered; a refusal (4xx, except 408
  and 429) → failed, not retried, the reason kept; no answer, 5xx, 408, 429 → retried with
  exponential back-off (`EXCHANGE_RETRY_BASE_SECONDS` doubling up to `EXCHANGE_RETRY_MAX_SECONDS`),
  for as long as it takes: nothing is dropped;
- a worker that stops mid-post gives the lease back (`release_claims`, called when huey reports
  the task interrupted), so the next worker retries at once; one that dies (SIGKILL, power)
  leaves the lease to expire. Either way the next post of the same bytes gets the same receipt
  back from the receiver.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from vanphong.core import worker
from vanphong.core.audit import Entry, audit_record, audit_record_many
from vanphong.core.errors import DomainError
from vanphong.exchange import batch
from vanphong.exchange.models import Arrival, Direction, Dispatch, Message, Peer, State
from vanphong.exchange.node import cert_fingerprint, identity, verify_receipt
from vanphong.exchange.transport import Answer, TransportError, transport

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
# The leases this process holds right now, as (row id, claimed_until): given back by
# release_claims() when the worker stops with a delivery still running.
_held: set[tuple[int, dt.datetime]] = set()
_held_lock = threading.Lock()
_RETRYABLE_4XX = {408, 425, 429}


def enqueue(
    *,
    kind: str,
    from_identifier: str,
    to_identifier: str,
    document_id: str,
    body: bytes,
    status_code: str = "",
    business_type: str = "",
    relay: bool = False,
    arrival: Arrival | None = None,
    dispatch: Dispatch | None = None,
    inline: list[bytes] | None = None,
) -> Message:
    """Write one package to the outbox (in the caller's transaction); the worker is woken after
    commit. With `inline` (a status written while the inbox stores the package it is about, for
    a sender that asked for its statuses with the receipt: `exchange.batch`), the package is
    added to that list instead and the row is recorded as delivered with the answer."""
    now = timezone.now()
    message = Message.objects.create(
        direction=Direction.OUT,
        kind=kind,
        state=State.PENDING if inline is None else State.DELIVERED,
        from_identifier=from_identifier,
        to_identifier=to_identifier,
        document_id=document_id[:255],
        status_code=status_code,
        business_type=business_type,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        body=body,
        signature_ok=None if relay else True,
        signature_note="" if relay else "Ký bằng khóa của máy chủ này",
        relay=relay,
        next_attempt_at=now if inline is None else None,
        delivered_at=None if inline is None else now,
        inline=inline is not None,
        arrival=arrival,
        dispatch=dispatch,
    )
    if inline is not None:
        inline.append(body)
        return message
    pk, to = message.pk, message.to_identifier
    transaction.on_commit(lambda: _wake(pk, to), robust=True)
    return message


def _wake(message_id: int, to_identifier: str = "") -> None:
    from vanphong.exchange.tasks import deliver_message

    deliver_message(message_id, to_identifier)


@dataclass(frozen=True)
class Route:
    url: str
    cert_pem: str
    via: str  # "" direct, else the hub's identifier


def route_for(identifier: str) -> Route:
    """Where a package for `identifier` goes: the node serving it, or the hub it is reached by.
    A hub forwarding for an organisation it relays for delivers directly."""
    peer = Peer.objects.filter(identifier=identifier, is_active=True).select_related("via_hub")
    # unordered (the identifier is unique): Django's ORDER BY costs more than the query here
    entry = next(iter(peer.order_by()[:1]), None)
    if entry is None:
        raise DomainError(f"Danh bạ liên thông chưa có cơ quan mã {identifier}.")
    hub = entry.via_hub
    if hub is not None and hub.is_active and hub.certificate_pem:
        if cert_fingerprint(hub.certificate_pem) != identity().fingerprint:
            if not hub.inbox_url:
                raise DomainError(f"Danh bạ chưa có địa chỉ nhận của trục {hub.name}.")
            return Route(hub.inbox_url, hub.certificate_pem, hub.identifier)
    elif hub is not None:
        raise DomainError(f"Trục {hub.name} trong danh bạ đã ngừng dùng hoặc thiếu chứng thư.")
    if not entry.inbox_url:
        raise DomainError(f"Danh bạ chưa có địa chỉ nhận gói tin của {entry.name}.")
    return Route(entry.inbox_url, entry.certificate_pem, "")


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after `attempts` failed ones: base·2^(n-1), capped, ±10 %."""
    base = settings.EXCHANGE_RETRY_BASE_SECONDS
    cap = settings.EXCHANGE_RETRY_MAX_SECONDS
    seconds = min(cap, base * 2 ** max(0, min(attempts - 1, 30)))
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def _unleased(now: dt.datetime) -> Q:
    """No worker holds the row's lease (never claimed, or the lease has run out)."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _claimable(message_id: int, now: dt.datetime, *, force: bool) -> QuerySet[Message]:
    """The row, if it is waiting, not leased, and due (or `force`)."""
    rows = Message.objects.filter(
        _unleased(now), pk=message_id, direction=Direction.OUT, state=State.PENDING
    )
    return rows if force else rows.filter(next_attempt_at__lte=now)


def _claim(message_id: int, now: dt.datetime, *, force: bool) -> bool:
    """Take the row's lease until now + LEASE; recorded in `_held` while this process holds it."""
    lease = (message_id, now + LEASE)
    rows = _claimable(message_id, now, force=force)
    with _held_lock:  # recorded before the UPDATE: a stop in between releases nothing wrongly
        _held.add(lease)
    if rows.update(claimed_until=lease[1]) == 1:
        return True
    with _held_lock:
        _held.discard(lease)
    return False


def release_claims() -> int:
    """Give back the leases this process holds (the worker is stopping while deliveries still
    run): their rows are due again at once instead of when the lease expires. A row whose lease
    has since been taken by another worker, or that has been settled, is left alone. A delivery
    that still finishes afterwards records its outcome as usual; a second post of the same bytes
    by the next worker gets the same receipt (the receiver is idempotent)."""
    with _held_lock:
        leases = list(_held)
        _held.clear()
    released = 0
    for message_id, until in leases:
        released += Message.objects.filter(
            pk=message_id, state=State.PENDING, claimed_until=until
        ).update(claimed_until=None)
    if released:
        logger.warning("exchange: stopping mid-delivery, released %d outbox lease(s)", released)
    return released


def _reason(body: bytes) -> str:
    try:
        data = json.loads(body.decode("utf-8"))
        return str(data.get("message") or data.get("error") or "")[:400]
    except (ValueError, UnicodeDecodeError, AttributeError):
        return body[:200].decode("utf-8", "replace")


def deliver(message_id: int, *, force: bool = False, to_identifier: str = "") -> str:
    """Try one outbox row now (with the other due rows for the same inbox, in one request).
    Returns the row's outcome: "delivered", "retry", "failed" or "skipped"."""
    outcomes = deliver_with_batch(message_id, force=force, to_identifier=to_identifier)
    return outcomes.get(message_id, "skipped")


def deliver_with_batch(
    message_id: int, *, force: bool = False, to_identifier: str = ""
) -> dict[int, str]:
    """Claim the row, and up to EXCHANGE_BATCH_SIZE - 1 other due rows going to the same inbox;
    post them (one request when the peer takes batches); settle each. Returns each posted row's
    outcome ({} when the row could not be claimed, or when it was left to the post in flight).

    One post per inbox at a time in this process: a row woken while another thread posts to the
    same inbox is left to that thread, which, once its answer is settled, posts what was woken
    meanwhile, gathered into one batch. Under load the packages that queue up during a post go
    in the next one (fewer, larger requests: each costs both nodes the same CPU however many
    packages it carries); with nothing in flight a row goes at once. A wake-up that names the
    row's recipient (`to_identifier`, as `enqueue` does) joins a post in flight to the inbox
    this process last routed that recipient to without a read of the database: under load
    that is most wake-ups, and the post checks the row itself before taking it."""
    if to_identifier and not force and _join_flight(to_identifier, message_id):
        return {}
    now = timezone.now()
    # Most woken deliveries find their row already sent in another row's batch: a read says so
    # without the UPDATE, which on SQLite would wait for the database's write lock.
    rows = _claimable(message_id, now, force=force).order_by()
    found = list(rows.values_list("to_identifier", flat=True)[:1])
    if not found:
        return {}
    to_identifier = found[0]
    try:
        route = route_for(to_identifier)
    except DomainError as exc:
        return _deliver_one(message_id, None, force=force, seen=True, unroutable=exc.message)
    _routed[to_identifier] = (route.url, time.monotonic())
    with _flights_lock:
        if route.url in _flights:
            _flights[route.url].append(message_id)
            return {}
        _flights[route.url] = []
    outcomes: dict[int, str] = {}
    queue, flying = [message_id], True
    try:
        while queue:
            pk = queue.pop(0)
            if pk not in outcomes:
                first = pk == message_id
                outcomes.update(_deliver_one(pk, route, force=force and first, seen=first))
            if not queue:
                with _flights_lock:
                    queue, _flights[route.url] = _flights[route.url], []
                    if not queue:
                        del _flights[route.url]
                        flying = False
            if worker.stopping():
                break
    finally:
        if flying:
            with _flights_lock:
                queue += _flights.pop(route.url)
        for pk in queue:  # woken during the post, not posted (the worker is stopping, an error)
            if pk not in outcomes:
                _rewake(pk)
    return outcomes


# The inboxes this process is posting to now: {url: rows woken meanwhile, left to that post}.
_flights: dict[str, list[int]] = {}
_flights_lock = threading.Lock()
# Where this process last routed each recipient: {identifier: (inbox url, time.monotonic())},
# trusted for ROUTE_MEMORY_SECONDS (a directory change is seen by the next wake-up after that).
_routed: dict[str, tuple[str, float]] = {}
ROUTE_MEMORY_SECONDS = 5.0


def _join_flight(to_identifier: str, message_id: int) -> bool:
    """Leave the row to the post in flight to its recipient's inbox, if there is one."""
    known = _routed.get(to_identifier)
    if known is None or time.monotonic() - known[1] > ROUTE_MEMORY_SECONDS:
        return False
    with _flights_lock:
        if known[0] not in _flights:
            return False
        _flights[known[0]].append(message_id)
    return True


def _rewake(message_id: int) -> None:
    """A wake-up left to a post that ended without taking it: queued again (the periodic sweep
    would find the row within a minute otherwise)."""
    try:
        _wake(message_id)
    except Exception:  # the queue being down must not hide the delivery's own outcome
        logger.exception("exchange: could not wake the delivery of %s again", message_id)


def _deliver_one(
    message_id: int, route: Route | None, *, force: bool, seen: bool, unroutable: str = ""
) -> dict[int, str]:
    """Claim the row (if it is still waiting: unless just `seen` so, it may have gone in an
    earlier batch) and the other due rows for the same inbox, post them and settle each."""
    now = timezone.now()
    if not seen and not _claimable(message_id, now, force=force).exists():
        return {}
    if not _claim(message_id, now, force=force):
        return {}
    claimed = [message_id]
    try:
        message = Message.objects.get(pk=message_id)
        if route is None:
            return {message.pk: _retry(message, message.attempts + 1, unroutable)}
        others = _gather(message, route, now, claimed)
        return _send(route, [message, *others])
    finally:
        with _held_lock:
            for pk in claimed:
                _held.discard((pk, now + LEASE))


# Inboxes that refused a batch: {url: until}, one package per request to them until then.
_single_only: dict[str, float] = {}
SINGLE_ONLY_SECONDS = 3600.0


def _takes_batches(url: str) -> bool:
    until = _single_only.get(url)
    return until is None or until < time.monotonic()


def _gather(message: Message, route: Route, now: dt.datetime, claimed: list[int]) -> list[Message]:
    """Other due rows for the same inbox, claimed with one UPDATE (and added to `claimed`
    before it, so the caller gives back what it holds even if this fails half-way), oldest
    first, within the batch's limits."""
    size = settings.EXCHANGE_BATCH_SIZE
    if size <= 1 or not _takes_batches(route.url):
        return []
    budget = settings.EXCHANGE_BATCH_MAX_BYTES - message.size
    candidates = (
        Message.objects.filter(
            _unleased(now),
            direction=Direction.OUT,
            state=State.PENDING,
            next_attempt_at__lte=now,
        )
        .exclude(pk=message.pk)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "to_identifier", "size")[: size * 4]
    )
    urls: dict[str, str] = {message.to_identifier: route.url}
    chosen: list[int] = []
    for pk, to_identifier, nbytes in candidates:
        if len(chosen) + 1 >= size:
            break
        if to_identifier not in urls:
            try:
                urls[to_identifier] = route_for(to_identifier).url
            except DomainError:
                urls[to_identifier] = ""
        if urls[to_identifier] != route.url or nbytes > budget:
            continue
        chosen.append(pk)
        budget -= nbytes
    if not chosen:
        return []
    # one UPDATE claims them all; the rows read back with this lease are the ones it took (a
    # row another worker claimed meanwhile keeps that worker's lease)
    lease = now + LEASE
    with _held_lock:  # recorded before the UPDATE, as in _claim
        _held.update((pk, lease) for pk in chosen)
    claimed.extend(chosen)
    due = Message.objects.filter(
        _unleased(now), direction=Direction.OUT, state=State.PENDING, next_attempt_at__lte=now
    )
    due.filter(pk__in=chosen).update(claimed_until=lease)
    taken = Message.objects.filter(pk__in=chosen, claimed_until=lease).order_by()
    rows = {m.pk: m for m in taken}
    return [rows[pk] for pk in chosen if pk in rows]


def _send(route: Route, messages: list[Message]) -> dict[int, str]:
    """Post the claimed rows and settle each. A peer that takes batches gets them as one, even
    a single row, asked to return its statuses with the receipts; one that refuses the batch as
    a whole gets them one by one (and no batch for an hour)."""
    if settings.EXCHANGE_BATCH_SIZE > 1 and _takes_batches(route.url):
        body = batch.encode([bytes(m.body or b"") for m in messages])
        try:
            answer = transport().post(route.url, body, content_type=batch.INLINE_CONTENT_TYPE)
        except TransportError as exc:
            return {m.pk: _retry(m, m.attempts + 1, str(exc)) for m in messages}
        if answer.status == 200:
            answers = batch.decode_answers(answer.body, len(messages))
            if answers is not None:
                pairs = zip(messages, answers, strict=True)
                answered = [(m, Answer(a.status, a.body.encode()), a.statuses) for m, a in pairs]
                return _settle_all(route, answered)
        elif answer.status >= 500 or answer.status in _RETRYABLE_4XX:
            note = f"HTTP {answer.status}: {_reason(answer.body)}"
            return {m.pk: _retry(m, m.attempts + 1, note, url=route.url) for m in messages}
        logger.info(
            "exchange: %s did not take a batch (HTTP %s); one package per request for %d s",
            route.url,
            answer.status,
            SINGLE_ONLY_SECONDS,
        )
        _single_only[route.url] = time.monotonic() + SINGLE_ONLY_SECONDS
    outcomes: dict[int, str] = {}
    for message in messages:
        try:
            answer = transport().post(route.url, bytes(message.body or b""))
        except TransportError as exc:
            outcomes[message.pk] = _retry(message, message.attempts + 1, str(exc))
            continue
        outcomes.update(_settle_all(route, [(message, answer, ())]))
    return outcomes


def _settle_all(
    route: Route, answered: list[tuple[Message, Answer, tuple[str, ...]]]
) -> dict[int, str]:
    """Record each row's answer, with the statuses the peer returned with it, in one
    transaction (were they stored apart, a stop in between would lose them: the row, delivered,
    is not posted again; a failure rolls the whole answer back and the rows are posted again,
    which the receiver answers the same). The audit rows of the answer, the statuses' included,
    go in with one lock of the chain. The receipts and the statuses are checked before it
    (signatures, XML: no write): on SQLite the transaction holds the database's write lock, which
    the văn thư's dispatch waits for."""
    from vanphong.exchange.services import inbox  # (inbox writes to the outbox: imported here)

    outcomes: dict[int, str] = {}
    lookups = inbox.Lookups(audit=[])
    assert lookups.audit is not None
    remote = urlsplit(route.url).netloc
    checked = [
        (
            message,
            answer,
            _check_receipt(route, message, answer),
            inbox.inbox_check_statuses(bodies=statuses, lookups=lookups) if statuses else [],
        )
        for message, answer, statuses in answered
    ]
    with transaction.atomic():
        for message, answer, receipt, statuses in checked:
            outcome, entry = _settle(route, message, answer, receipt)
            outcomes[message.pk] = outcome
            if entry is not None:
                lookups.audit.append(entry)
            if statuses and outcome == "delivered":
                inbox.inbox_take_statuses(frames=statuses, remote_addr=remote, lookups=lookups)
        audit_record_many(lookups.audit)
    return outcomes


def _check_receipt(route: Route, message: Message, answer: Answer) -> tuple[bool, str]:
    """Whether a 200 answer's receipt is the peer's signed receipt for this row's bytes, and
    why not."""
    if answer.status != 200:
        return False, ""
    try:
        fields = verify_receipt(
            answer.body.decode("utf-8"), package_sha256=message.sha256, cert_pem=route.cert_pem
        )
    except (DomainError, UnicodeDecodeError) as exc:
        return False, exc.message if isinstance(exc, DomainError) else "Biên nhận không đọc được."
    logger.debug("exchange: receipt of %s from %s: %s", message.pk, message.to_identifier, fields)
    return True, ""


def _settle(
    route: Route, message: Message, answer: Answer, receipt: tuple[bool, str]
) -> tuple[str, Entry | None]:
    attempts = message.attempts + 1
    if answer.status == 200:
        verified, note = receipt
        Message.objects.filter(pk=message.pk).update(
            state=State.DELIVERED,
            attempts=attempts,
            delivered_at=timezone.now(),
            claimed_until=None,
            next_attempt_at=None,
            receipt=answer.body.decode("utf-8", "replace")[:20000],
            receipt_verified=verified,
            last_error=note[:500],
            target_url=route.url[:500],
        )
        return "delivered", _entry(
            message,
            "exchange.delivered",
            f"Đã gửi gói tin {message.document_id} tới {message.to_identifier}"
            + ("" if verified else f" (biên nhận không hợp lệ: {note})"),
            {"receipt_verified": verified, "url": route.url, "attempts": attempts},
        )
    reason = _reason(answer.body) or f"HTTP {answer.status}"
    if 400 <= answer.status < 500 and answer.status not in _RETRYABLE_4XX:
        Message.objects.filter(pk=message.pk).update(
            state=State.FAILED,
            attempts=attempts,
            claimed_until=None,
            next_attempt_at=None,
            last_error=f"Nơi nhận từ chối (HTTP {answer.status}): {reason}"[:500],
            target_url=route.url[:500],
        )
        logger.warning("exchange: %s refused by %s: %s", message.pk, route.url, reason)
        return "failed", _entry(
            message,
            "exchange.refused_by_peer",
            f"Nơi nhận {message.to_identifier} từ chối gói tin {message.document_id}: {reason}",
            {"status": answer.status, "url": route.url},
        )
    return _retry(message, attempts, f"HTTP {answer.status}: {reason}", url=route.url), None


def _entry(message: Message, action: str, summary: str, data: dict[str, object]) -> Entry:
    return Entry(
        actor=None,
        actor_name="liên thông",
        action=action,
        obj=message,
        summary=summary[:500],
        data={"sha256": message.sha256, **data},
    )


def _retry(message: Message, attempts: int, error: str, url: str = "") -> str:
    delay = backoff(attempts)
    Message.objects.filter(pk=message.pk).update(
        attempts=attempts,
        claimed_until=None,
        next_attempt_at=timezone.now() + delay,
        last_error=error[:500],
        target_url=url[:500] or message.target_url,
    )
    logger.info("exchange: %s not delivered (%s), retry in %s", message.pk, error, delay)
    _schedule(message.pk, delay)
    return "retry"


def _schedule(message_id: int, delay: dt.timedelta) -> None:
    """Wake the worker when the row is due (the periodic sweep is the safety net)."""
    if getattr(settings, "HUEY", {}).get("immediate"):
        return  # tests and HUEY_IMMEDIATE: no scheduler; deliver_due() is called explicitly
    from vanphong.exchange.tasks import deliver_message

    try:
        deliver_message.schedule(args=(message_id,), delay=max(1, int(delay.total_seconds())))
    except Exception:  # the queue being down must not fail the delivery bookkeeping
        logger.exception("exchange: could not schedule retry of %s", message_id)


def deliver_due(*, limit: int = 500) -> dict[str, int]:
    """Deliver every due outbox row (the periodic sweep; also `vanphong exchange deliver`).
    Stops between rows when the worker is stopping: the rest is left to the next worker."""
    now = timezone.now()
    ids = list(
        Message.objects.filter(
            _unleased(now),
            direction=Direction.OUT,
            state=State.PENDING,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    settled: set[int] = set()
    for pk in ids:
        if worker.stopping():
            break
        if pk in settled:  # went in an earlier row's batch
            continue
        outcomes = deliver_with_batch(pk) or {pk: "skipped"}
        settled.update(outcomes)
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def retry_now(*, actor: object, message: Message | int) -> Message:
    """The administrator asks for an immediate new try of a pending or failed row."""
    from vanphong.core.models import User
    from vanphong.core.policy import require

    assert isinstance(actor, User)
    require(actor, "exchange.manage_directory")
    pk = message if isinstance(message, int) else message.pk
    with transaction.atomic():
        row = Message.objects.select_for_update().get(pk=pk, direction=Direction.OUT)
        if row.state not in (State.PENDING, State.FAILED) or row.body is None:
            raise DomainError("Chỉ gửi lại được gói tin đang chờ gửi hoặc bị từ chối.")
        row.state, row.next_attempt_at, row.claimed_until = State.PENDING, timezone.now(), None
        row.save(update_fields=["state", "next_attempt_at", "claimed_until"])
        audit_record(
            actor=actor,
            action="exchange.retry",
            obj=row,
            summary=f"Gửi lại gói tin {row.document_id} tới {row.to_identifier}",
        )
        transaction.on_commit(lambda: _wake(pk), robust=True)
    return row


def requeue_inline(rows: QuerySet[Message]) -> int:
    """Statuses that went back with a receipt, for a sender that has since asked again for the
    same package without wanting them inline (it may never have read that answer): sent through
    the outbox after all. The sender stores a status once however often it comes."""
    went = rows.filter(direction=Direction.OUT, inline=True, body__isnull=False).order_by()
    ids = list(went.values_list("pk", flat=True))
    if not ids:
        return 0
    Message.objects.filter(pk__in=ids).update(
        state=State.PENDING, inline=False, delivered_at=None, next_attempt_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(functools.partial(_wake, pk), robust=True)
    return len(ids)


def purge_bodies(*, now: dt.datetime | None = None) -> int:
    """Retention: delete package bodies older than EXCHANGE_LOG_RETENTION_DAYS (hash, size,
    parties, times and signature result stay). Rows still waiting to be sent are kept whole."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXCHANGE_LOG_RETENTION_DAYS)
    return (
        Message.objects.filter(created_at__lt=cutoff, body__isnull=False)
        .exclude(direction=Direction.OUT, state=State.PENDING)
        .update(body=None, body_purged_at=now)
    )
