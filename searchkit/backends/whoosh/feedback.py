"""Pseudo-relevance feedback on Whoosh (`querylang.ranking`): the first matches' words re-score the
first `depth` matches, in place, after the plain scoring. Matches are never added or removed."""
from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from whoosh import query
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from ...querylang.ranking import Expansion, Ranking, analysed, may_expand, rm3_expansion, scaled, searched_words
from .bm25f import Among
from .scoring import matcher_scores


@dataclass(frozen=True)
class Reranked:
    expansion: Expansion
    docnums: frozenset[int]  # the matches re-scored (the others have no bonus)


def rerank(searcher: Searcher, q: query.Query, scores: dict[int, float], ranking: Ranking) -> Reranked | None:
    """Adds the feedback bonus to the scores of the first `ranking.depth` matches of `scores`
    (global document number -> score); returns the expansion and the matches re-scored, or None."""
    if not ranking.feedback_docs or len(scores) < 2:
        return None
    first = heapq.nsmallest(ranking.depth, scores, key=lambda d: (-scores[d], d))
    feedback = []
    for d in first[:ranking.feedback_docs]:
        fields = searcher.stored_fields(d)
        feedback.append((scores[d], analysed(f"{fields.get('headline', '')}\n{fields.get('body', '')}")))
    searched = searched_words(q)
    if ranking.model == "bo1":
        # Bo1 against the body's statistics (Whoosh's key terms), of the words already analysed.
        text = "\n".join(" ".join(words) for _score, words in feedback)
        weights = searcher.key_terms_from_text("body", text, numterms=ranking.feedback_terms + len(searched) + 20)
        expansion = scaled(ranking, [(w, x) for w, x in weights if may_expand(w, searched)][:ranking.feedback_terms],
                           searched)
    else:
        expansion = rm3_expansion(ranking, feedback, searched)
    if expansion is None:
        return None
    for d, bonus in bonus_scores(searcher, expansion.query(), first).items():
        scores[d] += bonus
    return Reranked(expansion, frozenset(first))


def bonus_scores(searcher: Searcher, bonus: query.Query, docnums: list[int]) -> dict[int, float]:
    """The score `bonus` gives each of `docnums` it matches (global numbers), read only from the
    posting blocks holding one of them."""
    by_segment: dict[int, list[int]] = defaultdict(list)
    subs = searcher.leaf_searchers()
    offsets = [offset for _, offset in subs]
    for d in sorted(docnums):
        i = next(i for i in range(len(offsets) - 1, -1, -1) if offsets[i] <= d)
        by_segment[i].append(d - offsets[i])
    context = searcher.context()
    out: dict[int, float] = {}
    for i, local in by_segment.items():
        sub, offset = subs[i]
        try:
            scores = matcher_scores(bonus.matcher(sub, context), sub.reader(), Among(local, presorted=True))
        except TermNotFound:
            continue
        out.update((offset + d, score) for d, score in scores.items())
    return out
