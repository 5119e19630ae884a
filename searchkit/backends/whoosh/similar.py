"""More like this: an article's key terms and entities as one OR query."""
from __future__ import annotations

from whoosh import query
from whoosh.searching import Searcher

from ..documents import SIMILAR_FIELDS
from ...model import Article


def more_like_query(searcher: Searcher, article: Article, numterms: int = 12) -> query.Query | None:
    """An OR query of the article's key terms (Bo1 weights against the body's vocabulary) in headline
    and body, and of its people, organisations and places, each weighted by its idf."""
    clauses = []
    text = f"{article.headline}\n{article.body}"
    if text.strip():
        for term, weight in searcher.key_terms_from_text("body", text, numterms=numterms):
            clauses.append(query.Term("body", term, boost=weight))
            clauses.append(query.Term("headline", term, boost=weight))
    for name in SIMILAR_FIELDS:
        for value in getattr(article, name):
            term = value.lower()
            if searcher.doc_frequency(name, term):
                clauses.append(query.Term(name, term, boost=searcher.idf(name, term)))
    return query.Or(clauses) if clauses else None
