"""A4 PDFs that look like the first page of a Party (36-HD/VPTW) or State (NĐ 30/2020) document.

Used by the demo data only: the layout follows the mandatory parts (issuer block, national or
Party heading, số ký hiệu, place and date, type and trích yếu, content, signature, "Nơi nhận")
with the vendored Noto Serif fonts so Vietnamese renders everywhere.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
MM = 72 / 25.4
PAGE_W, PAGE_H = A4
LEFT, RIGHT, TOP, BOTTOM = 30 * MM, PAGE_W - 15 * MM, PAGE_H - 20 * MM, 20 * MM


@cache
def register_fonts() -> None:
    for name, file in (
        ("Serif", "NotoSerif-Regular.ttf"),
        ("Serif-Bold", "NotoSerif-Bold.ttf"),
        ("Serif-Italic", "NotoSerif-Italic.ttf"),
        ("Serif-BoldItalic", "NotoSerif-BoldItalic.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


@dataclass
class PdfDocument:
    """What goes on the page: everything is already worded in Vietnamese."""

    party: bool
    header: tuple[str, ...]  # issuer block, superior body first
    code_notation: str
    place: str
    issued: date
    type_name: str
    summary: str
    recipient: str
    paragraphs: list[str]
    signer_authority: str
    signer_position: str
    signer_name: str
    marks: tuple[str, ...] = ()  # "KHẨN", "MẬT"...
    copies_to: list[str] = field(default_factory=list)
    signed_note: str = "(Đã ký)"  # "" leaves room for a digital signature's image


def render(doc: PdfDocument) -> tuple[bytes, int]:
    """Render to PDF bytes and the page count; content that does not fit runs on."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"{doc.code_notation} {doc.summary}"[:200])
    canvas.setAuthor(doc.header[-1].title() if doc.header else "")
    y = _heading(canvas, doc)
    y = _title(canvas, doc, y)
    y = _body(canvas, doc, y)
    _signature(canvas, doc, y)
    pages = canvas.getPageNumber()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), pages


def _centred(canvas: Canvas, text: str, x: float, y: float, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, text)


def _underline(canvas: Canvas, x: float, y: float, width: float) -> None:
    canvas.setLineWidth(0.6)
    canvas.line(x - width / 2, y - 2.5, x + width / 2, y - 2.5)


def _heading(canvas: Canvas, doc: PdfDocument) -> float:
    left_x, right_x = LEFT + 30 * MM, RIGHT - 50 * MM
    y = TOP
    for i, line in enumerate(doc.header):
        last = i == len(doc.header) - 1
        _centred(canvas, line, left_x, y, "Serif-Bold" if last else "Serif", 12)
        y -= 16
    if doc.party:
        _centred(canvas, "*", left_x, y, "Serif-Bold", 12)
        y -= 16
    number = f"Số {doc.code_notation}" if doc.party else f"Số: {doc.code_notation}"
    _centred(canvas, number, left_x, y, "Serif", 13)
    left_end = y
    if doc.type_name == "Công văn":
        for line in simpleSplit(doc.summary, "Serif-Italic", 11.5, 78 * MM):
            left_end -= 14
            _centred(canvas, line, left_x, left_end, "Serif-Italic", 11.5)
    for mark in doc.marks:
        left_end -= 20
        canvas.setFont("Serif-Bold", 13)
        width = canvas.stringWidth(mark, "Serif-Bold", 13)
        canvas.rect(left_x - width / 2 - 5, left_end - 4, width + 10, 18)
        canvas.drawCentredString(left_x, left_end, mark)
    y2 = TOP
    if doc.party:
        heading = "ĐẢNG CỘNG SẢN VIỆT NAM"
        _centred(canvas, heading, right_x, y2, "Serif-Bold", 14)
        _underline(canvas, right_x, y2, canvas.stringWidth(heading, "Serif-Bold", 14))
        y2 -= 30
    else:
        _centred(canvas, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", right_x, y2, "Serif-Bold", 12)
        y2 -= 16
        motto = "Độc lập - Tự do - Hạnh phúc"
        _centred(canvas, motto, right_x, y2, "Serif-Bold", 13)
        _underline(canvas, right_x, y2, canvas.stringWidth(motto, "Serif-Bold", 13))
        y2 -= 30
    when = (
        f"{doc.place}, ngày {doc.issued.day:02d} tháng {doc.issued.month:02d} năm {doc.issued.year}"
    )
    _centred(canvas, when, right_x, y2, "Serif-Italic", 13)
    return min(left_end, y2) - 34


def _title(canvas: Canvas, doc: PdfDocument, y: float) -> float:
    centre = (LEFT + RIGHT) / 2
    if doc.type_name == "Công văn":
        _centred(canvas, f"Kính gửi: {doc.recipient}", centre, y, "Serif", 14)
        return y - 30
    _centred(canvas, doc.type_name.upper(), centre, y, "Serif-Bold", 15)
    y -= 20
    rest = doc.summary
    if rest.lower().startswith(doc.type_name.lower()):
        rest = rest[len(doc.type_name) :].strip()
    for line in simpleSplit(rest, "Serif-Bold", 14, RIGHT - LEFT - 40):
        _centred(canvas, line, centre, y, "Serif-Bold", 14)
        y -= 18
    _centred(canvas, "-----", centre, y + 4, "Serif", 12)
    return y - 18


def _new_page(canvas: Canvas) -> float:
    canvas.showPage()
    return TOP


def _body(canvas: Canvas, doc: PdfDocument, y: float) -> float:
    size, leading, indent = 14, 19, 12.7 * MM
    width = RIGHT - LEFT
    for paragraph in doc.paragraphs:
        words = simpleSplit(paragraph, "Serif", size, width - indent)
        first = words[0] if words else ""
        rest = simpleSplit(paragraph[len(first) :].strip(), "Serif", size, width) if first else []
        for i, line in enumerate([first, *rest]):
            if y < BOTTOM + leading:
                y = _new_page(canvas)
            canvas.setFont("Serif", size)
            canvas.drawString(LEFT + (indent if i == 0 else 0), y, line)
            y -= leading
        y -= 5
    return y


def _signature(canvas: Canvas, doc: PdfDocument, y: float) -> None:
    if y < BOTTOM + 150:
        y = _new_page(canvas)
    y -= 12
    top = y
    sign_x = RIGHT - 48 * MM
    lines = [*doc.signer_authority.split("\n"), doc.signer_position]
    for line in [line for line in lines if line]:
        _centred(canvas, line, sign_x, y, "Serif-Bold", 13.5)
        y -= 17
    if doc.signed_note:
        _centred(canvas, doc.signed_note, sign_x, y - 20, "Serif-Italic", 12)
    _centred(canvas, doc.signer_name, sign_x, y - 70, "Serif-Bold", 14)
    canvas.setFont("Serif-BoldItalic", 12)
    canvas.drawString(LEFT, top, "Nơi nhận:")
    _underline(canvas, LEFT + 28, top, 56)
    canvas.setFont("Serif", 11)
    for i, item in enumerate([f"- {doc.recipient},", *doc.copies_to, "- Lưu Văn phòng."]):
        canvas.drawString(LEFT, top - 15 - 13 * i, item)
