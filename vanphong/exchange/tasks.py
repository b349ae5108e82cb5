"""Worker jobs of the exchange app (thin: the work is in `services.outbox`)."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, signal
from huey.signals import SIGNAL_INTERRUPTED


@db_task()
def deliver_message(message_id: int, to_identifier: str = "") -> str:
    from vanphong.exchange.services.outbox import deliver

    return deliver(message_id, to_identifier=to_identifier)


@db_periodic_task(crontab(minute="*"))
def deliver_due_messages() -> dict[str, int]:
    """Every minute: rows whose back-off has expired, and any wake-up that was lost."""
    from vanphong.exchange.services.outbox import deliver_due

    return deliver_due()


@db_periodic_task(crontab(hour="2", minute="17"))
def purge_expired_bodies() -> int:
    """Retention of the message log (EXCHANGE_LOG_RETENTION_DAYS): bodies go, hashes stay."""
    from vanphong.exchange.services.outbox import purge_bodies

    return purge_bodies()


@signal(SIGNAL_INTERRUPTED)
def release_interrupted_deliveries(signal_name: str, task: Any, *args: Any, **kwargs: Any) -> None:
    """The worker is stopping and `task` is still running (the graceful stop's time is up, or a
    second signal): give back the outbox leases this process holds, so the next worker retries
    those rows at once instead of after the 2-minute lease. Runs in the consumer's main thread."""
    from django.db import close_old_connections

    from vanphong.exchange.services.outbox import release_claims

    try:
        release_claims()
    finally:
        close_old_connections()
