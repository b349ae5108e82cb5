"""Words as both search engines see them: one tokeniser and two forms of each word.

`core.text.fold` is the single source of truth for unaccented forms; this module only splits text
into words and gives the exact (accented) form, with the old and new tone placements made equal
("uỷ" and "ủy", "hoà" and "hòa" are the same word).
"""

from __future__ import annotations

import re
import unicodedata

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


def folded_text(text: str) -> str:
    return " ".join(fold(w) for w in words(text))


def exact_text(text: str) -> str:
    return " ".join(exact_word(w) for w in words(text))
