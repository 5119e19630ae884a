"""Rankings (issue 23): how the matches of a relevance search are ordered, engine-neutral.

`plain` (the default) is BM25F as the engine scores the query. `feedback` adds pseudo-relevance
feedback: the words that mark the first articles of the plain ranking (RM3: a word's share of
each article's words, weighted by the article's score; or Bo1) are searched among the first
`Ranking.depth` matches, and each of those articles gains their weighted score. The bonus only
re-orders: every match stays a match and no article is added, so totals, facets, filters and
export are the same under both rankings. Its numbers were chosen on the TRAIN half of both query
sets of `benchmarks/eval_relevance.py --joint`; on the held-back half it was not better than plain
(+0.4% / -0.9% nDCG@10), so it is not the default (benchmarks/RESULTS.md, "Ranking (issue 23,
fourth session)").
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from whoosh import query

from ..schema import STOP_WORDS, TEXT_FIELDS, text_analyzer
from .snippets import positive_leaves


@dataclass(frozen=True)
class Ranking:
    name: str
    model: str = "rm3"  # how expansion words are weighted: "rm3" or "bo1" (Whoosh; a cluster uses bo1)
    feedback_docs: int = 0  # first articles read for feedback (0: no feedback)
    feedback_terms: int = 0  # expansion words kept
    weight: float = 0.0  # the expansion's share of the score (lambda of RM3)
    depth: int = 0  # matches re-scored with the expansion (the rest keep their order)


RANKINGS = {  # keyed by `model.RANKING_NAMES`, the names the faces offer without loading Whoosh
    "plain": Ranking("plain"),
    "feedback": Ranking("feedback", feedback_docs=5, feedback_terms=30, weight=0.4, depth=100),
}


def ranking_named(name: str) -> Ranking:
    if name not in RANKINGS:
        raise ValueError(f"unknown ranking {name!r} (rankings: {', '.join(RANKINGS)})")
    return RANKINGS[name]


@dataclass(frozen=True)
class Expansion:
    """The words feedback added to a search, with their weights (summing to the query's share)."""

    terms: tuple[tuple[str, float], ...]

    def query(self) -> query.Query:
        """The bonus: each word in headline and body, weighted."""
        return query.Or([query.Term(field, term, boost=weight) for term, weight in self.terms
                         for field in TEXT_FIELDS])


_ANALYZER = text_analyzer()
_STOPPED = frozenset(token.text for word in STOP_WORDS for token in _ANALYZER(word))


def analysed(text: str) -> list[str]:
    """The words of `text` as headline and body index them."""
    return [token.text for token in _ANALYZER(text)]


def searched_words(q: query.Query) -> set[str]:
    """The headline and body words a query searches (never expansion words)."""
    words: set[str] = set()
    for leaf in positive_leaves(q):
        if leaf.field() in TEXT_FIELDS:
            words.update(text.decode() if isinstance(text, bytes) else str(text)
                         for _field, text in leaf.iter_all_terms())
    return words


def may_expand(word: str, searched: set[str]) -> bool:
    """Whether feedback may add `word`: not a searched word, a stop word or a number."""
    return word not in searched and word not in _STOPPED and not word.isdigit()


def scaled(ranking: Ranking, weights: Sequence[tuple[str, float]], searched: set[str]) -> Expansion | None:
    """The expansion words with their weights scaled to sum to `weight / (1 - weight)` per searched
    word: the query keeps 1 - weight of the score, the expansion `weight` (RM3's lambda)."""
    total = sum(w for _, w in weights)
    if not weights or total <= 0:
        return None
    scale = ranking.weight / (1 - ranking.weight) * max(len(searched), 1) / total
    return Expansion(tuple((word, round(w * scale, 6)) for word, w in weights))


def rm3_expansion(ranking: Ranking, feedback: Sequence[tuple[float, Iterable[str]]],
                  searched: set[str]) -> Expansion | None:
    """RM3 expansion words of the feedback articles, each given as (score, its words): P(w|R) =
    sum over articles of P(w|d) P(d|q), the query's own words, stop words and numbers left out;
    the weights are scaled so that they sum to `weight` per searched word."""
    norm = sum(score for score, _ in feedback)
    if norm <= 0:
        return None
    weights: dict[str, float] = defaultdict(float)
    for score, words in feedback:
        counts = Counter(words)
        length = sum(counts.values())
        if not length:
            continue
        for word, n in counts.items():
            if may_expand(word, searched):
                weights[word] += n / length * score / norm
    return scaled(ranking, sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:ranking.feedback_terms],
                  searched)
