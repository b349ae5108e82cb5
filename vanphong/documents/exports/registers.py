"""The two registers of incoming documents: their columns and how a document fills a row.

Rows come from `selectors.export_rows`, already filtered by the policy in SQL, and are streamed
a chunk at a time; what a chunk needs from the history (the date a document was handed on, the
latest progress note) is fetched in one query per chunk, never one per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.db.models import Max
from django.utils import timezone

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.documents import access, selectors
from vanphong.documents.exports.base import Chunk, Column, Kind, Section, Value
from vanphong.documents.models import DocumentEvent, EventAction, IncomingDocument, Status
from vanphong.numbering.models import Register

CHUNK_SIZE = 500
WITHHELD = "Văn bản mật"
HANDED_ON = (EventAction.ROUTE, EventAction.REASSIGN, EventAction.FORWARD)


def _d(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _person(user: User | None) -> str:
    if user is None:
        return ""
    name = user.full_name or user.username
    return f"{name} ({user.position})" if user.position else name


def _type_and_summary(doc: IncomingDocument) -> str:
    summary = WITHHELD if doc.content_withheld else doc.summary.strip()
    return f"{doc.doc_type.name}: {summary}" if summary else doc.doc_type.name


def _remarks(doc: IncomingDocument) -> str:
    parts = []
    if doc.status == Status.CANCELLED:
        parts.append(f"Hủy: {doc.cancel_reason}" if doc.cancel_reason else "Hủy")
    if doc.secrecy:
        parts.append(doc.get_secrecy_display())
    if doc.urgency:
        parts.append(doc.get_urgency_display())
    if doc.channel == "electronic":
        parts.append("Bản điện tử")
    if doc.duplicate_of is not None:
        parts.append(f"Trùng với số đến {doc.duplicate_of.arrival_number}")
    if doc.notes.strip() and not doc.content_withheld:
        parts.append(doc.notes.strip())
    return "; ".join(parts)


def _incoming_row(doc: IncomingDocument, chunk: Chunk, today: date) -> list[Value]:
    """Sổ đăng ký văn bản đến: who received the document and when it was handed on."""
    if doc.lead_unit is not None or doc.lead_user is not None:
        receiver = doc.lead_unit.name if doc.lead_unit is not None else _person(doc.lead_user)
        handed = _d(chunk.handed_on.get(doc.pk))
    elif doc.presented_to is not None:
        receiver, handed = _person(doc.presented_to), _d(chunk.presented.get(doc.pk))
    else:
        receiver, handed = "", None
    return [
        doc.arrival_date,
        doc.arrival_number,
        doc.sender.full_name,
        doc.code_notation,
        doc.document_date,
        _type_and_summary(doc),
        receiver,
        handed,
        "",  # ký nhận: signed by hand on the printed register
        _remarks(doc),
    ]


def _progress(doc: IncomingDocument, chunk: Chunk, today: date) -> str:
    lines = [doc.get_status_display()]
    if doc.status in (Status.DONE, Status.CLOSED) and doc.completed_at is not None:
        when = f"{_d(doc.completed_at):%d/%m/%Y}"
        if doc.completed_on_time is False:
            lines[0] += f" (hoàn thành {when}, quá hạn)"
        else:
            lines[0] += f" (hoàn thành {when})"
    elif doc.due_date is not None and doc.due_date < today:
        lines[0] += f" – quá hạn {(today - doc.due_date).days} ngày"
    latest = chunk.progress.get(doc.pk)
    if latest is not None and not doc.content_withheld:
        lines.append(f"{_d(latest[0]):%d/%m/%Y}: {latest[1].strip()}")
    return "\n".join(lines)


def _handlers(doc: IncomingDocument) -> str:
    if doc.lead_unit is not None:
        handler = doc.handler.full_name if doc.handler is not None else ""
        return f"{doc.lead_unit.name}: {handler}" if handler else doc.lead_unit.name
    if doc.lead_user is not None:
        return _person(doc.lead_user)
    return ""


def _follow_up_row(doc: IncomingDocument, chunk: Chunk, today: date) -> list[Value]:
    """Sổ theo dõi giải quyết văn bản đến: handler, deadline, progress, reply."""
    return [
        doc.arrival_number,
        doc.arrival_date,
        f"{doc.code_notation}\n{_type_and_summary(doc)}",
        _handlers(doc),
        doc.due_date,
        _progress(doc, chunk, today),
        doc.reply_reference,
        _remarks(doc),
    ]


KINDS: dict[str, Kind] = {
    "so-den": Kind(
        slug="so-den",
        title="SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        file_stem="so-van-ban-den",
        columns=(
            Column("Ngày đến", 11, "center"),
            Column("Số đến", 7, "center"),
            Column("Tác giả (cơ quan gửi)", 22),
            Column("Số, ký hiệu", 15, "center"),
            Column("Ngày tháng văn bản", 11, "center"),
            Column("Tên loại và trích yếu nội dung", 42),
            Column("Đơn vị hoặc người nhận", 21),
            Column("Ngày chuyển", 11, "center"),
            Column("Ký nhận", 9),
            Column("Ghi chú", 18),
        ),
        build_row=_incoming_row,
        include_cancelled=True,
        needs_progress=False,
    ),
    "so-theo-doi": Kind(
        slug="so-theo-doi",
        title="SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN",
        file_stem="so-theo-doi-giai-quyet",
        columns=(
            Column("Số đến", 7, "center"),
            Column("Ngày đến", 11, "center"),
            Column("Số, ký hiệu; tên loại và trích yếu nội dung", 44),
            Column("Đơn vị/người giải quyết", 22),
            Column("Hạn giải quyết", 11, "center"),
            Column("Tiến độ giải quyết", 34),
            Column("Số, ký hiệu văn bản trả lời", 15),
            Column("Ghi chú", 16),
        ),
        build_row=_follow_up_row,
        include_cancelled=False,
        needs_progress=True,
    ),
}


# --- date range --------------------------------------------------------------------------

_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def _parse_day(raw: str, label: str) -> date:
    match = _DMY.match(raw)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(raw)  # what an <input type="date"> sends
        if not match:
            raise DomainError(
                f"{label} “{raw.strip()}” không đúng dạng ngày/tháng/năm (dd/mm/yyyy)."
            )
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError(f"{label} “{raw.strip()}” không phải là một ngày có thật.") from None


def parse_range(tu_ngay: str | None, den_ngay: str | None, today: date) -> tuple[date, date]:
    """The date range of an export; default: the first day of this month to today."""
    date_from = _parse_day(tu_ngay, "Từ ngày") if tu_ngay and tu_ngay.strip() else None
    date_to = _parse_day(den_ngay, "Đến ngày") if den_ngay and den_ngay.strip() else None
    date_to = date_to or today
    date_from = date_from or min(today.replace(day=1), date_to)
    if date_from > date_to:
        raise DomainError(
            f"Từ ngày {date_from:%d/%m/%Y} sau đến ngày {date_to:%d/%m/%Y}: hãy chọn lại "
            "khoảng thời gian."
        )
    return date_from, date_to


# --- rows --------------------------------------------------------------------------------


def _chunk_facts(ids: list[int], kind: Kind) -> Chunk:
    handed_on: dict[int, datetime] = {}
    presented: dict[int, datetime] = {}
    progress: dict[int, tuple[datetime, str]] = {}
    if kind.needs_progress:
        latest_ids = (
            DocumentEvent.objects.filter(document_id__in=ids, action=EventAction.PROGRESS)
            .values("document_id")
            .annotate(last_id=Max("id"))
            .values("last_id")
        )
        for doc_id, at, note in DocumentEvent.objects.filter(pk__in=latest_ids).values_list(
            "document_id", "at", "note"
        ):
            progress[doc_id] = (at, note)
    else:
        rows = (
            DocumentEvent.objects.filter(
                document_id__in=ids, action__in=[EventAction.PRESENT, *HANDED_ON]
            )
            .values("document_id", "action")
            .annotate(last=Max("at"))
        )
        for row in rows:
            target = presented if row["action"] == EventAction.PRESENT else handed_on
            doc_id, last = row["document_id"], row["last"]
            if doc_id not in target or target[doc_id] < last:
                target[doc_id] = last
    return Chunk(handed_on=handed_on, presented=presented, progress=progress)


def _batched(items: Iterable[IncomingDocument], size: int) -> Iterator[list[IncomingDocument]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def export_queryset(user: User, kind: Kind, date_from: date, date_to: date) -> Any:
    qs = selectors.export_rows(user, date_from, date_to).select_related(
        "presented_to", "duplicate_of"
    )
    if not kind.include_cancelled:
        qs = qs.exclude(status=Status.CANCELLED)
    return qs


def iter_rows(
    user: User,
    kind: Kind,
    date_from: date,
    date_to: date,
    register: Register | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[tuple[Register, list[Value]]]:
    """(register, cells) in register order, a chunk of documents in memory at a time."""
    qs = export_queryset(user, kind, date_from, date_to)
    if register is not None:
        qs = qs.filter(register=register)
    build = kind.build_row
    assert build is not None, f"{kind.slug} has no row builder"
    today = access.today()
    for batch in _batched(qs.iterator(chunk_size=chunk_size), chunk_size):
        facts = _chunk_facts([doc.pk for doc in batch], kind)
        for doc in batch:
            yield doc.register, build(doc, facts, today)


class _Stream:
    """One row of look-ahead over the (register, cells) stream."""

    def __init__(self, rows: Iterator[tuple[Register, list[Value]]]) -> None:
        self.rows = rows
        self.head = next(rows, None)

    def take(self, register_pk: int) -> Iterator[list[Value]]:
        while self.head is not None and self.head[0].pk == register_pk:
            cells = self.head[1]
            self.head = next(self.rows, None)
            yield cells


def sections(
    rows: Iterator[tuple[Register, list[Value]]], fallback: Register | None
) -> Iterator[Section]:
    """Split the stream by register; an empty export still prints one (empty) register."""
    stream = _Stream(rows)
    if stream.head is None:
        yield fallback, iter(())
        return
    while stream.head is not None:
        register = stream.head[0]
        part = stream.take(register.pk)
        yield register, part
        for _ in part:  # a writer that stopped early must not get this register twice
            pass
