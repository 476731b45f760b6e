"""Text handling shared by indexing, querying and highlighting: one folding, so that the index and the query
see the same words (``Éléphant`` and ``elephant`` are one token; ``ivory_seller`` is two)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from html import escape

_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')
HASHTAG = re.compile(r"#([^\W_][\w]*)")

#: Small stop-word lists (English, French, Spanish) for top keywords; full text search keeps every word.
_STOP_WORDS = """
a an and are as at be but by for from has have i in is it its of on or our that the this to was we were will with
you your au aux avec ce ces dans de des du elle en est et il je la le les leur mais ne nous on ou par pas pour
qui que sa se son sur un une vous al con del el es las lo los para por sin su sus una y o
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def fold(text: str) -> str:
    """Lower-case, accents removed; the form stored in the index and compared with the query.

    ASCII text folds to its lower case (the common case, checked in C). Otherwise the whole text is decomposed,
    stripped of its combining marks, then case-folded: the same as folding it character by character, since every
    step maps characters independently (canonical reordering moves only the marks that are then removed).
    """
    if text.isascii():
        return text.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=4096)
def _aligned_char(char: str) -> str:
    """One character of ``_aligned_fold``: the first character of its fold, a space when it folds to nothing.
    Cached, because texts repeat a small alphabet and a search folds every character of every hit it highlights."""
    return fold(char)[:1] or " "


def tokens(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def keywords(text: str) -> set[str]:
    """The words of ``text`` that count as top keywords: folded, longer than two letters, not a stop word or a
    number. Every backend counts these, so both rank the same words."""
    return {word for word in tokens(text) if len(word) > 2 and word not in STOP_WORDS and not word.isdigit()}


def index_body(*parts: str | None) -> str:
    """What the index stores: folded words separated by single spaces, so every engine tokenises it alike."""
    return " ".join(word for part in parts if part for word in tokens(part))


@dataclass(frozen=True)
class ParsedQuery:
    """A query as words that must all occur, and quoted phrases whose words must occur in order.

    ``variants`` (one tuple per word, when set) are the indexed words close to each word — a typo's
    corrections — any of which may stand for it. Backends look for them only when the exact query finds nothing:
    approximate matches are many, and noise when exact ones exist.
    """

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    variants: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def terms(self) -> set[str]:
        return (set(self.words) | {word for phrase in self.phrases for word in phrase}
                | {word for variants in self.variants for word in variants})


def parse(text: str) -> ParsedQuery:
    phrases = tuple(p for p in (tuple(tokens(m)) for m in _PHRASE.findall(text)) if p)
    rest = _PHRASE.sub(" ", text)
    return ParsedQuery(words=tuple(dict.fromkeys(tokens(rest))), phrases=phrases)


def highlight(text: str, terms: set[str], width: int = 80) -> str | None:
    """A snippet of ``text`` around the first matched term, HTML-escaped, every matched word in ``<mark>``.

    Matching is on folded words, so ``éléphant`` is marked for the query ``elephant``; ``None`` when no term
    occurs in ``text``.
    """
    spans = [(m.start(), m.end()) for m in _WORD.finditer(_aligned_fold(text)) if m.group() in terms]
    if not spans:
        return None
    start = max(0, spans[0][0] - width // 2)
    end = min(len(text), spans[0][1] + width)
    out, cursor = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out += [escape(text[cursor:s]), "<mark>", escape(text[s:e]), "</mark>"]
        cursor = e
    out.append(escape(text[cursor:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")


def _aligned_fold(text: str) -> str:
    """``fold`` keeping one character per original character, so match offsets point into ``text``."""
    if text.isascii():
        return text.lower()
    return "".join(map(_aligned_char, text))
