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
