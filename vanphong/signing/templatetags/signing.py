"""`{% signature_validation blob %}`: the stored validation of a PDF, shown per signature."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone

from vanphong.signing.models import BlobValidation

register = template.Library()


# a check queued after commit normally ends within seconds (the worker retries twice, 30 s
# apart); past this the page stops claiming it is under way
CHECK_QUEUED_FOR = timedelta(minutes=10)


@register.inclusion_tag("signing/_validation.html")
def signature_validation(blob: Any, queued: bool = False) -> dict[str, Any]:
    """`queued`: the caller knows a check of this PDF was queued when it was stored (the
    outgoing flow does), so a missing result of a fresh PDF reads "being checked"."""
    blob_id = getattr(blob, "pk", blob)
    validation = (
        BlobValidation.objects.filter(blob_id=blob_id).prefetch_related("signatures").first()
        if blob_id
        else None
    )
    created = getattr(blob, "created_at", None)
    pending = (
        validation is None
        and queued
        and created is not None
        and timezone.now() - created < CHECK_QUEUED_FOR
    )
    return {"validation": validation, "pending": pending}


@register.simple_tag(takes_context=True)
def signing_nav(context: dict[str, Any]) -> list[tuple[str, str]]:
    """The signing pages this person may open."""
    from vanphong.core.policy import can

    user = context["request"].user
    items = [
        ("signing:check", "Kiểm tra chữ ký"),
        ("signing:sign", "Ký số tệp PDF"),
        ("signing:certificates", "Chứng thư số của tôi"),
    ]
    if can(user, "signing.view_trust"):
        items.append(("signing:trust", "Chứng thư gốc và CRL"))
    return items
