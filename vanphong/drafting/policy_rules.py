"""Outgoing documents in the one policy.

Visibility (scope "drafting.outgoing"): documents of the user's own organisation, with secrecy
within the user's clearance, seen by the văn thư and the office leadership (the whole register),
by the head of the drafting unit, and by the people taking part (drafter, signer, reviewers).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vanphong.core.models import Role, User
from vanphong.core.policy import is_admin, rule, scope
from vanphong.documents import access
from vanphong.drafting.models import (
    EDITABLE_STATUSES,
    OutgoingDocument,
    OutStatus,
    ReviewStep,
    StepStatus,
)


def visibility_q(user: User) -> Q:
    if user.organisation_id is None:
        return Q(pk__in=[])
    within = Q(organisation_id=user.organisation_id, secrecy__lte=user.clearance)
    if user.has_role(*access.REGISTER_WIDE_ROLES):
        return within
    taking_part = (
        Q(drafter=user)
        | Q(signer=user)
        | Q(pk__in=ReviewStep.objects.filter(reviewer=user).values("document_id"))
    )
    if user.has_role(Role.LANH_DAO_DON_VI) and user.unit_id is not None:
        taking_part |= Q(unit_id=user.unit_id)
    return within & taking_part


@scope("drafting.outgoing")
def _outgoing_scope(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(visibility_q(user))


def _visible(user: User, doc: OutgoingDocument) -> bool:
    if doc.organisation_id != user.organisation_id or doc.secrecy > user.clearance:
        return False
    return OutgoingDocument.objects.filter(visibility_q(user), pk=doc.pk).exists()


@rule("drafting.create")
def _create(user: User, obj: Any) -> bool:
    return user.organisation_id is not None


@rule("drafting.view")
def _view(user: User, doc: OutgoingDocument) -> bool:
    return _visible(user, doc)


@rule("drafting.edit")
def _edit(user: User, doc: OutgoingDocument) -> bool:
    return doc.drafter_id == user.pk and doc.status in EDITABLE_STATUSES and _visible(user, doc)


@rule("drafting.review")
def _review(user: User, doc: OutgoingDocument) -> bool:
    return (
        doc.status == OutStatus.IN_REVIEW
        and ReviewStep.objects.filter(
            document=doc,
            round=doc.review_round,
            order=doc.current_step,
            reviewer=user,
            status=StepStatus.PENDING,
        ).exists()
    )


@rule("drafting.issue")
def _issue(user: User, doc: OutgoingDocument) -> bool:
    """Numbering, issuance, dispatch: the văn thư of the issuing organisation."""
    return access.is_clerk(user, doc.organisation_id) and doc.secrecy <= user.clearance


@rule("drafting.recall")
def _recall(user: User, doc: OutgoingDocument) -> bool:
    return (
        access.is_clerk(user, doc.organisation_id) or access.is_router(user, doc.organisation_id)
    ) and doc.secrecy <= user.clearance


@rule("drafting.export_register")
def _export(user: User, organisation: Any) -> bool:
    org_id = getattr(organisation, "pk", None) or user.organisation_id
    return access.is_clerk(user, org_id) or access.is_router(user, org_id)


@rule("drafting.configure")
def _configure(user: User, obj: Any) -> bool:
    return is_admin(user)
