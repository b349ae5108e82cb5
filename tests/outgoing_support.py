"""Helpers for the outgoing-documents tests: configuration, an approved draft, a DOCX reader."""

from __future__ import annotations

import io
from typing import Any

from docx import Document

from vanphong.core.models import User
from vanphong.drafting.models import OutgoingDocument, OutStatus, ReviewStep, StepStatus
from vanphong.drafting.services import (
    DraftData,
    RecipientLine,
    draft_create,
    draft_submit,
    review_approve,
)
from vanphong.drafting.setup import ensure_outgoing_configuration
from vanphong.files.store import open_blob


def configure(demo: Any, *orgs: str) -> None:
    """Default outgoing configuration; the standard document types come back if a transactional
    test flushed the data migration's rows."""
    from vanphong.documents.reference import ensure_document_types

    ensure_document_types()
    for key in orgs or ("vptu",):
        ensure_outgoing_configuration(demo.orgs[key])


def new_draft(demo: Any, *, drafter: str = "chuyenvien", **overrides: Any) -> OutgoingDocument:
    values: dict[str, Any] = {
        "doc_type": demo.doc_type(overrides.pop("type_name", "Công văn")),
        "summary": "V/v tổng kết công tác văn thư, lưu trữ năm 2026",
        "body": "Thực hiện chương trình công tác năm 2026,\nVăn phòng Tỉnh ủy đề nghị ...",
        "signer": demo.user("lanhdao"),
        "recipients": [
            RecipientLine(organisation=demo.orgs["btctu"]),
            RecipientLine(label="Thường trực Tỉnh ủy (để báo cáo)"),
        ],
    }
    values.update(overrides)
    return draft_create(actor=demo.user(drafter), data=DraftData(**values))


def approve_all(doc: OutgoingDocument) -> OutgoingDocument:
    doc.refresh_from_db()
    while doc.status == OutStatus.IN_REVIEW:
        step = ReviewStep.objects.get(
            document=doc, round=doc.review_round, status=StepStatus.PENDING
        )
        doc = review_approve(actor=User.objects.get(pk=step.reviewer_id), document=doc.pk)
    return doc


def approved_draft(demo: Any, **overrides: Any) -> OutgoingDocument:
    doc = new_draft(demo, **overrides)
    draft_submit(actor=doc.drafter, document=doc.pk)
    return approve_all(doc)


def docx_of(blob: Any) -> Any:
    with open_blob(blob) as handle:
        return Document(io.BytesIO(handle.read()))
