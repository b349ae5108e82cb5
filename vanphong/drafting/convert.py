"""DOCX → PDF with LibreOffice headless, one user profile per worker process."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from vanphong.core.errors import DomainError

RESTART_EXIT_CODE = 81  # a fresh profile asks for a restart and writes nothing


def _profile_dir() -> Path:
    base = Path(settings.FILE_UPLOAD_TEMP_DIR).parent / "lo-profiles"
    base.mkdir(parents=True, exist_ok=True)
    return base / f"worker-{os.getpid()}"


def soffice_available() -> bool:
    return shutil.which(settings.SOFFICE_PATH) is not None


def _run(command: list[str], timeout: int) -> int:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def docx_to_pdf(data: bytes, *, timeout: int | None = None) -> bytes:
    executable = shutil.which(settings.SOFFICE_PATH)
    if executable is None:
        raise DomainError(
            "Máy chủ chưa cài LibreOffice (soffice) nên không chuyển được văn bản sang PDF. "
            "Văn bản chưa được cấp số; hãy tải lên bản PDF cuối hoặc báo quản trị cài "
            "LibreOffice."
        )
    timeout = timeout or settings.CONVERT_TIMEOUT
    profile = _profile_dir()
    with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as work:
        source = Path(work) / "van-ban.docx"
        source.write_bytes(data)
        command = [
            executable,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            str(source),
        ]
        try:
            code = _run(command, timeout)
            if code == RESTART_EXIT_CODE:
                code = _run(command, timeout)
        except subprocess.TimeoutExpired:
            raise DomainError(
                f"Chuyển văn bản sang PDF quá {timeout} giây nên đã dừng. Văn bản chưa được cấp "
                "số; hãy thử lại hoặc tải lên bản PDF cuối."
            ) from None
        result = Path(work) / "van-ban.pdf"
        if code != 0 or not result.exists():
            raise DomainError(
                f"LibreOffice không chuyển được văn bản sang PDF (mã lỗi {code}). Văn bản chưa "
                "được cấp số; hãy kiểm tra tệp DOCX hoặc tải lên bản PDF cuối."
            )
        return result.read_bytes()


def pdf_page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
