"""Gap-free, duplicate-free number allocation.

A number is taken inside the caller's transaction: the counter row is locked
(SELECT ... FOR UPDATE on PostgreSQL; SQLite runs write transactions as BEGIN IMMEDIATE, which
serialises writers), so a rolled-back registration gives its number back and two concurrent
registrations never share one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction

from vanphong.core.errors import DomainError
from vanphong.numbering.models import Counter, Register, RestartRule, Term


@dataclass(frozen=True)
class Allocated:
    number: int
    period_key: str


def period_key_for(register: Register, on_date: date) -> str:
    if register.restart_rule == RestartRule.YEARLY:
        return str(on_date.year)
    if register.restart_rule == RestartRule.NEVER:
        return "all"
    term = (
        Term.objects.filter(organisation_id=register.organisation_id, start_date__lte=on_date)
        .order_by("-start_date")
        .first()
    )
    if term is None:
        raise DomainError(
            f"Sổ “{register.name}” đánh số theo nhiệm kỳ nhưng chưa khai báo nhiệm kỳ bao gồm "
            f"ngày {on_date:%d/%m/%Y}. Quản trị cần khai báo nhiệm kỳ."
        )
    return f"term-{term.start_date.isoformat()}"


def number_allocate(*, register: Register, on_date: date) -> Allocated:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside the caller's transaction")
    if not register.is_active:
        raise DomainError(f"Sổ “{register.name}” đã ngừng sử dụng.")
    key = period_key_for(register, on_date)
    counter = Counter.objects.select_for_update().filter(register=register, period_key=key).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = Counter.objects.create(register=register, period_key=key, last_number=0)
        except IntegrityError:
            counter = Counter.objects.select_for_update().get(register=register, period_key=key)
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return Allocated(counter.last_number, key)
