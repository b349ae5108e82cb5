"""`{{ value|cert_name }}`: a stored certificate name with Vietnamese attribute labels."""

from __future__ import annotations

from django import template

from vanphong.signing.trust import name_display

register = template.Library()


@register.filter
def cert_name(value: object) -> str:
    return name_display(str(value or ""))
