"""Incoming documents in the one policy: object rules and the SQL scope they share.

Visibility (the scope "documents.incoming", applied in the database query):
- only documents of the user's own organisation;
- non-secret: the văn thư, the office leadership and the Thường trực see the whole register;
  everyone else sees the documents they take part in (a work item of theirs or of a leader who
  delegated to them);
- secret (Mật and above): only with clearance >= the document's level, and only the văn thư
  (keeper of the secret register) or the people taking part (the leader who routes it included).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vanphong.core.models import Role, Secrecy, User
from vanphong.core.policy import can, rule, scope
from vanphong.documents import access
from vanphong.documents.models import IncomingDocument, WorkItem, WorkKind


def _participant_ids(user: User) -> list[int]:
    return [user.pk, *access.delegators_of(user)]


def visibility_q(user: User) -> Q:
    if user.organisation_id is None:
        return Q(pk__in=[])
    participant = Q(
        pk__in=WorkItem.objects.filter(user_id__in=_participant_ids(user)).values("document_id")
    )
    register_wide = user.has_role(*access.REGISTER_WIDE_ROLES) or bool(access.delegators_of(user))
    if not register_wide:
        # Sees only what they take part in, at every level up to their clearance (secrecy is
        # never negative): the rows of the two branches below with one list of their documents
        # in the SQL instead of two (each list is built per query).
        return Q(organisation_id=user.organisation_id, secrecy__lte=user.clearance) & participant
    non_secret = Q(secrecy=Secrecy.NONE)  # the whole register
    if user.clearance > Secrecy.NONE:
        secret_who = Q() if user.has_role(Role.VAN_THU) else participant
        secret = Q(secrecy__gt=Secrecy.NONE, secrecy__lte=user.clearance) & secret_who
        visible = non_secret | secret
    else:
        visible = non_secret
    return Q(organisation_id=user.organisation_id) & visible


@scope("documents.incoming")
def _incoming_scope(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(visibility_q(user))


def _visible(user: User, doc: IncomingDocument) -> bool:
    if doc.organisation_id != user.organisation_id or doc.secrecy > user.clearance:
        return False
    return IncomingDocument.objects.filter(visibility_q(user), pk=doc.pk).exists()


def _has_item(user: User, doc: IncomingDocument, *kinds: str) -> bool:
    return WorkItem.objects.filter(
        document=doc, user_id__in=_participant_ids(user), kind__in=kinds
    ).exists()


@rule("documents.register")
def _register(user: User, organisation: Any) -> bool:
    org_id = getattr(organisation, "pk", None) or user.organisation_id
    return access.is_clerk(user, org_id)


@rule("documents.view")
def _view(user: User, doc: IncomingDocument) -> bool:
    return _visible(user, doc)


@rule("documents.download")
def _download(user: User, doc: IncomingDocument) -> bool:
    return not doc.content_withheld and _visible(user, doc)


@rule("documents.clerk_action")
def _clerk_action(user: User, doc: IncomingDocument) -> bool:
    """Edit, present, cancel, mark duplicate: the văn thư of the document's organisation."""
    return access.is_clerk(user, doc.organisation_id) and _visible(user, doc)


@rule("documents.route")
def _route(user: User, doc: IncomingDocument) -> bool:
    """Direct, assign, reassign, extend, return, close: office leadership (or a delegate)."""
    if not access.is_router(user, doc.organisation_id) or doc.secrecy > user.clearance:
        return False
    if doc.secrecy > Secrecy.NONE:
        return _has_item(
            user, doc, WorkKind.ROUTE, WorkKind.REVIEW
        ) or doc.routed_by_id in _participant_ids(user)
    return True


@rule("documents.unit_assign")
def _unit_assign(user: User, doc: IncomingDocument) -> bool:
    """Pick the specialist, or forward to another unit: the head of the lead unit."""
    return access.is_unit_head(user, doc.lead_unit_id) and _visible(user, doc)


@rule("documents.handle")
def _handle(user: User, doc: IncomingDocument) -> bool:
    return doc.handler_id == user.pk and _visible(user, doc)


@rule("documents.co_handle")
def _co_handle(user: User, doc: IncomingDocument) -> bool:
    return _has_item(user, doc, WorkKind.CO) and _visible(user, doc)


@rule("documents.progress")
def _progress(user: User, doc: IncomingDocument) -> bool:
    return (
        can(user, "documents.handle", doc)
        or can(user, "documents.co_handle", doc)
        or can(user, "documents.unit_assign", doc)
    )


@rule("documents.read_info")
def _read_info(user: User, doc: IncomingDocument) -> bool:
    return WorkItem.objects.filter(document=doc, user=user, kind=WorkKind.INFO).exists()


@rule("documents.export_register")
def _export_register(user: User, organisation: Any) -> bool:
    org_id = getattr(organisation, "pk", None) or user.organisation_id
    return (
        access.is_clerk(user, org_id)
        or access.is_router(user, org_id)
        or (user.organisation_id == org_id and user.has_role(Role.LANH_DAO_DON_VI))
    )


@rule("documents.delegate")
def _delegate(user: User, obj: Any) -> bool:
    return user.has_role(*access.ROUTER_ROLES)
