"""The shapes every register writer shares: columns, kinds, headings, sections, cells."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from vanphong.documents.models import IncomingDocument
from vanphong.numbering.models import Register

Value = str | int | date | None


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
    """A printed register. The writers only read slug, title, file_stem and columns; the rest
    tells `registers.iter_rows` how to fill the incoming registers (other registers, such as
    the outgoing one, bring their own rows)."""

    slug: str
    title: str
    file_stem: str
    columns: tuple[Column, ...]
    build_row: RowBuilder | None = None
    include_cancelled: bool = True
    needs_progress: bool = False


@dataclass(frozen=True)
class Heading:
    organisation: str
    title: str
    period: str
    made_by: str


Section = tuple[Register | None, Iterator[list[Value]]]


def register_line(register: Register | None) -> str:
    return f"Tên sổ: {register.name}" if register is not None else ""


def text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)
