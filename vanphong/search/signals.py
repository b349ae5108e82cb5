"""Every save of an incoming document or of one of its files queues the document for indexing,
in the same transaction (the outbox), and wakes the worker after commit."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from vanphong.documents.models import DocumentFile, IncomingDocument
from vanphong.search.models import Kind
from vanphong.search.outbox import enqueue


@receiver(post_save, sender=IncomingDocument, dispatch_uid="search_incoming_saved")
@receiver(post_delete, sender=IncomingDocument, dispatch_uid="search_incoming_deleted")
def _incoming_changed(sender: Any, instance: IncomingDocument, **kwargs: Any) -> None:
    enqueue(Kind.INCOMING, instance.pk)


@receiver(post_save, sender=DocumentFile, dispatch_uid="search_file_saved")
@receiver(post_delete, sender=DocumentFile, dispatch_uid="search_file_deleted")
def _file_changed(sender: Any, instance: DocumentFile, **kwargs: Any) -> None:
    enqueue(Kind.INCOMING, instance.document_id)
