"""The registers as a PDF to print: A4 landscape, Noto Serif, header row on every page."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import IO

from vanphong.documents.exports.base import (
    Column,
    Heading,
    Kind,
    Section,
    Value,
    register_line,
    text,
)
from vanphong.numbering.models import Register

FONT_DIR = Path(__file__).resolve().parent.parent.parent / "fonts"
FONT = "NotoSerif"
FONT_BOLD = "NotoSerif-Bold"
FONT_ITALIC = "NotoSerif-Italic"


@cache
def register_fonts() -> None:
    """Noto Serif (vendored) has every Vietnamese letter; registered once per process."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    faces = {
        FONT: "NotoSerif-Regular.ttf",
        FONT_BOLD: "NotoSerif-Bold.ttf",
        FONT_ITALIC: "NotoSerif-Italic.ttf",
        "NotoSerif-BoldItalic": "NotoSerif-BoldItalic.ttf",
    }
    for name, filename in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, "NotoSerif-BoldItalic")


@cache
def _glyph_widths(font: str) -> tuple[dict[int, int], int]:
    from reportlab.pdfbase.pdfmetrics import getFont

    face = getFont(font).face
    return face.charWidths, face.defaultWidth


@lru_cache(maxsize=16384)
def text_width(text: str, font: str, size: float) -> float:
    """Same sum as reportlab's stringWidth for a TrueType font, cached: the words of a
    register (names, dates, "V/v") repeat on every row."""
    widths, default = _glyph_widths(font)
    return sum(widths.get(ord(ch), default) for ch in text) * size / 1000


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines that fit `width`: at spaces, and inside a word only if it must."""
    space = text_width(" ", font, size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = 0.0
        for word in paragraph.split():
            need = text_width(word, font, size)
            if words and used + space + need <= width:
                words.append(word)
                used += space + need
                continue
            if words:
                lines.append(" ".join(words))
            while need > width and len(word) > 1:  # a word longer than the column
                cut = len(word) - 1
                while cut > 1 and text_width(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                need = text_width(word, font, size)
            words, used = [word], need
        lines.append(" ".join(words))
    return lines


class PdfRegister:
    """Lays the register out on A4 landscape pages, row by row, with its own small layout
    engine (no flowable story held in memory): a row that does not fit starts a new page,
    which repeats the column headers. The page total is a form drawn once at the end."""

    SIZE = 8.5
    LEADING = 10.5
    PAD = 3.0
    MARGIN = 36.0

    def __init__(self, out: IO[bytes], kind: Kind, heading: Heading) -> None:
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.pdfgen.canvas import Canvas

        register_fonts()
        self.kind = kind
        self.heading = heading
        self.page_width, self.page_height = landscape(A4)
        self.canvas = Canvas(
            out,
            pagesize=(self.page_width, self.page_height),
            pageCompression=1,
            invariant=0,
        )
        self.canvas.setTitle(f"{kind.title.capitalize()} – {heading.period}")
        self.canvas.setAuthor(heading.organisation)
        usable = self.page_width - 2 * self.MARGIN
        total = sum(c.width for c in kind.columns)
        self.widths = [usable * c.width / total for c in kind.columns]
        self.xs = [self.MARGIN + sum(self.widths[:i]) for i in range(len(self.widths))]
        self.bottom = self.MARGIN + 14  # room for the footer line
        self.pages = 0
        self.y = 0.0
        self.on_page = False

    # page furniture

    def _new_page(self, register: Register | None, first_of_section: bool) -> None:
        if self.on_page:
            self.canvas.showPage()
        self.pages += 1
        self.on_page = True
        self.y = self.page_height - self.MARGIN
        self._footer()
        if first_of_section:
            self._title_block(register)
        self._header_row()

    def _footer(self) -> None:
        c = self.canvas
        c.setFont(FONT_ITALIC, 7.5)
        c.drawString(self.MARGIN, self.MARGIN - 6, self.heading.made_by)
        label = f"Trang {self.pages}/"
        c.setFont(FONT, 8.5)
        right = self.page_width - self.MARGIN - 24
        c.drawRightString(right, self.MARGIN - 6, label)
        c.saveState()
        c.translate(right, self.MARGIN - 6)
        c.doForm("page_total")
        c.restoreState()

    def _title_block(self, register: Register | None) -> None:
        c = self.canvas
        center = self.page_width / 2
        c.setFont(FONT_BOLD, 11)
        c.drawString(self.MARGIN, self.y - 11, self.heading.organisation)
        self.y -= 32
        c.setFont(FONT_BOLD, 15)
        c.drawCentredString(center, self.y - 15, self.heading.title)
        self.y -= 22
        c.setFont(FONT_ITALIC, 10.5)
        c.drawCentredString(center, self.y - 11, self.heading.period)
        self.y -= 15
        line = register_line(register)
        if line:
            c.setFont(FONT, 10.5)
            c.drawCentredString(center, self.y - 11, line)
            self.y -= 15
        self.y -= 8

    def _header_row(self) -> None:
        cells = [wrap(col.title, FONT_BOLD, self.SIZE, w - 2 * self.PAD) for col, w in self._cols()]
        height = max(len(lines) for lines in cells) * self.LEADING + 2 * self.PAD
        self.canvas.setFillGray(0.93)
        self.canvas.rect(self.MARGIN, self.y - height, sum(self.widths), height, stroke=0, fill=1)
        self.canvas.setFillGray(0)
        self._draw_cells(cells, height, FONT_BOLD, ["center"] * len(cells), middle=True)

    def _cols(self) -> Iterator[tuple[Column, float]]:
        return zip(self.kind.columns, self.widths, strict=True)

    # rows

    def _draw_cells(
        self,
        cells: list[list[str]],
        height: float,
        font: str,
        aligns: list[str],
        middle: bool = False,
    ) -> None:
        c = self.canvas
        top = self.y
        c.setLineWidth(0.5)
        c.rect(self.MARGIN, top - height, sum(self.widths), height, stroke=1, fill=0)
        for x in self.xs[1:]:
            c.line(x, top, x, top - height)
        c.setFont(font, self.SIZE)
        for lines, x, width, align in zip(cells, self.xs, self.widths, aligns, strict=True):
            block = len(lines) * self.LEADING
            offset = (height - 2 * self.PAD - block) / 2 if middle else 0.0
            baseline = top - self.PAD - offset - self.SIZE
            for line in lines:
                if align == "center":
                    c.drawCentredString(x + width / 2, baseline, line)
                else:
                    c.drawString(x + self.PAD, baseline, line)
                baseline -= self.LEADING
        self.y = top - height

    def _layout(self, values: list[Value]) -> tuple[list[list[str]], float]:
        cells = [
            wrap(text(value), FONT, self.SIZE, width - 2 * self.PAD)
            for value, width in zip(values, self.widths, strict=True)
        ]
        return cells, max(len(lines) for lines in cells) * self.LEADING + 2 * self.PAD

    def _fit(self, cells: list[list[str]], room: float) -> tuple[list[list[str]], float]:
        """A row taller than a whole page (an enormous trích yếu) is cut with an ellipsis."""
        most = max(1, int((room - 2 * self.PAD) // self.LEADING))
        fitted = [lines if len(lines) <= most else [*lines[: most - 1], "…"] for lines in cells]
        return fitted, max(len(lines) for lines in fitted) * self.LEADING + 2 * self.PAD

    def write_section(self, register: Register | None, rows: Iterator[list[Value]]) -> int:
        self._new_page(register, first_of_section=True)
        written = 0
        aligns = [col.align for col in self.kind.columns]
        for values in rows:
            cells, height = self._layout(values)
            if self.y - height < self.bottom:
                self._new_page(register, first_of_section=False)
                if self.y - height < self.bottom:
                    cells, height = self._fit(cells, self.y - self.bottom)
            self._draw_cells(cells, height, FONT, aligns)
            written += 1
        if not written:
            self.canvas.setFont(FONT_ITALIC, 10)
            self.canvas.drawString(
                self.MARGIN, self.y - 16, "Không có văn bản nào trong khoảng thời gian này."
            )
        return written

    def finish(self) -> None:
        c = self.canvas
        c.showPage()
        c.beginForm("page_total")
        c.setFont(FONT, 8.5)
        c.drawString(0, 0, str(self.pages))
        c.endForm()
        c.save()


def write_pdf(out: IO[bytes], kind: Kind, heading: Heading, parts: Iterator[Section]) -> int:
    document = PdfRegister(out, kind, heading)
    written = sum(document.write_section(register, rows) for register, rows in parts)
    document.finish()
    return written
