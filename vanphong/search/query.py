"""Our query language, parsed in Python: nothing a user types ever reaches an engine raw.

- words: every word must occur (AND);
- "quoted phrases": the words next to each other, in order; an unclosed quote runs to the end;
- prefix: `quyet*`, and, while the user is typing, the last word;
- a word or phrase typed with diacritics matches exactly ("đăng" does not find "Đảng"), one typed
  without them matches every accented form ("dang uy" finds "Đảng ủy");
- a chunk joined by punctuation (a số ký hiệu such as `05-CT/TU`) is a phrase of its words.
Everything else (FTS operators, `NEAR`, `-`, parentheses, column filters) is just punctuation or a
word like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vanphong.search.text import exact_word, fold_word, has_marks, words

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MIN_PREFIX = 2
_CHUNK = re.compile(r'"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # folded or exact forms, only letters and digits
    exact: bool
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class Query:
    text: str
    terms: list[Term] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.terms


def _term(raw_words: list[str], *, prefix: bool, unfinished: bool = False) -> Term | None:
    if unfinished and raw_words and len(raw_words[-1]) < MIN_PREFIX:
        raw_words = raw_words[:-1]  # one letter typed so far: wait for the next one
        prefix = False
    if not raw_words:
        return None
    exact = any(has_marks(w) for w in raw_words)
    forms = tuple(exact_word(w) if exact else fold_word(w) for w in raw_words)
    if prefix and len(forms[-1]) < MIN_PREFIX:
        prefix = False
    return Term(words=forms, exact=exact, prefix=prefix)


def parse(text: str | None, *, typing: bool = False) -> Query:
    """Parse what the user typed. `typing`: the last word may be unfinished (implicit prefix)."""
    raw = (text or "").replace("\x00", " ")
    query = Query(text=raw.strip())
    if len(raw) > MAX_QUERY_CHARS:
        raw = raw[:MAX_QUERY_CHARS]
        query.notices.append(
            f"Từ khóa quá dài: chỉ dùng {MAX_QUERY_CHARS} ký tự đầu tiên để tìm kiếm."
        )
    chunks = list(_CHUNK.finditer(raw))
    ends_open = bool(raw) and not raw[-1].isspace()
    for index, match in enumerate(chunks):
        phrase, chunk = match.group(1), match.group(2)
        last = index == len(chunks) - 1
        if phrase is not None:
            closed = match.group(0).endswith('"') and len(match.group(0)) > 1
            unfinished = last and typing and not closed and ends_open
            prefix = phrase.rstrip().endswith("*") or unfinished
            term = _term(words(phrase), prefix=prefix, unfinished=unfinished)
        else:
            unfinished = last and typing and ends_open
            prefix = chunk.endswith("*") or unfinished
            term = _term(words(chunk), prefix=prefix, unfinished=unfinished)
        if term is not None and term not in query.terms:
            query.terms.append(term)
    if len(query.terms) > MAX_TERMS:
        query.terms = query.terms[:MAX_TERMS]
        query.notices.append(f"Chỉ dùng {MAX_TERMS} từ hoặc cụm từ đầu tiên để tìm kiếm.")
    return query


def fts5_expression(query: Query) -> str:
    """SQLite FTS5 MATCH expression; words are only letters and digits, always quoted."""
    parts = []
    for term in query.terms:
        columns = "{head_exact body_exact}" if term.exact else "{head_folded body_folded}"
        star = " *" if term.prefix else ""
        parts.append(f'{columns} : ("{" ".join(term.words)}"{star})')
    return " AND ".join(parts)


def tsquery(terms: list[Term]) -> str:
    """PostgreSQL to_tsquery('simple', ...) text; words are only letters and digits."""
    parts = []
    for term in terms:
        lexemes = [f"'{w}'" for w in term.words]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)
