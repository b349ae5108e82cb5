"""The outgoing side of an incoming document: the replies that answer it, the issuing copy."""

from __future__ import annotations

from typing import Any

from django import template

from vanphong.core.models import User
from vanphong.drafting import selectors
from vanphong.drafting.models import OutStatus, Recipient, ReplyLink

register = template.Library()


@register.inclusion_tag("drafting/_incoming_links.html")
def outgoing_links(document: Any, user: User) -> dict[str, Any]:
    """Replies (văn bản trả lời) and origin (văn bản đi nhận trong hệ thống) of `document`."""
    visible = set(selectors.visible(user).values_list("pk", flat=True)[:500])
    replies = [
        (link.outgoing, link.outgoing_id in visible)
        for link in ReplyLink.objects.filter(incoming=document).select_related("outgoing__doc_type")
        if link.outgoing.status in (OutStatus.ISSUED, OutStatus.RECALLED)
        or link.outgoing_id in visible
    ]
    origin = (
        Recipient.objects.filter(incoming=document).select_related("document__organisation").first()
    )
    return {"replies": replies, "origin": origin.document if origin else None}
