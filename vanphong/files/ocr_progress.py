"""OCRmyPDF plugin: report the OCR step's progress into a shared value read by the worker."""

from __future__ import annotations

from multiprocessing.sharedctypes import Synchronized
from types import TracebackType
from typing import Any

from ocrmypdf import hookimpl

shared: Synchronized[int] | None = None  # set in the OCR child process before ocrmypdf runs


class SharedProgress:
    def __init__(self, *, total: float | None = None, desc: str | None = None, **_: Any) -> None:
        self.total = total or 0
        self.done = 0.0
        self.tracked = bool(desc and "OCR" in desc and self.total)

    def __enter__(self) -> SharedProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def update(self, n: float = 1, *, completed: float | None = None) -> None:
        if not self.tracked or shared is None:
            return
        self.done = completed if completed is not None else self.done + n
        with shared.get_lock():
            shared.value = max(shared.value, min(100, int(100 * self.done / self.total)))


@hookimpl
def get_progressbar_class() -> type[SharedProgress]:
    return SharedProgress
