"""Worker jobs of the exchange app (thin: the work is in `services.outbox`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def deliver_message(message_id: int) -> str:
    from vanphong.exchange.services.outbox import deliver

    return deliver(message_id)


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
