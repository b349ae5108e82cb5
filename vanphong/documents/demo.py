"""Demo incoming documents (filled in by the demo generator)."""

from __future__ import annotations

from vanphong.core.models import Organisation
from vanphong.numbering.models import Register, RegisterKind, RestartRule


def ensure_incoming_registers() -> int:
    """Every organisation served here gets "Sổ văn bản đến" and "Sổ văn bản đến mật"."""
    created = 0
    for org in Organisation.objects.filter(served_here=True):
        for code, name, secret in (
            ("den", "Sổ văn bản đến", False),
            ("den-mat", "Sổ văn bản đến mật", True),
        ):
            _, made = Register.objects.get_or_create(
                organisation=org,
                code=code,
                defaults={
                    "name": name,
                    "kind": RegisterKind.INCOMING,
                    "for_secret": secret,
                    "restart_rule": RestartRule.YEARLY,
                },
            )
            created += made
    return created


def load_demo_documents(count: int = 300) -> int:
    ensure_incoming_registers()
    return 0
