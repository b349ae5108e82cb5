"""Snippets with the matched words marked, computed in Python on the page's rows only, the same
way for both engines (the engines see folded words; the user reads the original text)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vanphong.search.query import Query
from vanphong.search.text import WORD_RE, cached_exact_word, cached_fold_word

WINDOW = 14  # words of context each side of the first match


def _matcher(query: Query) -> tuple[set[str], set[str], list[str], list[str]]:
    folded, exact, folded_prefix, exact_prefix = set(), set(), [], []
    for term in query.terms:
        for i, word in enumerate(term.words):
            is_prefix = term.prefix and i == len(term.words) - 1
            if term.exact:
                (exact_prefix.append(word) if is_prefix else exact.add(word))
            else:
                (folded_prefix.append(word) if is_prefix else folded.add(word))
    return folded, exact, folded_prefix, exact_prefix


def _hits(text: str, query: Query) -> list[tuple[int, int]]:
    folded, exact, folded_prefix, exact_prefix = _matcher(query)
    spans = []
    for match in WORD_RE.finditer(text):
        word = match.group(0)
        f, e = cached_fold_word(word), cached_exact_word(word)
        if (
            f in folded
            or e in exact
            or any(f.startswith(p) for p in folded_prefix)
            or any(e.startswith(p) for p in exact_prefix)
        ):
            spans.append(match.span())
    return spans


def mark(text: str, query: Query) -> SafeString:
    """The whole text, escaped, with every matching word in <mark>."""
    return _render(text, _hits(text, query), 0, len(text))


def snippet(texts: list[str], query: Query, *, limit: int = 240) -> SafeString:
    """The first text that contains a match, cut around the first match; else the first text."""
    for text in texts:
        if not text:
            continue
        spans = _hits(text, query)
        if not spans:
            continue
        bounds = [m.span() for m in WORD_RE.finditer(text)]
        first = next(i for i, b in enumerate(bounds) if b[0] == spans[0][0])
        start = bounds[max(0, first - WINDOW)][0]
        end = bounds[min(len(bounds) - 1, first + WINDOW)][1]
        return _render(text, spans, start, end)
    first_text = next((t for t in texts if t), "")
    cut = first_text[:limit]
    return mark_safe(escape(cut) + ("…" if len(first_text) > limit else ""))


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> SafeString:
    out = ["…" if start > 0 else ""]
    pos = start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    out.append("…" if end < len(text) else "")
    return mark_safe("".join(out))
