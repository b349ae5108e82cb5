"""The content check of a stored PDF (`files.store.checked_type`): a readable PDF with pages is
accepted, a damaged one or one without pages is refused with a Vietnamese reason, and one
protected by a password is kept as it is (text extraction reports it later)."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest

from tests.conftest import pdf_bytes
from vanphong.core.errors import DomainError
from vanphong.files.store import checked_type


def _written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "tep.pdf"
    path.write_bytes(data)
    return path


def test_a_readable_pdf_with_pages_is_a_pdf(tmp_path: Path) -> None:
    assert checked_type(_written(tmp_path, pdf_bytes(pages=3)), "tep.pdf") == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 garbage",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage",
        pdf_bytes()[:200],  # cut short in transit
    ],
)
def test_a_damaged_pdf_is_refused_with_the_file_name(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(DomainError, match="“tep.pdf” là PDF bị hỏng"):
        checked_type(_written(tmp_path, data), "tep.pdf")


def test_a_pdf_without_pages_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pikepdf.new().save(buffer)
    with pytest.raises(DomainError, match="không có trang nào"):
        checked_type(_written(tmp_path, buffer.getvalue()), "tep.pdf")


def test_a_pdf_locked_with_a_password_is_kept_as_it_is(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(user="mat-khau", owner="chu-so-huu"))
    assert checked_type(_written(tmp_path, buffer.getvalue()), "tep.pdf") == "application/pdf"
