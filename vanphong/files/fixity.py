"""Fixity: every stored file checked against the SHA-256 it is named by."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from vanphong.files.models import Blob
from vanphong.files.storage import get_storage


@dataclass
class Problem:
    sha256: str
    kind: str  # "missing" | "changed" | "size"
    detail: str


@dataclass
class Report:
    checked: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_digest(sha256: str) -> tuple[str, int] | None:
    """Re-hash the stored bytes, streamed from whichever back-end holds them."""
    return get_storage().digest(sha256)


def _blobs(batch: int = 1000) -> Iterator[Blob]:
    last = ""
    while True:
        rows = list(Blob.objects.filter(sha256__gt=last).order_by("sha256")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].sha256


def verify(on_problem: Callable[[Problem], None] | None = None) -> Report:
    report = Report()
    for blob in _blobs():
        report.checked += 1
        found = file_digest(blob.sha256)
        problem = None
        if found is None:
            problem = Problem(blob.sha256, "missing", "không tìm thấy tệp trong kho")
        else:
            digest, size = found
            report.bytes += size
            if digest != blob.sha256:
                problem = Problem(
                    blob.sha256, "changed", f"nội dung đã bị thay đổi (SHA-256 hiện tại {digest})"
                )
            elif size != blob.size:
                problem = Problem(
                    blob.sha256, "size", f"kích thước {size} khác bản ghi {blob.size} byte"
                )
        if problem:
            report.problems.append(problem)
            if on_problem:
                on_problem(problem)
    return report
