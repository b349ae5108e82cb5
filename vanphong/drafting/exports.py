"""The outgoing register (sổ văn bản đi, Nghị định 30/2020 Phụ lục IV) as XLSX or PDF.

The page furniture and the streaming writers are those of the incoming registers
(`vanphong.documents.exports`); only the columns and the rows differ. Each counter's register is
its own section (sheet or run of pages). Every export is audited.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from itertools import groupby
from typing import IO

from django.http import HttpRequest
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import require
from vanphong.documents.exports import CONTENT_TYPES, WRITERS, ExportFile
from vanphong.documents.exports.base import Column, Heading, Kind, Section, Value
from vanphong.drafting import selectors
from vanphong.drafting.models import DispatchStatus, OutgoingDocument, OutStatus

OUTGOING = Kind(
    slug="so-van-ban-di",
    title="SỔ ĐĂNG KÝ VĂN BẢN ĐI",
    file_stem="so-van-ban-di",
    columns=(
        Column("Số, ký hiệu văn bản", 15, "center"),
        Column("Ngày tháng văn bản", 11, "center"),
        Column("Tên loại và trích yếu nội dung văn bản", 40),
        Column("Người ký", 16),
        Column("Nơi nhận văn bản", 26),
        Column("Đơn vị, người nhận bản lưu", 16),
        Column("Số lượng bản", 7, "center"),
        Column("Ngày chuyển", 11, "center"),
        Column("Ký nhận", 9),
        Column("Ghi chú", 18),
    ),
    include_cancelled=True,
    needs_progress=False,
)


def outgoing_row(doc: OutgoingDocument) -> list[Value]:
    lines = list(doc.recipients.all())
    sent = [line.sent_on for line in lines if line.sent_on is not None]
    notes = []
    if doc.status == OutStatus.RECALLED:
        notes.append(f"Đã thu hồi: {doc.recall_reason}")
    if doc.related is not None:
        notes.append(f"{doc.get_relation_display()} văn bản số {doc.related.notation}")
    if doc.secrecy:
        notes.append(doc.get_secrecy_display())
    queued = [line for line in lines if line.status == DispatchStatus.QUEUED]
    if queued:
        notes.append(f"Chờ gửi liên thông: {len(queued)} nơi")
    if doc.notes:
        notes.append(doc.notes)
    return [
        doc.notation,
        doc.issue_date,
        f"{doc.doc_type.name}: {doc.summary}",
        doc.signer.full_name,
        "; ".join(line.label for line in lines),
        doc.keeping_unit,
        doc.copies,
        min(sent) if sent else None,
        "",
        "; ".join(notes),
    ]


def _sections(docs: Iterator[OutgoingDocument]) -> Iterator[Section]:
    for register, group in groupby(
        docs, key=lambda d: d.numbering.register if d.numbering else None
    ):
        yield register, (outgoing_row(doc) for doc in group)


def outgoing_register_export(
    *,
    actor: User,
    fmt: str,
    date_from: date,
    date_to: date,
    request: HttpRequest | None = None,
) -> ExportFile:
    require(
        actor,
        "drafting.export_register",
        actor.organisation,
        "Đồng chí không có quyền in, xuất sổ văn bản đi.",
    )
    if fmt not in WRITERS:
        raise DomainError("Không có định dạng tệp này.")
    if date_from > date_to:
        raise DomainError("Từ ngày phải trước hoặc bằng đến ngày.")
    organisation = actor.organisation
    assert organisation is not None
    now = timezone.localtime()
    heading = Heading(
        organisation=organisation.full_name.upper(),
        title=OUTGOING.title,
        period=f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}",
        made_by=f"In lúc {now:%H:%M} ngày {now:%d/%m/%Y}, người in: "
        f"{actor.full_name or actor.username}",
    )
    docs = selectors.register_rows(actor, date_from, date_to).order_by(
        "numbering__register_id", "issue_date", "number", "pk"
    )
    out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response
    try:
        parts = _sections(docs.iterator(chunk_size=500))
        first = next(parts, None)
        chain: Iterator[Section] = iter([first]) if first else iter([(None, iter([]))])
        written = WRITERS[fmt](out, OUTGOING, heading, _chained(chain, parts))
        out.seek(0)
    except BaseException:
        out.close()
        raise
    audit_record(
        actor=actor,
        action="outgoing.export",
        summary=f"Xuất sổ văn bản đi ({fmt.upper()}) từ {date_from:%d/%m/%Y} đến "
        f"{date_to:%d/%m/%Y}: {written} văn bản",
        data={"format": fmt, "from": date_from.isoformat(), "to": date_to.isoformat()},
        request=request,
    )
    filename = f"{OUTGOING.file_stem}_{date_from:%d-%m-%Y}_{date_to:%d-%m-%Y}.{fmt}"
    return ExportFile(file=out, filename=filename, content_type=CONTENT_TYPES[fmt], rows=written)


def _chained(first: Iterator[Section], rest: Iterator[Section]) -> Iterator[Section]:
    yield from first
    yield from rest
