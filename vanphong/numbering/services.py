"""Gap-free, duplicate-free number allocation.

A number is taken inside the caller's transaction: the counter row is advanced with one
`UPDATE ... RETURNING`, which locks it until the caller commits (PostgreSQL row lock; SQLite runs
write transactions as BEGIN IMMEDIATE, which serialises writers), so a rolled-back registration
gives its number back and two concurrent registrations never share one.
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
    return Allocated(_take(register, key, 1), key)


def number_allocate_block(*, register: Register, on_date: date, count: int) -> list[Allocated]:
    """`count` consecutive numbers in one step (batch registration), in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate_block must run inside the caller's transaction")
    if count < 1:
        return []
    if not register.is_active:
        raise DomainError(f"Sổ “{register.name}” đã ngừng sử dụng.")
    key = period_key_for(register, on_date)
    last = _take(register, key, count)
    return [Allocated(n, key) for n in range(last - count + 1, last + 1)]


def _take(register: Register, key: str, count: int) -> int:
    """Advance the counter by `count` and return its new last number.

    One `UPDATE ... RETURNING` (SQLite >= 3.35, PostgreSQL): the row is locked by the update
    until the caller's transaction ends, so numbers stay gap-free and unique; no separate
    SELECT ... FOR UPDATE round trip.
    """
    connection = transaction.get_connection()
    table = connection.ops.quote_name(Counter._meta.db_table)
    sql = (
        f"UPDATE {table} SET last_number = last_number + %s "
        "WHERE register_id = %s AND period_key = %s RETURNING last_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, register.pk, key])
        row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():
                Counter.objects.create(register=register, period_key=key, last_number=0)
        except IntegrityError:  # another transaction created it first: its row is ours now
            pass
        cursor.execute(sql, [count, register.pk, key])
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - the row exists by now
        raise RuntimeError(f"counter of register {register.pk} for {key} is missing")
    return int(row[0])
