"""Shared set-up of the benchmarks: Django on a separate bench database, and a fast bulk fill.

`setup()` points Django at the database that DATABASE_URL names, or else at a SQLite file under
var/bench (never the user's var/vanphong.sqlite3), migrates and loads the demo organisation.

`fill(n)` brings the database up to `n` incoming documents in batches of 5,000 written with
multi-row inserts (`executemany` on SQLite, `COPY` on PostgreSQL; not through the services, which
would take days for a million, nor `bulk_create`, whose per-field work made it an hour). The rows
look like years of real use of one provincial Party apparatus on one server: most documents in the
Văn phòng Tỉnh ủy, the rest in Ban Tổ chức, Ủy ban Kiểm tra and a commune; old documents closed,
recent ones in every state; work items for every step (the văn thư presents every document she
registers, the leaders route, unit heads assign, specialists handle), one history row and one audit
row per document, with the audit hash chain kept valid. Extra specialists in former units ("bench"
people) carry most of the handling, so a demo specialist such as `chuyenvien` ends up with a
realistic few thousand items. A database that already holds `n` documents is left as it is, so both
benches can share one filled database.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
BATCH = 5000
ARRIVALS_PER_YEAR = 100_000  # the whole server; sets how many years the fill spans


def setup() -> str:
    """Configure and start Django on the bench database; return "sqlite" or "postgresql"."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("VANPHONG_VAR_DIR", str(BASE_DIR / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanphong.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        user_db = (BASE_DIR / "var" / "vanphong.sqlite3").resolve()
        if Path(str(db["NAME"])).resolve() == user_db:
            raise SystemExit(
                "Từ chối chạy benchmark trên cơ sở dữ liệu của người dùng (var/vanphong.sqlite3). "
                "Hãy đặt VANPHONG_VAR_DIR=var/bench hoặc DATABASE_URL khác."
            )
    call_command("migrate", verbosity=0, interactive=False)
    from vanphong.core.demo import load_demo_organisation
    from vanphong.documents.demo import ensure_incoming_registers

    load_demo_organisation()
    ensure_incoming_registers()
    return str(settings.DB_VENDOR)


def arguments(description: str, **extra: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--docs", type=int, default=0, help="documents in the database first")
    for name, (kind, default, text) in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default, help=text)
    return parser.parse_args()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the cast -------------------------------------------------------------------------------
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
_MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Quang", "Ngọc", "Đức", "Thanh", "Hữu", "Kim")
_GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hương", "Khánh", "Lan", "Long")


@dataclass
class Team:
    unit_id: int
    heads: list[int]
    handlers: list[int]  # repeated ids weight a person


@dataclass
class OrgCast:
    org_id: int
    share: float
    clerks: list[int]
    routers: list[int]
    teams: list[Team]
    readers: list[int]
    registers: dict[bool, int] = field(default_factory=dict)  # for_secret -> register id


def _ids(*usernames: str) -> list[int]:
    from vanphong.core.models import User

    found = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    return [found[u] for u in usernames if u in found]


def _bench_people(org_id: int, teams: int) -> list[Team]:
    """`teams` extra (former) units of the Văn phòng, each with one head and eight specialists."""
    from django.contrib.auth.hashers import make_password

    from vanphong.core.models import Role, Unit, User, UserRole

    made: list[Team] = []
    password = make_password(None)
    rng = random.Random(7)
    for t in range(1, teams + 1):
        # Units of earlier years (since merged or dissolved): they carry history, but today's
        # filter lists show only the office's current units.
        unit, _ = Unit.objects.update_or_create(
            organisation_id=org_id,
            name=f"Phòng Nghiệp vụ {t}",
            defaults={"short_name": f"NV{t}", "order": 20 + t, "is_active": False},
        )
        names = [f"bench.nv{t}.tp", *[f"bench.nv{t}.cv{i}" for i in range(1, 9)]]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        fresh = [
            User(
                username=name,
                password=password,
                full_name=f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}",
                organisation_id=org_id,
                unit=unit,
                position="Trưởng phòng" if name.endswith(".tp") else "Chuyên viên",
            )
            for name in names
            if name not in existing
        ]
        User.objects.bulk_create(fresh)
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        UserRole.objects.bulk_create(
            [
                UserRole(
                    user_id=users[name],
                    role=Role.LANH_DAO_DON_VI if name.endswith(".tp") else Role.CHUYEN_VIEN,
                )
                for name in names
            ],
            ignore_conflicts=True,
        )
        made.append(Team(unit.pk, [users[names[0]]], [users[n] for n in names[1:]]))
    return made


def _unit_id(org_id: int, name: str) -> int | None:
    from vanphong.core.models import Unit

    return (
        Unit.objects.filter(organisation_id=org_id, name=name).values_list("pk", flat=True).first()
    )


def cast_for(total: int) -> list[OrgCast]:
    from vanphong.core.models import Organisation
    from vanphong.numbering.models import Register

    def org(identifier: str) -> int:
        return Organisation.objects.get(identifier=identifier).pk

    vptu, btc, ubkt, xa = (
        org("000.00.01.T45"),
        org("000.00.02.T45"),
        org("000.00.03.T45"),
        org("000.01.10.T45"),
    )
    teams = []
    for name, heads, handlers in (
        (
            "Phòng Tổng hợp",
            ("truongphong", "phophong"),
            ("chuyenvien", "chuyenvien2", "chuyenvien3"),
        ),
        ("Phòng Đảng vụ", ("tpdv",), ("cvdv",)),
        ("Phòng Hành chính - Lưu trữ", ("tphcl",), ("cvhcl",)),
        ("Phòng Quản trị - Tài vụ", ("tpqttv",), ("cvqttv",)),
    ):
        unit_id = _unit_id(vptu, name)
        if unit_id is not None:
            teams.append(Team(unit_id, _ids(*heads), _ids(*handlers)))
    extra = _bench_people(vptu, max(1, math.ceil(total / 25_000)))
    teams += extra
    casts = [
        OrgCast(
            vptu,
            0.78,
            _ids("vanthu", "vanthu", "vanthu2"),
            _ids("lanhdao", "phochanh"),
            teams,
            _ids("chuyenvien", "truongphong", "tpdv", "chuyenvien2", "phochanh")
            + [p for t in extra for p in (*t.heads, *t.handlers)],
        ),
        OrgCast(
            btc,
            0.12,
            _ids("vanthubtc"),
            _ids("truongbantc"),
            [Team(u, _ids("tpcb"), _ids("cvcb")) for u in [_unit_id(btc, "Phòng Cán bộ")] if u],
            _ids("tpcb"),
        ),
        OrgCast(ubkt, 0.06, _ids("vanthuubkt"), [], [], []),
        OrgCast(xa, 0.04, _ids("vanthuxa"), _ids("bithuxa"), [], []),
    ]
    for c in casts:
        c.registers = {
            r.for_secret: r.pk
            for r in Register.objects.filter(organisation_id=c.org_id, kind="incoming")
        }
    return casts


# --- the fill -------------------------------------------------------------------------------
def _status_for(age: int, rng: random.Random) -> str:
    """Old documents are finished; recent ones are spread over every state."""
    r = rng.random()
    if r < 0.015:
        return "cancelled"
    table = (
        (2, (("registered", 0.4), ("presented", 0.3), ("assigned", 0.15), ("in_progress", 1))),
        (14, (("presented", 0.05), ("assigned", 0.2), ("in_progress", 0.7), ("done", 0.8))),
        (60, (("assigned", 0.03), ("in_progress", 0.33), ("done", 0.4))),
        (120, (("in_progress", 0.08), ("done", 0.1))),
        (10**6, (("in_progress", 0.003), ("done", 0.01))),
    )
    r = rng.random()
    for limit, steps in table:
        if age <= limit:
            for status, upto in steps:
                if r < upto:
                    return status
            return "closed"
    return "closed"


def _days(total: int, today: date) -> Iterator[tuple[date, int]]:
    """(arrival date, arrivals that day), weekdays only, oldest first, summing to `total`."""
    years = max(1, math.ceil(total / ARRIVALS_PER_YEAR))
    start = today - timedelta(days=365 * years)
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    per_day, extra = divmod(total, len(days))
    for i, day in enumerate(days):
        yield day, per_day + (1 if i < extra else 0)


@dataclass
class FillResult:
    added: int
    seconds: float
    total: int


def fill(target: int, *, seed: int = 1) -> FillResult:
    """Add documents until the database holds `target` incoming documents."""
    from django.db import connection, transaction

    from vanphong.documents.models import IncomingDocument

    existing = IncomingDocument.objects.count()
    if existing >= target:
        return FillResult(0, 0.0, existing)
    started = time.perf_counter()
    casts = [c for c in cast_for(target) if c.clerks and c.registers]
    maker = _Maker(casts, random.Random(seed))
    to_add = target - existing
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    done = 0
    days = iter(_days(to_add, maker.today))
    pending: list[date] = []
    for day, count in days:
        pending.extend([day] * count)
        while len(pending) >= BATCH or (pending and len(pending) + done >= to_add):
            chunk, pending = pending[:BATCH], pending[BATCH:]
            with transaction.atomic():
                maker.write(chunk)
            done += len(chunk)
            if done % 50_000 < len(chunk):
                rate = done / (time.perf_counter() - started)
                log(f"  đã thêm {done:,}/{to_add:,} văn bản ({rate:,.0f}/giây)")
    with transaction.atomic():
        maker.finish()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:  # what autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums after
            # inserts too): statistics, and the visibility map that lets the work items' index
            # answer alone (without it, each search read ~5,600 heap pages of work items)
            cursor.execute("VACUUM ANALYZE")
    return FillResult(to_add, time.perf_counter() - started, target)


def _columns(model: Any, given: tuple[str, ...]) -> None:
    """Fail loudly if the model gained a column the fill does not write."""
    missing = [f.column for f in model._meta.concrete_fields if f.column not in given]
    if missing:
        raise SystemExit(f"bench/_fill.py: {model._meta.db_table} has new columns {missing}")


DOC_COLS = (
    "id",
    "organisation_id",
    "register_id",
    "period_key",
    "arrival_number",
    "arrival_date",
    "received_at",
    "channel",
    "sender_id",
    "code_notation",
    "code_key",
    "document_date",
    "doc_type_id",
    "summary",
    "signer_name",
    "page_count",
    "urgency",
    "secrecy",
    "content_withheld",
    "due_date",
    "notes",
    "status",
    "registered_by_id",
    "presented_to_id",
    "direction",
    "routed_by_id",
    "lead_unit_id",
    "lead_user_id",
    "handler_id",
    "duplicate_of_id",
    "duplicate_reason",
    "reply_reference",
    "completed_at",
    "completed_on_time",
    "cancel_reason",
    "updated_at",
)
ITEM_COLS = (
    "document_id",
    "user_id",
    "kind",
    "status",
    "due_date",
    "secrecy",
    "created_at",
    "done_at",
    "assigned_by_id",
    "unit_id",
)
EVENT_COLS = (
    "document_id",
    "actor_id",
    "on_behalf_of_id",
    "at",
    "action",
    "from_status",
    "to_status",
    "note",
    "data",
)
AUDIT_COLS = (
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "summary",
    "data",
    "ip",
    "prev_hash",
    "hash",
)


class _Writer:
    """Multi-row inserts without the ORM: executemany on SQLite, COPY on PostgreSQL.

    The ORM's bulk_create spends most of its time preparing each field of each row (measured:
    about 300 documents a second with their work items here, an hour per million).
    """

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.sqlite = connection.vendor == "sqlite"

    def date(self, value: date | None) -> Any:
        return value.isoformat() if self.sqlite and value is not None else value

    def moment(self, value: datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def flag(self, value: bool | None) -> Any:
        return int(value) if self.sqlite and value is not None else value

    def insert(self, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in cols)
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.sqlite:
            marks = ", ".join("?" * len(cols))
            raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            return
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


class _Maker:
    def __init__(self, casts: list[OrgCast], rng: random.Random) -> None:
        from django.conf import settings
        from django.db import connection
        from django.db.models import Max
        from django.utils import timezone

        from vanphong.core.models import AuditEvent, Organisation, User
        from vanphong.documents import access, services
        from vanphong.documents import demo_corpus as corpus
        from vanphong.documents.demo import NumberBook
        from vanphong.documents.models import (
            DocumentEvent,
            DocumentType,
            IncomingDocument,
            WorkItem,
        )
        from vanphong.numbering.models import Counter

        for model, cols in (
            (IncomingDocument, DOC_COLS),
            (WorkItem, ITEM_COLS + ("id",)),
            (DocumentEvent, EVENT_COLS + ("id",)),
            (AuditEvent, AUDIT_COLS + ("id",)),
        ):
            _columns(model, cols)
        self.corpus = corpus
        self.rng = rng
        self.out = _Writer()
        self.now = timezone.now()
        self.today = access.today()
        self.casts = casts
        self.weights = [c.share for c in casts]
        self.types = list(DocumentType.objects.values_list("name", "pk", "abbr"))
        self.type_by_name = {name: (pk, abbr) for name, pk, abbr in self.types}
        clerk = User.objects.get(username="vanthu")
        by_identifier = dict(
            Organisation.objects.exclude(identifier="").values_list("identifier", "pk")
        )
        self.senders = []
        for spec in corpus.weighted_senders():
            pk = by_identifier.get(spec.identifier)
            if pk is None:
                pk = services.sender_create(
                    actor=clerk, full_name=spec.full_name, short_name=spec.short_name
                ).pk
            self.senders.append((spec, pk))
        self.numbers = NumberBook(rng)
        self.year = 0
        self.counters: dict[tuple[int, str], int] = {
            (c.register_id, c.period_key): c.last_number for c in Counter.objects.all()
        }
        self.next_id = (IncomingDocument.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.pg = connection.vendor == "postgresql"
        self.now_db = self.out.moment(self.now)
        zone = ZoneInfo(settings.TIME_ZONE)
        self.utc_offset = zone.utcoffset(datetime(self.today.year, 1, 1)) or timedelta(0)

    def at(self, day: date, minute: int = 0) -> Any:
        """A moment of the working day `day` (from 07:30, `minute` later), as the column wants
        it. Vietnam keeps one offset all year, so local time is UTC + a constant."""
        local = datetime(day.year, day.month, day.day, 7, 30) + timedelta(minutes=minute)
        moment = local - self.utc_offset
        return moment.isoformat(" ") if self.out.sqlite else moment.replace(tzinfo=UTC)

    def write(self, days: list[date]) -> None:
        docs: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        for day in days:
            doc, doc_items = self.plan(day)
            docs.append(tuple(doc[c] for c in DOC_COLS))
            items.extend(doc_items)
        self.out.insert("documents_incomingdocument", DOC_COLS, docs)
        self.out.insert("documents_workitem", ITEM_COLS, items)
        self._history(docs)
        if self.pg:  # explicit ids: move the sequence past them
            with self.out.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('documents_incomingdocument', 'id'), %s)",
                    [self.next_id - 1],
                )

    def plan(self, day: date) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
        from vanphong.documents.services.registration import code_key

        rng, corpus, out = self.rng, self.corpus, self.out
        if day.year != self.year:
            self.year, self.numbers = day.year, type(self.numbers)(rng)
        org = rng.choices(self.casts, self.weights)[0]
        spec, sender_id = rng.choice(self.senders)
        type_name = rng.choice(spec.types)
        if type_name not in self.type_by_name:
            type_name = "Công văn"
        type_id, abbr = self.type_by_name[type_name]
        secret = rng.random() < 0.03 and True in org.registers
        register = org.registers[secret]
        key = (register, str(day.year))
        self.counters[key] = number = self.counters.get(key, 0) + 1
        age = (self.today - day).days
        status = _status_for(age, rng)
        if not org.routers and status not in ("registered", "cancelled"):
            status = "closed"
        if secret:
            status = "registered" if age <= 30 else "closed"
        notation = self.numbers.next(spec, type_name, abbr)
        document_date = day - timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))
        doc_id, self.next_id = self.next_id, self.next_id + 1
        minute = rng.randint(0, 540)
        doc: dict[str, Any] = {
            "id": doc_id,
            "organisation_id": org.org_id,
            "register_id": register,
            "period_key": str(day.year),
            "arrival_number": number,
            "arrival_date": out.date(day),
            "received_at": self.at(day, minute),
            "channel": "electronic" if rng.random() < 0.65 and not secret else "paper",
            "sender_id": sender_id,
            "code_notation": notation,
            "code_key": code_key(notation),
            "document_date": out.date(document_date),
            "doc_type_id": type_id,
            "summary": "" if secret else corpus.summary_for(type_name, rng, document_date),
            "signer_name": rng.choice(spec.signers)[2],
            "page_count": rng.randint(1, 12),
            "urgency": rng.choices((0, 1, 2, 3), (85, 9, 4, 2))[0],
            "secrecy": 1 if secret else 0,
            "content_withheld": out.flag(secret),
            "due_date": None,
            "notes": "",
            "status": status,
            "registered_by_id": rng.choice(org.clerks[:1] if secret else org.clerks),
            "presented_to_id": None,
            "direction": "",
            "routed_by_id": None,
            "lead_unit_id": None,
            "lead_user_id": None,
            "handler_id": None,
            "duplicate_of_id": None,
            "duplicate_reason": "",
            "reply_reference": "",
            "completed_at": None,
            "completed_on_time": None,
            "cancel_reason": "",
            "updated_at": self.now_db,
        }
        items = self._route(doc, org, status, day, minute)
        return doc, items

    def _route(
        self, doc: dict[str, Any], org: OrgCast, status: str, day: date, minute: int
    ) -> list[tuple[Any, ...]]:
        """Fill the routing fields of `doc` and return its work items as rows."""
        rng, out = self.rng, self.out
        items: list[tuple[Any, ...]] = []
        finished = status in ("done", "closed")
        done_day = min(self.today, day + timedelta(days=rng.randint(1, 25)))
        finished_at = self.at(done_day, rng.randint(0, 540))
        step = 0

        def item(
            user: int,
            kind: str,
            state: str,
            by: int | None,
            due: date | None = None,
            unit: int | None = None,
        ) -> None:
            nonlocal step  # each step of the routing comes a little later than the one before
            step += 1
            later = min(self.today, day + timedelta(days=step // 2))
            created = self.at(later, minute + 20 * step) if step > 1 else self.at(day, minute)
            items.append(
                (
                    doc["id"],
                    user,
                    kind,
                    state,
                    out.date(due),
                    doc["secrecy"],
                    created,
                    finished_at if state == "done" else None,
                    by,
                    unit,
                )
            )

        clerk = doc["registered_by_id"]
        if status == "cancelled":
            doc["cancel_reason"] = rng.choice(self.corpus.CANCEL_REASONS)
        if status == "registered" or (status == "cancelled" and rng.random() < 0.5):
            item(clerk, "present", "open" if status == "registered" else "done", clerk)
            return items
        item(clerk, "present", "done", clerk)
        if not org.routers:
            return items
        router = rng.choice(org.routers)
        doc["presented_to_id"] = router
        if status in ("presented", "cancelled"):
            item(router, "route", "open" if status == "presented" else "done", clerk)
            return items
        item(router, "route", "done", clerk)
        doc["routed_by_id"] = router
        if status == "closed" and (doc["secrecy"] or rng.random() < 0.15 or not org.teams):
            doc["direction"] = "Lưu hồ sơ, để biết."
            doc["completed_at"] = self.at(min(self.today, day + timedelta(days=1)), minute)
            doc["completed_on_time"] = out.flag(True)
            return items
        due = day + timedelta(days=rng.choice((7, 10, 15, 15, 20, 30)))
        due = due if rng.random() < 0.8 else None
        doc["due_date"] = out.date(due)
        readers = [r for r in org.readers if r != router] if rng.random() < 0.2 else []
        rng.shuffle(readers)
        for reader in readers[: rng.choice((1, 1, 2))]:
            read = finished and rng.random() < 0.6
            item(reader, "info", "done" if read else "open", router)
        team = rng.choice(org.teams) if org.teams else None
        if team is None:
            return items
        doc["lead_unit_id"] = team.unit_id
        doc["direction"] = rng.choice(self.corpus.DIRECTIONS).format(unit="Phòng chủ trì")
        for head in team.heads:
            state = "open" if status == "assigned" else "done"
            item(head, "lead_unit", state, router, due, team.unit_id)
        if status == "assigned":
            return items
        handler = rng.choice(team.handlers)
        doc["handler_id"] = handler
        state = "done" if finished else rng.choice(("open", "active", "active"))
        item(handler, "handle", state, team.heads[0], due, team.unit_id)
        others = [h for h in team.handlers if h != handler]
        if others and rng.random() < 0.15:
            co_state = "done" if finished else "open"
            item(rng.choice(others), "co", co_state, team.heads[0], due, team.unit_id)
        if finished:
            doc["completed_at"] = finished_at
            doc["completed_on_time"] = out.flag(due is None or done_day <= due)
            if rng.random() < 0.5:
                doc["reply_reference"] = f"Công văn số {rng.randint(1, 999)}-CV/VPTU"
            item(router, "review", "open" if status == "done" else "done", handler)
        return items

    def _history(self, docs: list[tuple[Any, ...]]) -> None:
        """One "register" history row and one chained audit row per document."""
        import json

        from vanphong.core.audit import GENESIS, _row_hash
        from vanphong.core.models import AuditEvent, AuditHead

        at = self.now_db
        id_at, number_at = DOC_COLS.index("id"), DOC_COLS.index("arrival_number")
        clerk_at = DOC_COLS.index("registered_by_id")
        events = [
            (
                d[id_at],
                d[clerk_at],
                None,
                at,
                "register",
                "",
                "registered",
                "",
                json.dumps({"number": d[number_at]}),
            )
            for d in docs
        ]
        self.out.insert("documents_documentevent", EVENT_COLS, events)
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        prev = head.last_hash or GENESIS
        created = self.now.isoformat()
        rows = []
        for d in docs:
            data = {"from": "", "to": "registered", "number": d[number_at]}
            summary = f"Vào sổ: số đến {d[number_at]}"
            digest = _row_hash(
                prev_hash=prev,
                created_at=created,
                actor_id=d[clerk_at],
                actor_name="",
                action="incoming.register",
                object_type="documents.incomingdocument",
                object_id=str(d[id_at]),
                summary=summary,
                data=data,
                ip="",
            )
            rows.append(
                (
                    at,
                    d[clerk_at],
                    "",
                    "incoming.register",
                    "documents.incomingdocument",
                    str(d[id_at]),
                    summary,
                    json.dumps(data, ensure_ascii=False),
                    "",
                    prev,
                    digest,
                )
            )
            prev = digest
        self.out.insert("core_auditevent", AUDIT_COLS, rows)
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        assert last is not None and last[1] == prev
        head.last_id, head.last_hash = last[0], prev
        head.save(update_fields=["last_id", "last_hash"])

    def finish(self) -> None:
        """Counters continue after the filled numbers, so later registrations never collide."""
        from vanphong.numbering.models import Counter

        for (register, period), last in self.counters.items():
            Counter.objects.update_or_create(
                register_id=register, period_key=period, defaults={"last_number": last}
            )


class CpuClock:
    """CPU seconds spent by this process and, on PostgreSQL, by its server backend process.

    Other programs on a shared machine slow the wall clock down; the CPU time the work itself
    needs does not change with them, so both are reported.
    """

    def __init__(self) -> None:
        from django.db import connection

        self.stat: Path | None = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
            self.stat = stat if stat.exists() else None
        self.tick = os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float:
        own = time.process_time()
        if self.stat is None:
            return own
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return own + (int(fields[11]) + int(fields[12])) / self.tick


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]
