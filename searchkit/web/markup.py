"""Untrusted article text cut into pieces for the templates: plain text, highlighted snippet spans,
query words and entity names. Each piece is sanitised (no control or bidi characters) and the
templates escape it (Jinja2 autoescape): nothing from an article ever becomes markup."""
from __future__ import annotations

import re
from dataclasses import dataclass

import Stemmer

from ..model import EXTRACTED_FIELDS, Article, Span
from ..output import sanitize

_WORD = re.compile(r"\w+")
# Words of the query language that are not search words.
_OPERATORS = {"and", "or", "not", "to"}
_STEMMER = Stemmer.Stemmer("english")
# The longest entity names matched in a body (a 1 MB tag list must not make a 1 MB pattern).
_MAX_NAMES = 200


@dataclass
class Piece:
    text: str
    kind: str = ""  # "" plain, "hit" a query word, "entity" a link to a search for field=value
    field: str = ""
    value: str = ""


def snippet_pieces(snippet: str, spans: list[Span]) -> list[Piece]:
    """A search snippet with its highlighted spans."""
    pieces, index = [], 0
    for span in spans:
        pieces.append(Piece(sanitize(snippet[index:span.start], keep_newlines=True)))
        pieces.append(Piece(sanitize(snippet[span.start:span.end], keep_newlines=True), "hit"))
        index = span.end
    pieces.append(Piece(sanitize(snippet[index:], keep_newlines=True)))
    return [p for p in pieces if p.text]


def query_stems(query: str) -> set[str]:
    """The stems of the query's search words (field names and operators left out)."""
    words: list[str] = []
    for token in re.split(r"[\s()\"]+", query):
        token = token.split(":", 1)[1] if ":" in token else token
        words.extend(w for w in _WORD.findall(token.lower()) if w not in _OPERATORS)
    return set(_STEMMER.stemWords(words))


def _entity_pattern(article: Article) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, str]]]:
    names: dict[str, tuple[str, str]] = {}
    for name in EXTRACTED_FIELDS:
        for value in getattr(article, name):
            if 3 <= len(value) <= 100:
                names.setdefault(value.lower(), (name, value))
    if not names:
        return None, names
    ordered = sorted(names, key=len, reverse=True)[:_MAX_NAMES]
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in ordered) + r")\b", re.IGNORECASE), names


def body_pieces(article: Article, query: str) -> list[list[Piece]]:
    """The article's paragraphs, each as pieces: entity names (links) and query words (marked)."""
    stems = query_stems(query)
    pattern, names = _entity_pattern(article)
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", sanitize(article.body, keep_newlines=True)):
        if not paragraph.strip():
            continue
        pieces: list[Piece] = []
        index = 0
        for match in pattern.finditer(paragraph) if pattern is not None else ():
            pieces.extend(_words(paragraph[index:match.start()], stems))
            field, value = names[match.group().lower()]
            pieces.append(Piece(match.group(), "entity", field, value))
            index = match.end()
        pieces.extend(_words(paragraph[index:], stems))
        paragraphs.append(pieces)
    return paragraphs


def _words(text: str, stems: set[str]) -> list[Piece]:
    if not stems:
        return [Piece(text)] if text else []
    pieces, index = [], 0
    for match in _WORD.finditer(text):
        if _STEMMER.stemWord(match.group().lower()) in stems:
            pieces.append(Piece(text[index:match.start()]))
            pieces.append(Piece(match.group(), "hit"))
            index = match.end()
    pieces.append(Piece(text[index:]))
    return [p for p in pieces if p.text]
