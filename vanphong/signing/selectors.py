"""Reads for the signing pages, filtered by who asks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from vanphong.core.models import User
from vanphong.core.policy import can, is_admin
from vanphong.signing.models import SigningProfile
from vanphong.signing.signers import asks_secret
from vanphong.signing.trust_services import organisation_key_profiles


@dataclass(frozen=True)
class OrganisationKeyRow:
    """One organisation's own signing key and the certificate last read from it."""

    profile: SigningProfile
    organisation: str
    backend: str
    subject: str
    issuer: str
    serial: str
    not_after: dt.datetime | None
    days_left: int | None
    expired: bool
    expiring: bool  # within SIGNING_EXPIRY_WARN_DAYS and not yet expired
    read_at: dt.datetime | None
    error: str
    typed_secret: bool  # the passphrase/PIN is typed at signing: only a signature reads it


def organisation_keys_for(user: User) -> list[OrganisationKeyRow]:
    """Administrators see every organisation's key on this node; a văn thư sees their own."""
    if not can(user, "signing.view_trust"):
        return []
    profiles = organisation_key_profiles()
    if not is_admin(user):
        if user.organisation_id is None:
            return []
        profiles = profiles.filter(organisation_id=user.organisation_id)
    now = timezone.now()
    today = timezone.localdate()
    warn_days = int(getattr(settings, "SIGNING_EXPIRY_WARN_DAYS", 30))
    rows = []
    for profile in profiles:
        not_after = profile.cert_not_after
        days_left = (
            (timezone.localtime(not_after).date() - today).days if not_after is not None else None
        )
        expired = not_after is not None and not_after < now
        rows.append(
            OrganisationKeyRow(
                profile=profile,
                organisation=profile.organisation.full_name if profile.organisation else "",
                backend=profile.get_backend_display(),
                subject=profile.cert_subject,
                issuer=profile.cert_issuer,
                serial=profile.cert_serial,
                not_after=not_after,
                days_left=days_left,
                expired=expired,
                expiring=not expired and days_left is not None and days_left <= warn_days,
                read_at=profile.cert_read_at,
                error=profile.cert_error,
                typed_secret=asks_secret(profile),
            )
        )
    return rows
