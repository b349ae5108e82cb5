"""Snippets with the matched words marked, computed in Python on the page's rows only, the same
way for both engines (the engines see folded words; the user reads the original text)."""

from __future__ import annotations

from collections import deque
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vanphong.search.query import Query, Term
from vanphong.search.text import WORD_RE, cached_exact_word, cached_fold_word

WINDOW = 14  # words of context each side of the first match


class _Matcher:
    """Whether a word of the original text matches the query; decided once per distinct word."""

    def __init__(self, terms: tuple[Term, ...]) -> None:
        self.folded, self.exact = set(), set()
        self.folded_prefix: list[str] = []
        self.exact_prefix: list[str] = []
        for term in terms:
            for i, word in enumerate(term.words):
                is_prefix = term.prefix and i == len(term.words) - 1
                if term.exact:
                    (self.exact_prefix.append(word) if is_prefix else self.exact.add(word))
                else:
                    (self.folded_prefix.append(word) if is_prefix else self.folded.add(word))
        self.seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        verdict = self.seen.get(word)
        if verdict is None:
            f, e = cached_fold_word(word), cached_exact_word(word)
            verdict = (
                f in self.folded
                or e in self.exact
                or any(f.startswith(p) for p in self.folded_prefix)
                or any(e.startswith(p) for p in self.exact_prefix)
            )
            if len(self.seen) < 50_000:
                self.seen[word] = verdict
        return verdict


@lru_cache(maxsize=64)
def _matcher(terms: tuple[Term, ...]) -> _Matcher:
    return _Matcher(terms)


def _hits(text: str, query: Query) -> list[tuple[int, int]]:
    matches = _matcher(tuple(query.terms))
    return [m.span() for m in WORD_RE.finditer(text) if matches(m.group(0))]


def mark(text: str, query: Query) -> SafeString:
    """The whole text, escaped, with every matching word in <mark>."""
    return _render(text, _hits(text, query), 0, len(text))


def snippet(texts: list[str], query: Query, *, limit: int = 240) -> SafeString:
    """The first text that contains a match, cut around the first match (WINDOW words each
    side), else the beginning of the first text. Reads each text only up to the window's end."""
    matches = _matcher(tuple(query.terms))
    for text in texts:
        if not text:
            continue
        before: deque[int] = deque(maxlen=WINDOW + 1)  # starts of the last words seen
        spans: list[tuple[int, int]] = []
        after = -1  # words still to take after the first match
        end = 0
        for m in WORD_RE.finditer(text):
            if after < 0:
                before.append(m.start())
            if matches(m.group(0)):
                spans.append(m.span())
                if after < 0:
                    after = WINDOW + 1
            if after >= 0:
                end = m.end()
                after -= 1
                if after == 0:
                    break
        if spans:
            return _render(text, spans, before[0], end)
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
