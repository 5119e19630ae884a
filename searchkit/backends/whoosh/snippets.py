"""Snippets for queries on a field other than the body (issue 23): `people:"paul volcker"`,
`entities:volcker`, `orgs:opec` or `headline:coffee` match no body word, so the snippet showed the
article's lead without a highlight. The body words of those values are highlighted instead: the
passage that mentions the person, organisation or headline word."""
from __future__ import annotations

from whoosh import highlight, query

from ...model import TAG_FIELDS

# Fields whose values are also written in the body: entity names, tags, headline words.
_NAMED_IN_BODY = frozenset((*TAG_FIELDS, "entities", "headline"))


def named_words(q: query.Query, body_analyzer) -> set[str]:
    """The body's indexed words (as its analyzer gives them) of the values `q` searches for in the
    fields named in `_NAMED_IN_BODY`, outside NOT."""
    words: set[str] = set()
    for leaf in positive_leaves(q):
        if leaf.field() not in _NAMED_IN_BODY:
            continue
        texts = leaf.words if isinstance(leaf, query.Phrase) else [getattr(leaf, "text", None)]
        for text in texts:
            if not isinstance(text, str):
                continue
            if leaf.field() == "headline":  # analysed as the body is already
                words.add(text)
            else:
                words.update(token.text for token in body_analyzer(text, mode="index"))
    return words


def named_snippet(q: query.Query, body: str, body_analyzer, fragmenter, formatter):
    """The formatter's snippet of `body` around the words of `named_words`; ("", []) if none."""
    words = named_words(q, body_analyzer)
    if not words:
        return "", []
    return highlight.highlight(body, words, body_analyzer, fragmenter, formatter, top=2, mode="index")


def positive_leaves(q: query.Query, whole: tuple[type, ...] = ()):
    """The leaves of `q` outside NOT (what a match is found and scored by); nodes of the types in
    `whole` are yielded as they are, not their leaves."""
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from positive_leaves(q.a, whole)
        return
    if q.is_leaf() or isinstance(q, whole):
        yield q
        return
    for child in q.children():
        yield from positive_leaves(child, whole)
