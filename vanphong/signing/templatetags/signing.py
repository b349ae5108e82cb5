"""`{% signature_validation blob %}`: the stored validation of a PDF, shown per signature."""

from __future__ import annotations

from typing import Any

from django import template

from vanphong.signing.models import BlobValidation

register = template.Library()


@register.inclusion_tag("signing/_validation.html")
def signature_validation(blob: Any) -> dict[str, Any]:
    blob_id = getattr(blob, "pk", blob)
    validation = (
        BlobValidation.objects.filter(blob_id=blob_id).prefetch_related("signatures").first()
        if blob_id
        else None
    )
    return {"validation": validation}


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
