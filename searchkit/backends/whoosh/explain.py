"""`search --explain` (issue 23): a hit's score split into its parts, one per searched word and
field, each the BM25F score Whoosh gives that word in that field of the article (the headline's
weight included); a prefix or pattern (`infla*`), scored as a constant, is one part. A query's
score is the sum of its parts; a phrase counts its words. With ranking `feedback`, each expansion
word found in a re-scored article is a part too (`kind="expansion"`, its weight included)."""
from __future__ import annotations

from whoosh import query
from whoosh.searching import Searcher

from ...model import ScorePart
from .feedback import Reranked
from ...querylang.query import UnionOfTerms
from ...querylang.snippets import positive_leaves


def score_parts(searcher: Searcher, q: query.Query, article_id: str,
                reranked: Reranked | None = None) -> list[ScorePart]:
    """The parts of article `article_id`'s score for `q` (and the feedback that re-scored it, if
    any), highest first."""
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        return []
    reader = searcher.reader()
    terms: dict[tuple[str, bytes], None] = {}
    parts = []
    for leaf in positive_leaves(q, whole=(UnionOfTerms,)):
        if isinstance(leaf, UnionOfTerms):  # a prefix or pattern: one score for all its words
            score = _score_of(leaf, searcher, docnum)
            if score is not None:
                parts.append(ScorePart(leaf.child.field(), str(leaf.child).partition(":")[2], score))
            continue
        for term in sorted(leaf.existing_terms(reader, phrases=True, expand=True)):
            terms[term] = None
    for fieldname, text in terms:
        word = text.decode() if isinstance(text, bytes) else str(text)
        score = _score_of(query.Term(fieldname, word), searcher, docnum)
        if score is not None:
            parts.append(ScorePart(fieldname, word, score))
    if reranked is not None and docnum in reranked.docnums:
        for term in reranked.expansion.query().subqueries:
            score = _score_of(term, searcher, docnum)
            if score is not None:
                parts.append(ScorePart(term.field(), term.text, score, kind="expansion"))
    parts.sort(key=lambda part: (-part.score, part.field, part.term))
    return parts


def _score_of(leaf: query.Query, searcher: Searcher, docnum: int) -> float | None:
    """The score `leaf` alone gives document `docnum`, or None if it does not match it."""
    matcher = leaf.matcher(searcher, searcher.context())
    if matcher.is_active():
        matcher.skip_to(docnum)
    if matcher.is_active() and matcher.id() == docnum:
        return round(float(matcher.score()), 4)
    return None
