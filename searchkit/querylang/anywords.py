"""The any-word form of an all-words query: `oil price opec` -> `oil OR price OR opec`.

A query of plain words (implicit AND) that finds few articles is offered its any-word form
(`Archive.search` -> `SearchResult.any_words`); the typed query's matches never change. A query
qualifies only when it is nothing but two or more plain words or quoted phrases separated by
spaces: any operator (AND, OR, NOT, `-`, `+`), `field:`, parenthesis, wildcard, range or boost
means the user chose the logic, and gets no offer. Bare stop words are left out, as the search
leaves them out (`query.StopWordsPlugin`).
"""
from __future__ import annotations

from functools import lru_cache

from whoosh.qparser import syntax
from whoosh.qparser.plugins import PhrasePlugin

from ..schema import STOP_WORDS, build_schema
from .query import make_parser


@lru_cache(maxsize=1)
def _tagger():
    # Tagging reads no field or analyzer of the schema, so the default one serves every index.
    return make_parser(build_schema())


def any_words_query(text: str) -> str | None:
    """`w1 OR w2 ...` for a query of two or more plain words or phrases, else None."""
    if text.count('"') % 2:
        return None  # unbalanced: the search reports it
    try:
        nodes = list(_tagger().tag(text))
    except Exception:  # noqa: BLE001 - an unparsable query is reported by the search itself
        return None
    parts: list[str] = []
    after_space = True
    for node in nodes:
        if isinstance(node, syntax.Whitespace):
            after_space = True
            continue
        # `infla*` is a word node then a wildcard node, with no space between them.
        if not after_space or type(node) not in (syntax.WordNode, PhrasePlugin.PhraseNode):
            return None
        after_space = False
        written = text[node.startchar:node.endchar]
        is_stop_word = type(node) is syntax.WordNode and written.lower() in STOP_WORDS
        if not is_stop_word and written.lower() not in (p.lower() for p in parts):
            parts.append(written)
    return " OR ".join(parts) if len(parts) >= 2 else None
