"""`vanphong files verify`: a changed or missing file is found and the command fails."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from vanphong.files.store import FileBatch, blob_path


def store(data: bytes, name: str = "a.pdf") -> str:
    with FileBatch() as batch:
        return batch.add_bytes(data, name=name).sha256


def run_verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("files", "verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_intact_files_pass(db: Any, make_pdf: Any) -> None:
    store(make_pdf(text="Nguyen ven").read())
    out, err = run_verify()
    assert "Mọi tệp đều nguyên vẹn" in out and not err


def test_a_changed_file_is_detected_and_the_command_fails(db: Any, make_pdf: Any) -> None:
    sha = store(make_pdf(text="Se bi sua").read())
    path = blob_path(sha)
    original = path.read_bytes()
    try:
        path.write_bytes(original[:100] + bytes([original[100] ^ 1]) + original[101:])
        err = io.StringIO()
        with pytest.raises(CommandError, match="1 tệp có vấn đề"):
            call_command("files", "verify", stdout=io.StringIO(), stderr=err)
        assert f"BỊ THAY ĐỔI: {sha}" in err.getvalue()
    finally:
        path.write_bytes(original)


def test_a_missing_file_is_detected(db: Any, make_pdf: Any) -> None:
    sha = store(make_pdf(text="Se bi mat").read())
    path = blob_path(sha)
    original = path.read_bytes()
    path.unlink()
    try:
        err = io.StringIO()
        with pytest.raises(CommandError, match="1 thiếu"):
            call_command("files", "verify", stdout=io.StringIO(), stderr=err)
        assert f"THIẾU: {sha}" in err.getvalue()
    finally:
        path.write_bytes(original)


def test_the_command_exits_non_zero_from_the_shell(db: Any, make_pdf: Any) -> None:
    from vanphong.files.management.commands.files import Command

    sha = store(make_pdf(text="Thoat voi ma loi").read())
    path = blob_path(sha)
    original = path.read_bytes()
    path.write_bytes(original + b"x")
    try:
        with pytest.raises(SystemExit) as exit_info:
            Command(stdout=io.StringIO(), stderr=io.StringIO()).run_from_argv(
                ["vanphong", "files", "verify"]
            )
        assert exit_info.value.code != 0
    finally:
        path.write_bytes(original)
