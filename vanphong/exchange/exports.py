"""The message log as evidence: CSV (UTF-8 with BOM, opens in Excel) or XLSX, streamed to a
temporary file; every export is audited."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import require
from vanphong.exchange.models import Message

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
COLUMNS = [
    "Mã",
    "Thời điểm (giờ Việt Nam)",
    "Chiều",
    "Loại gói",
    "Nơi gửi",
    "Nơi nhận",
    "DocumentId",
    "Mã trạng thái",
    "Trạng thái",
    "SHA-256",
    "Dung lượng (byte)",
    "Chữ ký",
    "Kiểm tra chữ ký",
    "Chuyển tiếp",
    "Số lần gửi",
    "Gửi được lúc",
    "Biên nhận hợp lệ",
    "Lỗi / lý do",
    "Nội dung còn lưu",
]


@dataclass
class ExportFile:
    file: IO[bytes]
    filename: str
    content_type: str
    rows: int


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Có" if value else "Không")


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S") if value else ""


def _rows(messages: QuerySet[Message]) -> Iterator[list[Any]]:
    fields = [f.name for f in Message._meta.fields if f.name not in ("body", "receipt")]
    for m in messages.only(*fields).iterator(chunk_size=1000):
        yield [
            m.pk,
            _local(m.created_at),
            m.get_direction_display(),
            m.get_kind_display(),
            m.from_identifier,
            m.to_identifier,
            m.document_id,
            m.status_code,
            m.get_state_display(),
            m.sha256,
            m.size,
            _yes_no(m.signature_ok),
            m.signature_note,
            _yes_no(m.relay),
            m.attempts,
            _local(m.delivered_at),
            "Trả kèm biên nhận gói văn bản" if m.inline else _yes_no(m.receipt_verified),
            m.error or m.last_error,
            "Không" if m.body_purged_at else "Có",
        ]


def _write_csv(out: IO[bytes], rows: Iterator[list[Any]]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    return count


def _write_xlsx(out: IO[bytes], rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhật ký liên thông")
    sheet.append(COLUMNS)
    count = 0
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        count += 1
    workbook.save(out)
    return count


def log_export(
    *, actor: User, messages: QuerySet[Message], fmt: str, description: str = ""
) -> ExportFile:
    require(actor, "exchange.view_log", None, "Đồng chí không có quyền xuất nhật ký liên thông.")
    if fmt not in FORMATS:
        raise DomainError("Chỉ xuất được CSV hoặc XLSX.")
    out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    rows = _rows(messages)
    count = _write_csv(out, rows) if fmt == "csv" else _write_xlsx(out, rows)
    out.seek(0)
    audit_record(
        actor=actor,
        action="exchange.log_export",
        summary=f"Xuất nhật ký liên thông ({fmt.upper()}, {count} gói tin) {description}"[:500],
        data={"format": fmt, "rows": count},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(out, f"nhat-ky-lien-thong-{stamp}.{fmt}", FORMATS[fmt], count)
