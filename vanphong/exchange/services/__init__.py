"""Every write of the exchange app. Views, the inbox endpoint, commands and tasks call these."""

from vanphong.exchange.services.arrivals import arrival_accept, arrival_refuse, recall_answer
from vanphong.exchange.services.directory import (
    ImportResult,
    PeerData,
    directory_export,
    directory_import,
    peer_delete,
    peer_save,
)
from vanphong.exchange.services.inbox import InboxAnswer, inbox_receive, inbox_receive_batch
from vanphong.exchange.services.outbox import deliver, deliver_due, purge_bodies, retry_now
from vanphong.exchange.services.sending import (
    SECRET_REFUSAL,
    exchange_enqueue,
    exchange_refusal,
    exchange_request_recall,
)
from vanphong.exchange.services.statuses import emit_status, on_document_event

__all__ = [
    "SECRET_REFUSAL",
    "ImportResult",
    "InboxAnswer",
    "PeerData",
    "arrival_accept",
    "arrival_refuse",
    "deliver",
    "deliver_due",
    "directory_export",
    "directory_import",
    "emit_status",
    "exchange_enqueue",
    "exchange_refusal",
    "exchange_request_recall",
    "inbox_receive",
    "inbox_receive_batch",
    "on_document_event",
    "peer_delete",
    "peer_save",
    "purge_bodies",
    "recall_answer",
    "retry_now",
]
