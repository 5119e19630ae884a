"""Snippets for queries on a field other than the body (issue 23): `people:"paul volcker"`,
`entities:volcker`, `orgs:opec` or `headline:coffee` match no body word, so the snippet showed the
article's lead without a highlight. The body words of those values are highlighted instead: the
passage that mentions the person, organisation or headline word."""
from __future__ import annotations

from whoosh import highlight, query

from ..model import TAG_FIELDS, Span

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


def named_snippet(q: query.Query, body: str, body_analyzer) -> tuple[str, list[Span]]:
    """The snippet of `body` around the words of `named_words`; ("", []) if none."""
    words = named_words(q, body_analyzer)
    if not words:
        return "", []
    return body_snippet(body, words, body_analyzer)


def body_snippet(body: str, words: set[str], body_analyzer) -> tuple[str, list[Span]]:
    """The two best passages of `body` (`fragmenter`) around `words`, as indexed, highlighted."""
    return highlight.highlight(body, words, body_analyzer, fragmenter(), SnippetFormatter(), top=2, mode="index")


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


def fragmenter() -> highlight.ContextFragmenter:
    """The snippet's passages: the two best of about 200 characters around the searched words."""
    return highlight.ContextFragmenter(maxchars=200, surround=60)


class SnippetFormatter(highlight.Formatter):
    """Returns (text, [Span]) instead of markup, so each output format can render highlights."""

    between = " … "

    def format(self, fragments, replace=False):
        text_parts: list[str] = []
        spans: list[Span] = []
        length = 0
        for i, fragment in enumerate(fragments):
            if i:
                text_parts.append(self.between)
                length += len(self.between)
            source = fragment.text
            index = fragment.startchar
            for t in sorted(fragment.matches, key=lambda tok: (tok.startchar, -tok.endchar)):
                if t.startchar is None or t.startchar < index:
                    continue
                before = source[index:t.startchar]
                word = source[t.startchar:t.endchar]
                text_parts.append(before)
                length += len(before)
                spans.append(Span(length, length + len(word)))
                text_parts.append(word)
                length += len(word)
                index = t.endchar
            rest = source[index:fragment.endchar]
            text_parts.append(rest)
            length += len(rest)
        return _collapse_whitespace("".join(text_parts), spans)


def _collapse_whitespace(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Collapse runs of whitespace (Reuters bodies are wrapped) while keeping spans aligned."""
    out: list[str] = []
    mapping: list[int] = []  # old index -> new index
    prev_space = False
    for ch in text:
        mapping.append(len(out))
        if ch.isspace():
            if not prev_space:
                out.append(" ")
            prev_space = True
        else:
            out.append(ch)
            prev_space = False
    mapping.append(len(out))
    return "".join(out).strip(), [Span(mapping[s.start], mapping[s.end]) for s in spans]
