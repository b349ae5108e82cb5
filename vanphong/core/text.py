"""Vietnamese text helpers: one fold function used by search, directories and filters."""

from __future__ import annotations

import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """Lower-case, strip every tone and vowel mark, map đ→d: "Đảng ủy" → "dang uy"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.casefold().split())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()
