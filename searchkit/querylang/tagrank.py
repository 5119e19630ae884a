"""Ranking a query on tags alone (issue 23): `people:"tony blair"` or `topics:coffee` scored every
match 1, so hits came in index order. Such a query now also scores the words of each tag value in
the headline and body (an AND-MAYBE: the same matches, and the same total and facets), so articles
that name the person or topic in their headline, or often in their text, come first. A query with
any headline or body word is left as it is (its ranking is BM25F's, unchanged)."""
from __future__ import annotations

from whoosh import query
from whoosh.fields import Schema

from ..model import TAG_FIELDS
from ..schema import TEXT_FIELDS
from .snippets import positive_leaves


def rank_tag_query(q: query.Query, schema: Schema) -> query.Query:
    """`q` with each tag term outside NOT made to prefer articles whose text names its value, when
    `q` searches no headline, body or entity words; else `q` itself."""
    leaves = list(positive_leaves(q))
    if any(leaf.field() in (*TEXT_FIELDS, "entities") for leaf in leaves):
        return q
    tags = {id(leaf) for leaf in leaves if isinstance(leaf, query.Term) and leaf.field() in TAG_FIELDS}
    if not tags:
        return q
    analyzer = schema["body"].analyzer

    def prefer_named(node: query.Query) -> query.Query:
        if id(node) not in tags:
            return node
        words = list(dict.fromkeys(token.text for token in analyzer(node.text, mode="index")))
        if not words:
            return node
        named = [query.Term(field, word) for word in words for field in TEXT_FIELDS]
        return query.AndMaybe(node, query.Or(named))

    return q.accept(prefer_named)
