"""Archive records and digitisation batches in the one policy: rules and the SQL scopes.

Visibility of archive records (scope "archive.records", applied in the database query):
- only records of the user's own organisation;
- non-secret: the cán bộ lưu trữ, the văn thư, the office leadership and the Thường trực;
- secret (Mật and above): only the keepers (cán bộ lưu trữ, văn thư) with clearance >= the
  record's level.
Batches (scope "archive.batches"): the people who may import, of the same organisation, with
clearance >= the batch's level.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from vanphong.core.models import Role, Secrecy, User
from vanphong.core.policy import rule, scope

READER_ROLES = (Role.LUU_TRU, Role.VAN_THU, Role.LANH_DAO_VAN_PHONG, Role.THUONG_TRUC)
KEEPER_ROLES = (Role.LUU_TRU, Role.VAN_THU)


def records_q(user: User) -> Q:
    if user.organisation_id is None or not user.has_role(*READER_ROLES):
        return Q(pk__in=[])
    visible = Q(secrecy=Secrecy.NONE)
    if user.clearance > Secrecy.NONE and user.has_role(*KEEPER_ROLES):
        visible |= Q(secrecy__gt=Secrecy.NONE, secrecy__lte=user.clearance)
    return Q(organisation_id=user.organisation_id) & visible


def batches_q(user: User) -> Q:
    if user.organisation_id is None or not user.has_role(*KEEPER_ROLES):
        return Q(pk__in=[])
    return Q(organisation_id=user.organisation_id, secrecy__lte=user.clearance)


@scope("archive.records")
def _records_scope(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(records_q(user))


@scope("archive.batches")
def _batches_scope(user: User, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(batches_q(user))


def _same_org(user: User, obj: Any) -> bool:
    org_id = getattr(obj, "pk", None) or user.organisation_id
    return org_id is not None and org_id == user.organisation_id


@rule("archive.view")
def _view(user: User, obj: Any) -> bool:
    """Open the "Lưu trữ" module."""
    return user.organisation_id is not None and user.has_role(*READER_ROLES)


@rule("archive.record_view")
def _record_view(user: User, record: Any) -> bool:
    from vanphong.archive.models import ArchiveRecord

    return ArchiveRecord.objects.filter(records_q(user), pk=record.pk).exists()


@rule("archive.import")
def _import(user: User, organisation: Any) -> bool:
    """Start a digitisation batch, retry its failed items: the keepers of the organisation."""
    return _same_org(user, organisation) and user.has_role(*KEEPER_ROLES)


@rule("archive.import_incoming")
def _import_incoming(user: User, organisation: Any) -> bool:
    """A batch that registers incoming documents: only the văn thư (keeper of the register)."""
    return _same_org(user, organisation) and user.has_role(Role.VAN_THU)


@rule("archive.batch_view")
def _batch_view(user: User, batch: Any) -> bool:
    return (
        batch.organisation_id == user.organisation_id
        and batch.secrecy <= user.clearance
        and user.has_role(*KEEPER_ROLES)
    )
