"""Default outgoing configuration: counters by the Party rule, review chains, signers.

Idempotent; run for the demo and by `ensure_outgoing_configuration` in a fresh installation.
Administrators change all of it afterwards (admin site): abbreviations, shared counters,
restart rules, State notation, chains and signing authorities.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.text import slugify

from vanphong.core.models import Organisation, Role, User
from vanphong.documents.models import DocumentType
from vanphong.drafting.models import (
    Authority,
    ReviewChain,
    ReviewChainStep,
    SigningAuthority,
    StepKind,
)
from vanphong.numbering.models import (
    NotationStyle,
    OutgoingNumbering,
    Register,
    RegisterKind,
    RestartRule,
    Term,
)

DEFAULT_TERM = ("2025-2030", date(2025, 10, 1))


def numbering_create(
    *,
    organisation: Organisation,
    abbr: str,
    doc_types: list[DocumentType],
    restart_rule: str = RestartRule.TERM,
    style: str = NotationStyle.PARTY,
    issuer_code: str = "",
    for_secret: bool = False,
    name: str = "",
) -> OutgoingNumbering:
    """One counter for a group of document types of one issuer (shared when the group > 1)."""
    code = f"di-{slugify(abbr) or 'x'}{'-mat' if for_secret else ''}-{style}"
    register, _ = Register.objects.get_or_create(
        organisation=organisation,
        code=code[:40],
        defaults={
            "kind": RegisterKind.OUTGOING,
            "name": name or f"Sổ văn bản đi – {abbr}{' (mật)' if for_secret else ''}",
            "restart_rule": restart_rule,
            "for_secret": for_secret,
        },
    )
    numbering, _ = OutgoingNumbering.objects.get_or_create(
        register=register, defaults={"abbr": abbr, "style": style, "issuer_code": issuer_code}
    )
    numbering.doc_types.add(*doc_types)
    return numbering


@transaction.atomic
def ensure_outgoing_configuration(organisation: Organisation) -> None:
    if not Term.objects.filter(organisation=organisation).exists():
        Term.objects.create(
            organisation=organisation, name=DEFAULT_TERM[0], start_date=DEFAULT_TERM[1]
        )
    configured = set(
        OutgoingNumbering.objects.filter(register__organisation=organisation).values_list(
            "doc_types", flat=True
        )
    )
    groups: dict[str, list[DocumentType]] = {}
    for doc_type in DocumentType.objects.filter(is_active=True):
        if doc_type.pk not in configured:
            groups.setdefault(doc_type.abbr, []).append(doc_type)
    for abbr, types in groups.items():  # "QĐ": Quyết định and Quy định share one counter
        numbering_create(organisation=organisation, abbr=abbr, doc_types=types)
    chain, made = ReviewChain.objects.get_or_create(
        organisation=organisation,
        doc_type=None,
        defaults={"name": "Quy trình chung: lãnh đạo đơn vị → lãnh đạo văn phòng → người ký"},
    )
    if made:
        ReviewChainStep.objects.create(
            chain=chain, order=1, label="Lãnh đạo đơn vị soạn thảo", kind=StepKind.UNIT_HEAD
        )
        office_leader = (
            User.objects.filter(
                organisation=organisation,
                is_active=True,
                roles__role=Role.LANH_DAO_VAN_PHONG,
            )
            .order_by("pk")
            .first()
        )
        if office_leader is not None:
            ReviewChainStep.objects.create(
                chain=chain,
                order=2,
                label="Lãnh đạo văn phòng",
                kind=StepKind.USER,
                user=office_leader,
            )
        ReviewChainStep.objects.create(chain=chain, order=3, label="Người ký", kind=StepKind.SIGNER)
    if not SigningAuthority.objects.filter(organisation=organisation).exists():
        for user in User.objects.filter(
            organisation=organisation,
            is_active=True,
            roles__role__in=[Role.LANH_DAO_VAN_PHONG, Role.THUONG_TRUC],
        ).distinct():
            authority = Authority.TM if user.has_role(Role.THUONG_TRUC) else Authority.NONE
            SigningAuthority.objects.create(
                organisation=organisation,
                user=user,
                authority=authority,
                title=user.position,
                body="Ban Thường vụ" if authority == Authority.TM else "",
            )
