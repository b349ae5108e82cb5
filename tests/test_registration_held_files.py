"""A refused registration keeps the clerk's files: held server-side for that clerk only, shown
with name and size, used by the next submit, removable, gone after success or expiry."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.conftest import pdf_bytes
from tests.test_views_incoming import CREATE, form_data, text
from vanphong.core.models import Secrecy
from vanphong.documents.models import DocumentFile, IncomingDocument
from vanphong.files import holding


@pytest.fixture(autouse=True)
def private_var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path / "held-uploads"


def pdf(name: str = "cong-van.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes("Cong van giu lai"), content_type="application/pdf")


def token_in(page: str) -> str:
    found = re.search(r'name="held_token" value="([^"]*)"', page)
    assert found is not None
    return found.group(1)


def test_a_refused_submit_holds_the_file_and_the_next_submit_registers_it(demo, private_var_dir):
    client = demo.client("vanthu")
    refused = client.post(CREATE, form_data(demo, summary="", attachments=[pdf()]))
    page = text(refused)
    assert "Vui lòng nhập trích yếu." in page
    assert re.search(
        r"Đã giữ tệp: <strong>cong-van.pdf</strong> \([^)]+\) — không cần chọn lại", page
    )
    token = token_in(page)
    assert token and not IncomingDocument.objects.exists()

    saved = client.post(CREATE, form_data(demo, held_token=token))
    assert saved.status_code == 302
    assert [f.name for f in IncomingDocument.objects.get().files.all()] == ["cong-van.pdf"]
    assert not (private_var_dir / token).exists()  # released on success


def test_a_bad_date_keeps_the_file_held_and_a_new_file_joins_it(demo):
    client = demo.client("vanthu")
    first = client.post(CREATE, form_data(demo, document_date="31/02/2026", attachments=[pdf()]))
    token = token_in(text(first))
    second = client.post(
        CREATE, form_data(demo, summary="", held_token=token, attachments=[pdf("phu-luc.pdf")])
    )
    page = text(second)
    assert token_in(page) == token
    assert "cong-van.pdf" in page and "phu-luc.pdf" in page
    client.post(CREATE, form_data(demo, held_token=token))
    names = sorted(f.name for f in IncomingDocument.objects.get().files.all())
    assert names == ["cong-van.pdf", "phu-luc.pdf"]


def test_a_held_file_the_clerk_removes_is_not_attached(demo, private_var_dir):
    client = demo.client("vanthu")
    token = token_in(text(client.post(CREATE, form_data(demo, summary="", attachments=[pdf()]))))
    saved = client.post(CREATE, form_data(demo, held_token=token, held_drop="0"))
    assert saved.status_code == 302
    assert not IncomingDocument.objects.get().files.exists()
    assert not (private_var_dir / token).exists()


def test_another_clerk_gets_nothing_from_a_token_that_is_not_theirs(demo):
    token = token_in(
        text(demo.client("vanthu").post(CREATE, form_data(demo, summary="", attachments=[pdf()])))
    )
    other = demo.client("vanthu2").post(CREATE, form_data(demo, summary="", held_token=token))
    assert "cong-van.pdf" not in text(other)
    demo.client("vanthu2").post(CREATE, form_data(demo, held_token=token))
    assert not DocumentFile.objects.exists()
    assert [h.name for h in holding.held_files(user=demo.user("vanthu"), token=token)] == [
        "cong-van.pdf"
    ]


def test_a_held_file_expires(demo, private_var_dir, monkeypatch):
    user = demo.user("vanthu")
    token, refused = holding.hold_uploads(user=user, token="", uploads=[pdf()])
    assert token and refused == []
    later = time.time() + holding.HOLD_SECONDS + 1
    monkeypatch.setattr(holding.time, "time", lambda: later)
    assert holding.held_files(user=user, token=token) == []
    assert not (private_var_dir / token).exists()


def test_the_periodic_purge_removes_only_expired_holds(demo, private_var_dir):
    user = demo.user("vanthu")
    token, _ = holding.hold_uploads(user=user, token="", uploads=[pdf()])
    assert holding.purge_expired() == 0 and (private_var_dir / token).exists()
    assert holding.purge_expired(now=time.time() + holding.HOLD_SECONDS + 1) == 1
    assert not (private_var_dir / token).exists()


def test_a_file_whose_content_is_wrong_is_not_held_and_the_clerk_is_told(demo):
    fake = SimpleUploadedFile("gia.pdf", b"day khong phai PDF", content_type="application/pdf")
    page = text(demo.client("vanthu").post(CREATE, form_data(demo, summary="", attachments=[fake])))
    assert "Tệp “gia.pdf” không đúng định dạng cho phép" in page
    assert "Đã giữ tệp" not in page and token_in(page) == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("chuong-trinh.exe", b"MZ\x90\x00binary", "không đúng định dạng cho phép"),  # extension
        ("rong.pdf", b"", "rỗng (0 byte)"),  # empty
    ],
)
def test_a_refused_file_is_named_and_the_other_chosen_files_are_held(
    demo: Any, name: str, content: bytes, message: str
) -> None:
    bad = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    page = text(demo.client("vanthu").post(CREATE, form_data(demo, attachments=[bad, pdf()])))
    assert f"Tệp “{name}” {message}" in page
    assert re.search(r"Đã giữ tệp: <strong>cong-van.pdf</strong>", page)
    assert f"{name}</strong>" not in page and not IncomingDocument.objects.exists()


@override_settings(NETWORK_ZONE="connected")
def test_a_secret_document_on_a_connected_network_holds_no_file(demo, private_var_dir):
    data = form_data(demo, secrecy=str(Secrecy.MAT), attachments=[pdf()])
    page = text(demo.client("vanthu").post(CREATE, data))
    assert "không được đính kèm tệp" in page
    assert "Đã giữ tệp" not in page
    assert not private_var_dir.exists() or not any(private_var_dir.iterdir())


def test_a_broken_pdf_is_refused_in_vietnamese_only(demo):
    broken = SimpleUploadedFile("hong.pdf", b"%PDF-1.4 garbage", content_type="application/pdf")
    page = text(demo.client("vanthu").post(CREATE, form_data(demo, attachments=[broken])))
    message = re.search(r"Tệp “hong.pdf” là PDF bị hỏng[^<]*", page)
    assert message is not None and "(" not in message.group(0), message
    assert "hãy lấy lại tệp" in message.group(0)
