"""Reading the scans of a batch: an uploaded ZIP kept in a staging directory, or a folder under
ARCHIVE_IMPORT_ROOT on the server. Listing never decompresses anything; every member is checked
(path traversal, nested archives, encrypted members, declared size, compression ratio) and a bad
member becomes a failed item with a Vietnamese reason while the rest of the batch goes on.
"""

from __future__ import annotations

import os
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from vanphong.core.errors import DomainError

SCAN_EXTENSIONS = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}
ARCHIVE_EXTENSIONS = {".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"}
MAX_MEMBERS = 5000
MAX_RATIO = 200  # uncompressed / compressed; scans barely compress
RATIO_FLOOR = 10 * 1024 * 1024  # small members may compress well (blank pages)
CSV_MAX_BYTES = 5 * 1024 * 1024
CHUNK = 1024 * 1024


@dataclass
class Member:
    name: str  # as shown to the user (path inside the ZIP or under the folder)
    size: int
    problem: str = ""  # non-empty: refused at listing, the item starts as failed


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def _skipped(name: str) -> bool:
    """Hidden files and macOS resource forks (unsafe names are never skipped: they are refused)."""
    if unsafe_name(name):
        return False
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def unsafe_name(name: str) -> bool:
    """Absolute paths, drive letters, `..` components, NUL: refused (never written anywhere)."""
    cleaned = name.replace("\\", "/")
    if "\x00" in cleaned or cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return True
    return any(part == ".." for part in cleaned.split("/"))


def _member_problem(name: str, size: int, compressed: int | None, encrypted: bool) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    limit = settings.UPLOAD_MAX_BYTES
    if unsafe_name(name):
        return (
            "Tên tệp trong ZIP không an toàn (đường dẫn tuyệt đối hoặc chứa “..”): không nhận "
            "tệp này."
        )
    if suffix in ARCHIVE_EXTENSIONS:
        return "Tệp nén nằm trong tệp nén: hãy giải nén và nhập thành một lô riêng."
    if encrypted:
        return "Tệp trong ZIP được đặt mật khẩu: không giải nén được."
    if size > limit:
        return (
            f"Tệp lớn hơn dung lượng cho phép ({limit // (1024 * 1024)} MB): hãy quét lại hoặc "
            "tách thành nhiều tệp."
        )
    if compressed is not None and size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1):
        return (
            "Tỉ lệ nén bất thường (nghi là “ZIP bomb”): không giải nén tệp này. Hãy kiểm tra "
            "nguồn của tệp ZIP."
        )
    if suffix not in SCAN_EXTENSIONS:
        return "Không phải bản quét (chỉ nhận PDF, TIFF, JPEG, PNG): tệp này không được nhập."
    return ""


def zip_members(path: Path) -> tuple[list[Member], bytes | None]:
    """The scans of a ZIP, and the bytes of a CSV at its top level (the batch's metadata)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise DomainError("Tệp tải lên không phải tệp ZIP hợp lệ.", field="archive") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and not _skipped(i.filename)]
        if len(infos) > MAX_MEMBERS:
            raise DomainError(
                f"Tệp ZIP có {len(infos)} tệp, quá {MAX_MEMBERS} tệp cho một lô: hãy chia nhỏ.",
                field="archive",
            )
        total = sum(i.file_size for i in infos)
        if total > settings.ARCHIVE_ZIP_MAX_BYTES:
            raise DomainError(
                "Tổng dung lượng sau giải nén của tệp ZIP vượt giới hạn cho một lô "
                f"({settings.ARCHIVE_ZIP_MAX_BYTES // (1024**3)} GB): hãy chia nhỏ.",
                field="archive",
            )
        members, csv_bytes = [], None
        for info in infos:
            name = _nfc(info.filename)
            top_csv = "/" not in name.strip("/") and name.lower().endswith(".csv")
            if top_csv and csv_bytes is None and not unsafe_name(name):
                if info.file_size > CSV_MAX_BYTES:
                    raise DomainError("Tệp CSV trong ZIP quá lớn (tối đa 5 MB).", field="csv")
                csv_bytes = archive.read(info)
                continue
            encrypted = bool(info.flag_bits & 0x1)
            problem = _member_problem(name, info.file_size, info.compress_size, encrypted)
            members.append(Member(name=name, size=info.file_size, problem=problem))
    return members, csv_bytes


def import_root() -> Path:
    return Path(settings.ARCHIVE_IMPORT_ROOT).resolve()


def resolve_folder(raw: str) -> Path:
    """A folder chosen by the clerk, which must lie inside ARCHIVE_IMPORT_ROOT."""
    root = import_root()
    text = raw.strip()
    if not text:
        raise DomainError("Vui lòng nhập đường dẫn thư mục.", field="folder")
    candidate = Path(text)
    folder = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if folder != root and root not in folder.parents:
        raise DomainError(
            f"Chỉ được nhập thư mục nằm trong {root} (thiết lập ARCHIVE_IMPORT_ROOT).",
            field="folder",
        )
    if not folder.is_dir():
        raise DomainError(f"Không tìm thấy thư mục {folder} trên máy chủ.", field="folder")
    return folder


def folder_members(folder: Path) -> tuple[list[Member], bytes | None]:
    members, csv_bytes = [], None
    paths = sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    if len(paths) > MAX_MEMBERS:
        raise DomainError(
            f"Thư mục có {len(paths)} tệp, quá {MAX_MEMBERS} tệp cho một lô: hãy chia nhỏ.",
            field="folder",
        )
    for path in paths:
        name = _nfc(path.relative_to(folder).as_posix())
        if _skipped(name):
            continue
        real = path.resolve()
        if real != folder and folder not in real.parents:
            members.append(
                Member(name, 0, "Liên kết trỏ ra ngoài thư mục được nhập: không nhận tệp này.")
            )
            continue
        size = real.stat().st_size
        if path.parent == folder and name.lower().endswith(".csv") and csv_bytes is None:
            if size > CSV_MAX_BYTES:
                raise DomainError("Tệp CSV trong thư mục quá lớn (tối đa 5 MB).", field="csv")
            csv_bytes = real.read_bytes()
            continue
        members.append(
            Member(name=name, size=size, problem=_member_problem(name, size, None, False))
        )
    return members, csv_bytes


def read_member(*, source: str, location: str, name: str) -> Iterator[bytes]:
    """The bytes of one member, streamed (never more than its declared size from a ZIP)."""
    if source == "zip":
        try:
            archive = zipfile.ZipFile(location)
        except (zipfile.BadZipFile, OSError):
            raise DomainError(
                "Không còn đọc được tệp ZIP của lô (tệp tạm đã bị xóa hoặc hỏng): hãy tải lên lại."
            ) from None
        with archive:
            info = next(
                (i for i in archive.infolist() if _nfc(i.filename) == name and not i.is_dir()),
                None,
            )
            if info is None:
                raise DomainError("Không tìm thấy tệp này trong tệp ZIP của lô.")
            try:
                with archive.open(info) as handle:
                    yield from iter(lambda: handle.read(CHUNK), b"")
            except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
                raise DomainError(f"Tệp trong ZIP bị hỏng, không giải nén được ({exc}).") from None
        return
    folder = Path(location)
    path = (folder / name).resolve()
    if folder not in path.parents:
        raise DomainError("Tệp nằm ngoài thư mục được nhập: không nhận.")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise DomainError(
            "Không tìm thấy tệp trong thư mục trên máy chủ (đã bị xóa hoặc đổi tên)."
        ) from None
    with handle:
        if os.fstat(handle.fileno()).st_size > settings.UPLOAD_MAX_BYTES:
            raise DomainError("Tệp lớn hơn dung lượng cho phép.")
        yield from iter(lambda: handle.read(CHUNK), b"")
