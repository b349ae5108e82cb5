"""OCR engine: OCRmyPDF + Tesseract (Vietnamese), run in a child process.

OCRmyPDF takes a process-wide lock, spawns its own workers and is not thread-safe, so each run
gets a fresh spawned process with OMP_THREAD_LIMIT and the number of jobs from the settings; the
worker waits for it, copying its progress into the database, and survives its failures.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from django.conf import settings


class OcrFailed(Exception):
    """message: Vietnamese, shown to the user."""


@dataclass
class OcrSettings:
    languages: list[str]
    jobs: int
    thread_limit: int
    timeout: int

    @classmethod
    def current(cls) -> OcrSettings:
        return cls(
            languages=list(settings.OCR_LANGUAGES),
            jobs=settings.OCR_JOBS,
            thread_limit=settings.OCR_THREAD_LIMIT,
            timeout=settings.OCR_TIMEOUT_SECONDS,
        )


def _child(
    source: str,
    output: str,
    sidecar: str,
    image_dpi: int | None,
    conf: OcrSettings,
    progress: Synchronized[int],
    errors: multiprocessing.queues.SimpleQueue[str],
) -> None:
    os.environ["OMP_THREAD_LIMIT"] = str(conf.thread_limit)
    import logging

    import ocrmypdf

    from vanphong.files import ocr_progress

    logging.getLogger("ocrmypdf").setLevel(logging.ERROR)
    ocr_progress.shared = progress

    def run(output_type: str) -> None:
        ocrmypdf.ocr(
            source,
            output,
            language=conf.languages,
            skip_text=True,
            output_type=output_type,
            pdfa_backend="internal",  # pikepdf; Ghostscript is not needed
            jobs=conf.jobs,
            progress_bar=True,
            sidecar=sidecar,
            image_dpi=image_dpi,
            plugins=["vanphong.files.ocr_progress"],
        )

    try:
        try:
            run("pdfa-2")
        except ocrmypdf.exceptions.PdfaConversionFailedError:
            # Some producers' PDFs carry keys the internal PDF/A validator cannot confirm; a
            # searchable plain PDF is still worth keeping (the original stays as it was).
            run("pdf")
    except ocrmypdf.exceptions.EncryptedPdfError:
        errors.put("PDF được đặt mật khẩu: không nhận dạng chữ được.")
        raise SystemExit(2) from None
    except ocrmypdf.exceptions.InputFileError as exc:
        errors.put(f"Tệp không đọc được để nhận dạng chữ ({exc}).")
        raise SystemExit(2) from None
    except ocrmypdf.exceptions.MissingDependencyError as exc:
        errors.put(f"Máy chủ thiếu phần mềm nhận dạng chữ ({exc}).")
        raise SystemExit(2) from None
    except Exception as exc:  # the child reports every failure as a message, then exits
        errors.put(f"Nhận dạng chữ thất bại: {type(exc).__name__}: {exc}")
        raise SystemExit(2) from None


def run_ocr(
    source: Path,
    output: Path,
    sidecar: Path,
    *,
    image_dpi: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> str:
    """OCR `source` into a searchable PDF/A at `output`; returns the recognised text."""
    conf = OcrSettings.current()
    ctx = multiprocessing.get_context("spawn")
    progress = ctx.Value("i", 0)
    errors = ctx.SimpleQueue()
    process = ctx.Process(
        target=_child,
        args=(str(source), str(output), str(sidecar), image_dpi, conf, progress, errors),
        daemon=True,
    )
    process.start()
    deadline = time.monotonic() + conf.timeout
    last = -1
    while process.is_alive():
        process.join(timeout=1.0)
        if on_progress and progress.value != last:
            last = progress.value
            on_progress(last)
        if time.monotonic() > deadline:
            process.kill()
            process.join()
            raise OcrFailed(f"Nhận dạng chữ quá thời gian cho phép ({conf.timeout} giây).")
    if process.exitcode != 0:
        message = errors.get() if not errors.empty() else ""
        raise OcrFailed(
            message or f"Tiến trình nhận dạng chữ dừng bất thường ({process.exitcode})."
        )
    if not output.exists():
        raise OcrFailed("Nhận dạng chữ không tạo ra tệp kết quả.")
    return sidecar.read_text(encoding="utf-8", errors="replace") if sidecar.exists() else ""
