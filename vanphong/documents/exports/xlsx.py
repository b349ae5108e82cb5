"""The registers as an Excel workbook, written row by row (openpyxl write-only mode)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from vanphong.documents.exports.base import Heading, Kind, Section, Value, register_line

HEADER_ROW = 6  # rows 1-4: title block, 5: blank, 6: column headers


def write_xlsx(out: IO[bytes], kind: Kind, heading: Heading, parts: Iterator[Section]) -> int:
    """Write-only workbook: rows go to disk as they come, one sheet per register."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name="Times New Roman", size=11)
    styles = {
        "vp_org": NamedStyle("vp_org", font=Font(name="Times New Roman", size=12, bold=True)),
        "vp_title": NamedStyle(
            "vp_title",
            font=Font(name="Times New Roman", size=14, bold=True),
            alignment=Alignment(horizontal="center"),
        ),
        "vp_sub": NamedStyle(
            "vp_sub",
            font=Font(name="Times New Roman", size=12, italic=True),
            alignment=Alignment(horizontal="center"),
        ),
        "vp_head": NamedStyle(
            "vp_head",
            font=Font(name="Times New Roman", size=11, bold=True),
            border=box,
            fill=PatternFill("solid", fgColor="F2F2F2"),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        "vp_left": NamedStyle(
            "vp_left",
            font=body,
            border=box,
            alignment=Alignment(vertical="top", wrap_text=True),
        ),
        "vp_center": NamedStyle(
            "vp_center",
            font=body,
            border=box,
            alignment=Alignment(horizontal="center", vertical="top", wrap_text=True),
        ),
        "vp_date": NamedStyle(
            "vp_date",
            font=body,
            border=box,
            number_format="DD/MM/YYYY",
            alignment=Alignment(horizontal="center", vertical="top"),
        ),
    }
    for style in styles.values():
        workbook.add_named_style(style)
    last_col = get_column_letter(len(kind.columns))
    titles: set[str] = set()
    written = 0

    def cell(sheet: Any, value: Value, style: str) -> Any:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        item = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            item.data_type = "s"  # a summary that looks like a formula stays text
        item.style = style
        return item

    for register, rows in parts:
        title = _sheet_title(register.name if register is not None else kind.title, titles)
        sheet = workbook.create_sheet(title)
        for index, column in enumerate(kind.columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = 9  # A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        sheet.oddFooter.center.text = "Trang &P/&N"
        for row in range(1, 5):
            sheet.merged_cells.add(f"A{row}:{last_col}{row}")
        sheet.append([cell(sheet, heading.organisation, "vp_org")])
        sheet.append([cell(sheet, heading.title, "vp_title")])
        sheet.append([cell(sheet, heading.period, "vp_sub")])
        sheet.append([cell(sheet, register_line(register), "vp_sub")])
        sheet.append([])
        sheet.append([cell(sheet, c.title, "vp_head") for c in kind.columns])
        for values in rows:
            sheet.append(
                [
                    cell(
                        sheet,
                        value,
                        "vp_date"
                        if isinstance(value, date)
                        else ("vp_center" if column.align == "center" else "vp_left"),
                    )
                    for column, value in zip(kind.columns, values, strict=True)
                ]
            )
            written += 1
    workbook.save(out)
    return written


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("-", name).strip("' ")[:28] or "So"
    title, n = base, 2
    while title.casefold() in used:
        title, n = f"{base} {n}", n + 1
    used.add(title.casefold())
    return title
