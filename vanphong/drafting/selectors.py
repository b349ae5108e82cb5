"""Reads of outgoing documents, always through the policy scope."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from vanphong.core.models import Role, User
from vanphong.core.policy import filter_visible
from vanphong.drafting.models import (
    AWAITING_SIGNATURE,
    ISSUED_STATUSES,
    NUMBERED_STATUSES,
    OutgoingDocument,
    OutStatus,
    ReviewStep,
    StepStatus,
)

LISTS = {
    "cho-duyet": "Chờ tôi duyệt",
    "du-thao": "Dự thảo của tôi",
    "cho-ban-hanh": "Chờ cấp số, ban hành",
    "cho-ky-so": "Chờ ký số",
    "da-ban-hanh": "Đã ban hành",
}


def visible(user: User) -> QuerySet[OutgoingDocument]:
    base = OutgoingDocument.objects.select_related("doc_type", "signer", "drafter", "organisation")
    return filter_visible(user, "drafting.outgoing", base)


def listing(user: User, which: str, query: str = "") -> QuerySet[OutgoingDocument]:
    docs = visible(user)
    if which == "cho-duyet":
        docs = docs.filter(
            pk__in=ReviewStep.objects.filter(reviewer=user, status=StepStatus.PENDING).values(
                "document_id"
            ),
            status=OutStatus.IN_REVIEW,
        )
    elif which == "du-thao":
        # the drafter follows the document until it is issued (numbered ones wait for signatures)
        docs = docs.filter(drafter=user).exclude(status__in=ISSUED_STATUSES)
    elif which == "cho-ban-hanh":
        docs = docs.filter(status=OutStatus.APPROVED)
    elif which == "cho-ky-so":
        docs = docs.filter(_awaiting_signature(user)).order_by("-issued_at", "-pk")
    else:
        # numbered documents still waiting for a signature are not issued yet: they sit under
        # "Chờ ký số" (signer, văn thư) or "Dự thảo của tôi" (drafter), for everyone
        docs = docs.filter(status__in=ISSUED_STATUSES).order_by("-issue_date", "-issued_at")
    if query.strip():
        text = query.strip()
        docs = docs.filter(Q(summary__icontains=text) | Q(notation__icontains=text))
    return docs


def _awaiting_signature(user: User) -> Q:
    """What the user's "Chờ ký số" list holds: what they must sign or have signed while it
    waits for the office signature, and for the văn thư every numbered document of their
    organisation still waiting for the signer or the office signature."""
    mine = Q(status__in=AWAITING_SIGNATURE, signer=user)
    if user.has_role(Role.VAN_THU) and user.organisation_id is not None:
        mine |= Q(status__in=AWAITING_SIGNATURE, organisation_id=user.organisation_id)
    return mine


def detail(user: User, pk: int) -> OutgoingDocument | None:
    return visible(user).filter(pk=pk).first()


def register_rows(user: User, date_from: date, date_to: date) -> QuerySet[Any]:
    if user.organisation_id is None:
        return OutgoingDocument.objects.none()
    return (
        visible(user)
        .filter(
            organisation_id=user.organisation_id,
            status__in=NUMBERED_STATUSES,
            issue_date__gte=date_from,
            issue_date__lte=date_to,
        )
        .select_related("numbering__register", "related")
        .prefetch_related("recipients")
        .order_by("issue_date", "issued_at", "pk")
    )
