"""Words as both search engines see them: one tokeniser and two forms of each word.

`core.text.fold` is the single source of truth for unaccented forms; this module only splits text
into words and gives the exact (accented) form, with the old and new tone placements made equal
("uỷ" and "ủy", "hoà" and "hòa" are the same word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from vanphong.core.text import fold

WORD_RE = re.compile(r"[^\W_]+")
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# o/u carrying the tone before a final a/e/y with nothing after: "hòa", "khỏe", "thủy"
_OLD_TONE = re.compile(rf"([ou])([{_TONES}])([aey])$")


def words(text: str) -> list[str]:
    return WORD_RE.findall(unicodedata.normalize("NFC", text))


def exact_word(word: str) -> str:
    """Lower case with marks kept; tone moved onto the last vowel of oa/oe/uy ("thủy" → "thuỷ")."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    match = _OLD_TONE.search(decomposed)
    if match and (match.group(1), match.group(3)) in (("o", "a"), ("o", "e"), ("u", "y")):
        decomposed = decomposed[: match.start()] + match.group(1) + match.group(3) + match.group(2)
    return unicodedata.normalize("NFC", decomposed)


def fold_word(word: str) -> str:
    return fold(word)


def has_marks(word: str) -> bool:
    """True when the word was typed with diacritics (or đ): it must then match exactly."""
    return fold(word) != word.lower()


class _WordCache(dict[str, str]):
    """word → its form, computed on first sight; bounded (rare words are not kept)."""

    def __init__(self, convert: Callable[[str], str], limit: int = 200_000) -> None:
        super().__init__()
        self.convert, self.limit = convert, limit

    def __missing__(self, word: str) -> str:
        value = self.convert(word)
        if len(self) < self.limit:
            self[word] = value
        return value


_EXACT_WORDS = _WordCache(exact_word)
_FOLDED_WORDS = _WordCache(fold)


def cached_exact_word(word: str) -> str:
    return _EXACT_WORDS[word]


def cached_fold_word(word: str) -> str:
    return _FOLDED_WORDS[word]


def folded_text(text: str) -> str:
    """Every word folded, joined by single spaces (same as fold() of each word of words())."""
    return " ".join(map(_FOLDED_WORDS.__getitem__, words(text)))


def exact_text(text: str) -> str:
    """Every word in its exact form, joined by single spaces (same as exact_word per word)."""
    return " ".join(map(_EXACT_WORDS.__getitem__, words(text)))


def both_forms(text: str) -> tuple[str, str]:
    """(folded, exact) with one split into words: what indexing stores. Each word is followed
    and preceded by one space (" w1 w2 "; "" without words), so the phrase "w1 w2" occurs in
    the text exactly when " w1 w2 " is a substring of it: no padding at search time."""
    found = words(text)
    if not found:
        return "", ""
    return (
        f" {' '.join(map(_FOLDED_WORDS.__getitem__, found))} ",
        f" {' '.join(map(_EXACT_WORDS.__getitem__, found))} ",
    )
