"""The Party document layout (Hướng dẫn 36-HD/VPTW) as a DOCX, built with python-docx.

Also: the office's own templates (docxtpl, autoescape on) and writing the number and date into
the final version at issuance.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from vanphong.core.errors import DomainError

PARTY_HEADING = "ĐẢNG CỘNG SẢN VIỆT NAM"
DRAFT_MARK = "DỰ THẢO"
FONT = "Times New Roman"
NUMBER_PLACEHOLDER = re.compile(r"^Số:?[\s.…_]*[-/]")
DATE_PLACEHOLDER = re.compile(r"ngày[\s.…_]*tháng[\s.…_]*năm")
# Types whose name is not printed as a heading: the summary goes under the number ("V/v ...").
NO_TYPE_HEADING = {"Công văn"}


def vn_date_line(place: str, on: date) -> str:
    """ "Hà Nội, ngày 05 tháng 01 năm 2026": days below 10 and months 1-2 take a leading zero."""
    day = f"{on.day:02d}"
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    prefix = f"{place}, " if place else ""
    return f"{prefix}ngày {day} tháng {month} năm {on.year}"


def blank_date_line(place: str, year: int) -> str:
    prefix = f"{place}, " if place else ""
    return f"{prefix}ngày     tháng     năm {year}"


@dataclass
class LayoutData:
    issuer_name: str
    superior_heading: str
    notation: str  # "Số 05-CT/TU" or the placeholder "Số      -CT/TU"
    date_line: str
    type_name: str
    summary: str
    body: str
    authority: str = ""
    authority_body: str = ""
    signer_title: str = ""
    signer_name: str = ""
    recipients: list[str] = field(default_factory=list)
    draft: bool = True
    secrecy_mark: str = ""
    urgency_mark: str = ""


def _no_borders(table: object) -> None:
    tbl = table._tbl  # type: ignore[attr-defined]
    props = tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    props.append(borders)


def _widths(table: Any, *mm: float) -> None:
    """Column widths in the table grid (LibreOffice follows the grid) and in every cell (Word)."""
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), mm, strict=True):
        column.set(qn("w:w"), str(round(width * 1440 / 25.4)))
    for row in table.rows:
        for cell, width in zip(row.cells, mm, strict=True):
            cell.width = Mm(width)


def _para(
    container: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float = 14,
    align: Any = WD_ALIGN_PARAGRAPH.CENTER,
    first: bool = False,
) -> Paragraph:
    paragraph: Paragraph
    if first and isinstance(container, _Cell):
        paragraph = container.paragraphs[0]
    else:
        paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    return paragraph


def build_party_docx(data: LayoutData) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT  # type: ignore[attr-defined]
    normal.font.size = Pt(14)  # type: ignore[attr-defined]
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # type: ignore[attr-defined]

    if data.draft:
        _para(document, DRAFT_MARK, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, size=13)

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    header.autofit = False
    _no_borders(header)
    left, right = header.rows[0].cells
    _widths(header, 68, 97)
    first = True
    if data.superior_heading:
        _para(left, data.superior_heading.upper(), size=14, first=True)
        first = False
    _para(left, data.issuer_name.upper(), bold=True, first=first)
    _para(left, "*")
    _para(left, data.notation)
    if data.type_name in NO_TYPE_HEADING:
        _para(left, data.summary, italic=True, size=12)
    _para(right, PARTY_HEADING, bold=True, underline=True, size=15, first=True)
    _para(right, "")
    _para(right, data.date_line, italic=True)

    for mark in (data.secrecy_mark, data.urgency_mark):
        if mark:
            _para(document, mark.upper(), bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)

    _para(document, "")
    if data.type_name not in NO_TYPE_HEADING:
        _para(document, data.type_name.upper(), bold=True, size=15)
        _para(document, data.summary, bold=True)
        _para(document, "-----", align=WD_ALIGN_PARAGRAPH.CENTER)
    for line in data.body.splitlines() or [""]:
        paragraph = _para(document, line.strip(), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        paragraph.paragraph_format.first_line_indent = Mm(12.7)
        paragraph.paragraph_format.space_after = Pt(6)

    _para(document, "")
    footer = document.add_table(rows=1, cols=2)
    footer.autofit = False
    _no_borders(footer)
    to_cell, sign_cell = footer.rows[0].cells
    _widths(footer, 80, 85)
    _para(to_cell, "Nơi nhận:", underline=True, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    for line in data.recipients:
        _para(to_cell, f"- {line},", size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    _para(to_cell, "- Lưu Văn phòng.", size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    first = True
    if data.authority:
        _para(sign_cell, f"{data.authority} {data.authority_body}".upper(), bold=True, first=True)
        first = False
    if data.signer_title:
        _para(sign_cell, data.signer_title.upper(), bold=True, first=first)
        first = False
    for _ in range(3):
        _para(sign_cell, "", first=first)
        first = False
    _para(sign_cell, data.signer_name, bold=True)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_office_template(template: bytes, context: dict[str, object]) -> bytes:
    """Render an office's docxtpl template; an unknown or broken field is named to the user."""
    import jinja2
    from docxtpl import DocxTemplate

    try:
        tpl = DocxTemplate(io.BytesIO(template))
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
        tpl.render(context, jinja_env=env, autoescape=True)
    except jinja2.UndefinedError as exc:
        name = re.search(r"'([^']+)' is undefined", str(exc))
        field_name = name.group(1) if name else str(exc)
        raise DomainError(
            f"Mẫu văn bản dùng trường “{field_name}” không có trong dữ liệu văn bản. "
            f"Các trường có thể dùng: {', '.join(sorted(context))}.",
            field="template",
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise DomainError(
            f"Mẫu văn bản có lỗi cú pháp gần “{exc.source or ''}”: {exc.message}.",
            field="template",
        ) from None
    except Exception as exc:  # a corrupt DOCX, a broken XML part
        raise DomainError(f"Không dựng được văn bản từ mẫu: {exc}.", field="template") from None
    buffer = io.BytesIO()
    tpl.save(buffer)
    return buffer.getvalue()


def _all_paragraphs(document: object) -> list[Paragraph]:
    found: list[Paragraph] = list(document.paragraphs)  # type: ignore[attr-defined]
    for table in document.tables:  # type: ignore[attr-defined]
        for row in table.rows:
            for cell in row.cells:
                found.extend(cell.paragraphs)
                for inner in cell.tables:
                    for inner_row in inner.rows:
                        for inner_cell in inner_row.cells:
                            found.extend(inner_cell.paragraphs)
    return found


def _set_text(paragraph: Paragraph, text: str) -> None:
    runs = paragraph.runs
    if not runs:
        paragraph.add_run(text)
        return
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""


def finalize_docx(data: bytes, *, notation: str, date_line: str, state_style: bool) -> bytes:
    """Write "Số ..." and the date into the approved version and drop the "DỰ THẢO" mark."""
    try:
        document = Document(io.BytesIO(data))
    except Exception:
        raise DomainError("Phiên bản cuối không phải tệp DOCX đọc được.") from None
    number_done = date_done = False
    seen: set[int] = set()
    for paragraph in _all_paragraphs(document):
        key = id(paragraph._p)
        if key in seen:  # merged cells repeat their paragraphs
            continue
        seen.add(key)
        text = paragraph.text.strip()
        if text.upper() == DRAFT_MARK:
            paragraph._p.getparent().remove(paragraph._p)
        elif not number_done and NUMBER_PLACEHOLDER.match(text):
            _set_text(paragraph, f"Số: {notation}" if state_style else f"Số {notation}")
            number_done = True
        elif not date_done and DATE_PLACEHOLDER.search(text):
            _set_text(paragraph, date_line)
            date_done = True
    if not number_done:
        raise DomainError(
            "Không tìm thấy dòng “Số ...” còn để trống trong phiên bản cuối (DOCX), nên không ghi "
            "được số văn bản. Hãy để dòng “Số     -../..” trong tệp hoặc tải lên bản PDF cuối."
        )
    if not date_done:
        raise DomainError(
            "Không tìm thấy dòng “ngày ... tháng ... năm ...” trong phiên bản cuối (DOCX). Hãy "
            "giữ dòng địa danh, ngày tháng trong tệp hoặc tải lên bản PDF cuối."
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
