"""The CSV of a digitisation batch: one row per scan, matched by file name.

Headers may be Vietnamese (with or without diacritics) or the archive/edXML field names of
DOMAIN.md: "số ký hiệu" / CodeNotation, "ngày văn bản" / IssuedDate, "loại" / TypeName, "trích
yếu" / Subject, "số trang" / PageAmount, "cơ quan ban hành" / OrganName, "hồ sơ" / FileNotation,
"thời hạn bảo quản" / Maintenance, "số" / CodeNumber, and "tên tệp" / FileName. A bad cell fails
that row's item with its line number; an unknown file name or column is a warning on the batch.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from vanphong.core.text import fold, nfc

HEADERS: dict[str, tuple[str, ...]] = {
    "file_name": ("ten tep", "tep", "ten file", "file", "filename", "tep tin"),
    "code_number": ("so", "so van ban", "codenumber"),
    "code_notation": ("so ky hieu", "so va ky hieu", "ky hieu", "codenotation"),
    "issued_date": ("ngay van ban", "ngay ban hanh", "ngay thang van ban", "issueddate"),
    "type_name": ("loai", "loai van ban", "ten loai", "typename"),
    "subject": ("trich yeu", "trich yeu noi dung", "noi dung", "subject"),
    "page_amount": ("so trang", "so to", "pageamount"),
    "organ_name": ("co quan ban hanh", "tac gia", "noi ban hanh", "organname", "issuer"),
    "file_notation": ("ho so", "ma ho so", "so ho so", "ky hieu ho so", "filenotation"),
    "maintenance": ("thoi han bao quan", "maintenance"),
}
_LOOKUP = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
LIMITS = {
    "code_number": 20,
    "code_notation": 80,
    "type_name": 100,
    "organ_name": 255,
    "file_notation": 100,
    "maintenance": 50,
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%Y")


def header_key(header: str) -> str | None:
    cleaned = re.sub(r"[^0-9a-z ]+", " ", fold(header.replace("_", " ")))
    return _LOOKUP.get(" ".join(cleaned.split()))


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    error: str = ""


@dataclass
class Metadata:
    rows: dict[str, Row] = field(default_factory=dict)  # by folded file name
    warnings: list[str] = field(default_factory=list)

    def for_member(self, name: str) -> Row | None:
        row = self.rows.get(_file_key(name))
        if row is None:
            row = self.rows.get(_file_key(PurePosixPath(name).name))
        return row


def _file_key(name: str) -> str:
    return nfc(name.replace("\\", "/")).strip().strip("/").casefold()


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _cell(key: str, raw: str, today: date) -> tuple[Any, str]:
    """The parsed value of one cell, or an error message (without the line number)."""
    text = nfc(raw)
    if key == "issued_date":
        parsed = parse_date(text)
        if parsed is None:
            return None, f"ngày văn bản “{text}” không hợp lệ (ghi dd/mm/yyyy, ví dụ 05/03/1998)"
        if parsed > today:
            return None, f"ngày văn bản “{text}” sau ngày hôm nay"
        return parsed.isoformat(), ""
    if key == "page_amount":
        if not text.isdigit() or int(text) <= 0:
            return None, f"số trang “{text}” không phải số nguyên dương"
        return int(text), ""
    limit = LIMITS.get(key)
    if limit is not None and len(text) > limit:
        return None, f"cột “{key}” dài quá {limit} ký tự"
    return text, ""


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace"), (
            "Tệp CSV không ở bảng mã UTF-8; đã đọc theo bảng mã Windows-1258. Hãy kiểm tra dấu "
            "tiếng Việt của các trường, tốt nhất lưu lại CSV dạng “CSV UTF-8”."
        )


def parse_csv(data: bytes, *, today: date) -> Metadata:
    result = Metadata()
    text, warning = _decode(data)
    if warning:
        result.warnings.append(warning)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        result.warnings.append("Tệp CSV rỗng: các tệp được nhập không kèm thông tin mô tả.")
        return result
    keys: list[str | None] = []
    for title in header:
        key = header_key(title)
        if key is None and title.strip():
            result.warnings.append(f"Cột “{title.strip()}” của CSV không được nhận biết, bỏ qua.")
        keys.append(key)
    if "file_name" not in keys:
        result.warnings.append(
            "CSV thiếu cột “tên tệp” (FileName) nên không ghép được với tệp quét; các tệp được "
            "nhập không kèm thông tin mô tả."
        )
        return result
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        values: dict[str, Any] = {}
        errors = []
        for key, raw in zip(keys, cells, strict=False):
            if key is None or not raw.strip():
                continue
            value, error = _cell(key, raw, today)
            if error:
                errors.append(error)
            else:
                values[key] = value
        name = values.pop("file_name", "")
        if not name:
            result.warnings.append(f"Dòng {line} của CSV không có tên tệp, bỏ qua.")
            continue
        message = f"Dòng {line} của CSV: " + "; ".join(errors) + "." if errors else ""
        key = _file_key(str(name))
        if key in result.rows:
            result.warnings.append(f"Dòng {line} của CSV lặp lại tệp “{name}”, bỏ qua dòng này.")
            continue
        result.rows[key] = Row(line=line, values={**values, "file_name": name}, error=message)
    return result
