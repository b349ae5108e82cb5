"""Files held between two submits of a form that was refused for its other fields.

A browser cannot refill a file input, so when the registration form comes back with an error
(a missing field, a duplicate warning, a bad date) the files that were themselves acceptable are
kept here, tied to the user, under a random token that the re-rendered form carries in a hidden
field. The next submit uses them; success, removal by the user or expiry deletes them. Nothing
enters the content-addressed store until the form succeeds.

Layout: `<VAR_DIR>/held-uploads/<token>/manifest.json` (owner, last use, files) and one file per
entry beside it. A token belongs to one user: anybody else gets nothing back from it.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.files.store import write_checked

HOLD_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


@dataclass(frozen=True)
class HeldFile:
    index: int
    name: str
    size: int
    content_type: str
    path: Path


def _root() -> Path:
    return Path(settings.VAR_DIR) / "held-uploads"


def _dir(token: str) -> Path | None:
    return _root() / token if _TOKEN.match(token or "") else None


def _read(token: str, user: User) -> dict[str, Any] | None:
    """The manifest of the user's live hold, or None (unknown, someone else's or expired)."""
    folder = _dir(token)
    if folder is None:
        return None
    try:
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if time.time() - float(manifest.get("touched", 0)) > HOLD_SECONDS:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    if manifest.get("user") != user.pk:
        return None
    return manifest


def _write(folder: Path, manifest: dict[str, Any]) -> None:
    manifest["touched"] = time.time()
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    tmp.replace(folder / "manifest.json")


def _files(folder: Path, manifest: dict[str, Any]) -> list[HeldFile]:
    return [
        HeldFile(
            index=int(entry["index"]),
            name=str(entry["name"]),
            size=int(entry["size"]),
            content_type=str(entry["content_type"]),
            path=folder / str(int(entry["index"])),
        )
        for entry in manifest.get("files", [])
    ]


def held_files(*, user: User, token: str) -> list[HeldFile]:
    """The files the user holds under this token (none for a token that is not theirs)."""
    manifest = _read(token, user)
    folder = _dir(token)
    if manifest is None or folder is None:
        return []
    return _files(folder, manifest)


def hold_uploads(
    *, user: User, token: str, uploads: Sequence[UploadedFile]
) -> tuple[str, list[str]]:
    """Keep the acceptable uploads under the user's token (a new one if needed).

    Returns the token ("" when nothing is held) and the reasons the other uploads were refused.
    """
    errors: list[str] = []
    manifest = _read(token, user)
    if manifest is None:
        token = secrets.token_urlsafe(32)
        manifest = {"user": user.pk, "files": [], "next": 0}
    folder = _root() / token
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for upload in uploads:
        name = upload.name or "tệp"
        index = int(manifest["next"])
        target = folder / str(index)
        try:
            size, content_type, _ = write_checked(upload.chunks(), name=name, path=target)
        except DomainError as exc:
            target.unlink(missing_ok=True)
            errors.append(exc.message)
            continue
        manifest["next"] = index + 1
        manifest["files"].append(
            {"index": index, "name": name, "size": size, "content_type": content_type}
        )
    if not manifest["files"]:
        shutil.rmtree(folder, ignore_errors=True)
        return "", errors
    _write(folder, manifest)
    return token, errors


def drop_held(*, user: User, token: str, indexes: Iterable[int]) -> None:
    """Remove the files the user chose to leave out."""
    manifest = _read(token, user)
    folder = _dir(token)
    if manifest is None or folder is None:
        return
    gone = set(indexes)
    kept = []
    for entry in manifest["files"]:
        if int(entry["index"]) in gone:
            (folder / str(int(entry["index"]))).unlink(missing_ok=True)
        else:
            kept.append(entry)
    manifest["files"] = kept
    _write(folder, manifest)


def release(*, user: User, token: str) -> None:
    """Delete the user's hold (after success, or when files may not be kept)."""
    folder = _dir(token)
    if folder is not None and _read(token, user) is not None:
        shutil.rmtree(folder, ignore_errors=True)


def open_uploads(files: Sequence[HeldFile]) -> list[UploadedFile]:
    """The held files as uploads for the form and the services; the caller closes them."""
    opened = []
    for held in files:
        handle = held.path.open("rb")
        opened.append(
            UploadedFile(handle, name=held.name, content_type=held.content_type, size=held.size)
        )
    return opened


def purge_expired(*, now: float | None = None) -> int:
    """Delete every hold unused for HOLD_SECONDS; returns how many went."""
    root = _root()
    if not root.is_dir():
        return 0
    limit = (time.time() if now is None else now) - HOLD_SECONDS
    removed = 0
    for folder in root.iterdir():
        manifest = folder / "manifest.json"
        try:
            touched = float(json.loads(manifest.read_text("utf-8")).get("touched", 0))
        except (OSError, ValueError):
            touched = folder.stat().st_mtime  # a hold interrupted while being written
        if touched < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
