"""Who may configure trust, register certificates and sign."""

from __future__ import annotations

from typing import Any

from vanphong.core.models import Role, User
from vanphong.core.policy import is_admin, rule


@rule("signing.manage_trust")
def _manage_trust(user: User, obj: Any) -> bool:
    return is_admin(user)


@rule("signing.view_trust")
def _view_trust(user: User, obj: Any) -> bool:
    return is_admin(user) or user.has_role(Role.VAN_THU)


@rule("signing.register_certificate")
def _register_certificate(user: User, obj: Any) -> bool:
    return True


@rule("signing.manage_certificate")
def _manage_certificate(user: User, obj: Any) -> bool:
    return obj is not None and (obj.user_id == user.pk or is_admin(user))


@rule("signing.sign_personal")
def _sign_personal(user: User, obj: Any) -> bool:
    return True


@rule("signing.sign_organisation")
def _sign_organisation(user: User, obj: Any) -> bool:
    return (
        obj is not None
        and user.has_role(Role.VAN_THU)
        and user.organisation_id is not None
        and obj.pk == user.organisation_id
    )
