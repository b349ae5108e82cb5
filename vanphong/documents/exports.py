"""Paper registers of incoming documents as XLSX or PDF (Nghị định 30/2020, Phụ lục IV).

Two registers: "sổ đăng ký văn bản đến" and "sổ theo dõi giải quyết văn bản đến". Rows come from
`selectors.export_rows`, already filtered by the policy in SQL, and are streamed a chunk at a
time; what a chunk needs from the history (the date a document was handed on, the latest
progress note) is fetched in one query per chunk. Each register (sổ) of the organisation is its
own section: a sheet in the workbook, a run of pages in the PDF. Every export is audited.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, User
from vanphong.core.policy import require
from vanphong.documents import access, selectors
from vanphong.documents.models import (
    DocumentEvent,
    EventAction,
    IncomingDocument,
    Status,
)
from vanphong.numbering.models import Register, RegisterKind

CHUNK_SIZE = 500
FORMATS = ("xlsx", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
WITHHELD = "Văn bản mật"
HANDED_ON = (EventAction.ROUTE, EventAction.REASSIGN, EventAction.FORWARD)
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

Value = str | int | date | None


# --- what a register looks like ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # in characters (XLSX); the PDF shares the page width in the same proportion
    align: str = "left"  # "left" or "center"


@dataclass
class Chunk:
    """History facts of the documents of one chunk, fetched in bulk."""

    handed_on: dict[int, datetime]
    presented: dict[int, datetime]
    progress: dict[int, tuple[datetime, str]]


RowBuilder = Callable[[IncomingDocument, Chunk, date], list[Value]]


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    file_stem: str
    columns: tuple[Column, ...]
    build_row: RowBuilder
    include_cancelled: bool
    needs_progress: bool


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
    today = access.today()
    for batch in _batched(qs.iterator(chunk_size=chunk_size), chunk_size):
        facts = _chunk_facts([doc.pk for doc in batch], kind)
        for doc in batch:
            yield doc.register, kind.build_row(doc, facts, today)


Section = tuple[Register | None, Iterator[list[Value]]]


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


# --- shared page furniture ---------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    organisation: str
    title: str
    period: str
    made_by: str


def _register_line(register: Register | None) -> str:
    return f"Sổ: {register.name}" if register is not None else ""


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


# --- XLSX --------------------------------------------------------------------------------

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
        sheet.append([cell(sheet, _register_line(register), "vp_sub")])
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


# --- PDF ---------------------------------------------------------------------------------

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
        line = _register_line(register)
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
            wrap(_text(value), FONT, self.SIZE, width - 2 * self.PAD)
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


WRITERS: dict[str, Callable[[IO[bytes], Kind, Heading, Iterator[Section]], int]] = {
    "xlsx": write_xlsx,
    "pdf": write_pdf,
}


# --- the export itself -------------------------------------------------------------------


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
        "Bạn không có quyền in, xuất sổ văn bản đến.",
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
    except BaseException:
        out.close()
        raise
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
    filename = f"{spec.file_stem}_{date_from:%d-%m-%Y}_{date_to:%d-%m-%Y}.{fmt}"
    return ExportFile(file=out, filename=filename, content_type=CONTENT_TYPES[fmt], rows=written)
