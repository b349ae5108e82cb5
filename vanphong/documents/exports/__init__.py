"""Paper registers of incoming documents as XLSX or PDF (Nghị định 30/2020, Phụ lục IV).

Two registers: "sổ đăng ký văn bản đến" (`registers.KINDS["so-den"]`) and "sổ theo dõi giải
quyết văn bản đến" (`"so-theo-doi"`). Each register (sổ) of the organisation is its own section:
a sheet in the workbook, a run of pages in the PDF. Rows are streamed; every export is audited.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.http import HttpRequest
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, User
from vanphong.core.policy import require
from vanphong.documents.exports.base import Heading, Kind, Section
from vanphong.documents.exports.pdf import write_pdf
from vanphong.documents.exports.registers import KINDS, iter_rows, parse_range, sections
from vanphong.documents.exports.xlsx import HEADER_ROW, write_xlsx
from vanphong.numbering.models import Register, RegisterKind

FORMATS = ("xlsx", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
WRITERS: dict[str, Callable[[IO[bytes], Kind, Heading, Iterator[Section]], int]] = {
    "xlsx": write_xlsx,
    "pdf": write_pdf,
}


@dataclass
class ExportFile:
    file: IO[bytes]
    filename: str
    content_type: str
    rows: int


def _registers(organisation: Organisation) -> Any:
    return Register.objects.filter(organisation=organisation, kind=RegisterKind.INCOMING)


def register_export(
    *,
    actor: User,
    kind: str,
    fmt: str,
    date_from: date,
    date_to: date,
    register_code: str = "",
    request: HttpRequest | None = None,
) -> ExportFile:
    """Print one register for a date range into a temporary file and audit it."""
    require(
        actor,
        "documents.export_register",
        actor.organisation,
        "Đồng chí không có quyền in, xuất sổ văn bản đến.",
    )
    spec = KINDS.get(kind)
    if spec is None or fmt not in WRITERS:
        raise DomainError("Không có mẫu sổ hoặc định dạng tệp này.")
    if date_from > date_to:
        raise DomainError("Từ ngày phải trước hoặc bằng đến ngày.")
    organisation = actor.organisation
    assert organisation is not None
    register = None
    if register_code:
        register = _registers(organisation).filter(code=register_code).first()
        if register is None:
            raise DomainError(f"Cơ quan không có sổ văn bản đến mã “{register_code}”.")
    fallback = register or (
        _registers(organisation).filter(is_active=True, for_secret=False).order_by("pk").first()
    )
    now = timezone.localtime()
    heading = Heading(
        organisation=organisation.full_name.upper(),
        title=spec.title,
        period=f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}",
        made_by=f"In lúc {now:%H:%M} ngày {now:%d/%m/%Y}, người in: "
        f"{actor.full_name or actor.username}",
    )
    out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response
    try:
        rows = iter_rows(actor, spec, date_from, date_to, register)
        written = WRITERS[fmt](out, spec, heading, sections(rows, fallback))
        out.seek(0)
        audit_record(
            actor=actor,
            action="incoming.export",
            summary=f"Xuất {spec.title.lower()} ({fmt.upper()}) từ {date_from:%d/%m/%Y} "
            f"đến {date_to:%d/%m/%Y}: {written} văn bản",
            data={
                "kind": spec.slug,
                "format": fmt,
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
                "register": register.code if register is not None else "",
                "rows": written,
            },
            request=request,
        )
    except BaseException:
        out.close()
        raise
    filename = f"{spec.file_stem}_{date_from:%d-%m-%Y}_{date_to:%d-%m-%Y}.{fmt}"
    return ExportFile(file=out, filename=filename, content_type=CONTENT_TYPES[fmt], rows=written)


__all__ = [
    "FORMATS",
    "HEADER_ROW",
    "KINDS",
    "ExportFile",
    "iter_rows",
    "parse_range",
    "register_export",
]
