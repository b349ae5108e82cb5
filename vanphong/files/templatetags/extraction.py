"""`{% extraction_status doc %}`: the text-extraction / OCR card of a document page."""

from __future__ import annotations

from typing import Any

from django import template

from vanphong.core.policy import can
from vanphong.documents.models import IncomingDocument
from vanphong.files.selectors import document_extractions

register = template.Library()


def extraction_context(user: Any, doc: IncomingDocument) -> dict[str, Any]:
    rows = [] if doc.content_withheld else document_extractions(doc)
    return {
        "doc": doc,
        "rows": rows,
        "busy": any(r.busy for r in rows),
        "can_download": can(user, "documents.download", doc),
    }


@register.inclusion_tag("files/_extraction.html", takes_context=True)
def extraction_status(context: dict[str, Any], doc: IncomingDocument) -> dict[str, Any]:
    return extraction_context(context["request"].user, doc)
