"""Running a query on a Whoosh searcher: exact totals, sorting, paging, facets and snippets of one
page of hits; and the export order."""
from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter
from itertools import chain, islice, takewhile
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from whoosh import query, sorting
from whoosh.searching import Results, Searcher

from ..documents import TIME_COLUMN, make_hit, stored_to_article
from ...model import Article, FacetValue, Hit
from ...querylang.snippets import SnippetFormatter, fragmenter, named_snippet
from .columns import DocSet, FacetColumns
from .matching import matching_docs
from . import scoring
from .scoring import scored_arrays, scored_docs
from .summaries import story_facet
from .timeorder import NO_DATE_LAST, date_order_key, day_bound, times


def sort_facet(sort: str):
    if sort == "relevance":
        return None
    if sort == "newest":
        return sorting.MultiFacet([sorting.FieldFacet("date", reverse=True),
                                   sorting.FieldFacet(TIME_COLUMN, reverse=True), sorting.FieldFacet("id")])
    undated_last = sorting.TranslateFacet(lambda day: day if day > 0 else NO_DATE_LAST, sorting.FieldFacet("date"))
    return sorting.MultiFacet([undated_last, sorting.FieldFacet(TIME_COLUMN), sorting.FieldFacet("id")])


def _first(items: Iterable, wanted: int, bound: Callable, key: Callable) -> list:
    """The first `wanted` of `items` by `key`, where `bound(item)` is the first part of the key:
    the `wanted` smallest bounds are found at C speed, and only items that reach them are sorted
    by the full (Python) key."""
    items = list(items)
    if len(items) > wanted:
        threshold = heapq.nsmallest(wanted, map(bound, items))[-1]
        items = [item for item in items if bound(item) <= threshold]
    items.sort(key=key)
    return items[:wanted]


def _ranked(searcher: Searcher, q: query.Query, scores: dict[int, float], docset: set[int],
            wanted: int) -> Results:
    """The first `wanted` documents by score, ties by document number (Whoosh's order)."""
    if len(scores) > wanted:
        threshold = heapq.nlargest(wanted, scores.values())[-1]
        top = [(-score, d) for d, score in scores.items() if score >= threshold]
    else:
        top = [(-score, d) for d, score in scores.items()]
    top.sort()
    return Results(searcher, q, [(-score, d) for score, d in top[:wanted]], docset=docset)


class _ArrayResults(Results):
    """Results whose set of matches is made from the matches' array only if asked for."""

    def __init__(self, searcher: Searcher, q: query.Query, top_n: list, ids) -> None:
        super().__init__(searcher, q, top_n)
        self._ids = ids

    def docs(self) -> set[int]:
        if self.docset is None:
            self.docset = set(self._ids.tolist())
        return self.docset


def _ranked_arrays(searcher: Searcher, q: query.Query, ids, scores, docset: set[int] | None,
                   wanted: int) -> Results:
    """`_ranked` over the matches' arrays (document numbers increasing, their scores)."""
    if len(scores) > wanted:
        import numpy
        threshold = numpy.partition(scores, len(scores) - wanted)[len(scores) - wanted]
        chosen = numpy.flatnonzero(scores >= threshold)
        ids, scores = ids[chosen], scores[chosen]
    top = sorted(zip((-scores).tolist(), ids.tolist()))[:wanted]
    if docset is not None:
        return Results(searcher, q, [(-score, d) for score, d in top], docset=docset)
    return _ArrayResults(searcher, q, [(-score, d) for score, d in top], ids)


def _date_sorted(searcher: Searcher, q: query.Query, docset: set[int], facet_columns: FacetColumns,
                 sort: str, wanted: int) -> Results:
    """The first `wanted` of `docset` in date order, then by time of day and id (the order of
    `sort_facet(sort)`), from the cached date, time and id columns: Whoosh's sorting collector
    reads the columns for every match on every search."""
    days = facet_columns.values(searcher, "date")
    day = day_bound(days, sort)
    leaves = [(r, offset) for r, offset in searcher.reader().leaf_readers() if r.segment() is not None]
    # Walking each segment's date order until `wanted` matches turn up reads ~wanted * size /
    # matches documents: far fewer than the matches when they are many (a common word).
    if len(docset) ** 2 > wanted * len(leaves) * len(days):
        candidates = []
        for reader, offset in leaves:
            sorted_days, order = facet_columns.segment_day_order(reader)
            dated = bisect_left(sorted_days, 1)  # undated articles (day 0) come last either way
            if sort == "newest":
                walk = chain(reversed(order[dated:]), reversed(order[:dated]))
            else:
                walk = chain(order[dated:], order[:dated])
            candidates += _first_walked(filter(docset.__contains__, map(offset.__add__, walk)),
                                        wanted, day)
    else:
        candidates = docset
    key = date_order_key(days, times(searcher, facet_columns), facet_columns.values(searcher, "id"), sort)
    top = _first(candidates, wanted, bound=day, key=key)
    return Results(searcher, q, [(0.0, d) for d in top], docset=docset)


def _first_walked(walk: Iterator[int], wanted: int, bound: Callable) -> list[int]:
    """The first `wanted` items of a walk in `bound` order, and every later one that ties with
    the last of them."""
    taken = list(islice(walk, wanted))
    if len(taken) == wanted:
        last = bound(taken[-1])
        taken += takewhile(lambda d: bound(d) == last, walk)
    return taken


def _hit(hit, article: Article, sort: str, snippets: bool) -> Hit:
    snippet, spans = "", []
    if snippets and article.body:
        snippet, spans = hit.highlights("body", text=article.body, top=2)
        if not snippet:  # a query on other fields (people:, headline:): where the body names them
            results = hit.results
            snippet, spans = named_snippet(results.q, article.body, results.searcher.schema["body"].analyzer)
    return make_hit(article, hit.score if sort == "relevance" else None, snippet, spans)


def run(searcher: Searcher, q: query.Query, *, filter_q: query.Query | None, facets: Iterable[str],
        facet_columns: FacetColumns, sort: str, limit: int, page: int, facet_top: int = 10,
        snippets: bool = True, facet_filters: dict[str, query.Query | None] | None = None,
        collapse: bool = False, facet_labels: Mapping[str, Callable[[tuple], tuple]] | None = None,
        stories: Sequence[int] | None = None,
        rerank: Callable[[dict[int, float]], None] | None = None,
        ) -> tuple[int, list[Hit], dict[str, list[FacetValue]]]:
    """Total, the hits of one page, and facet counts over every match.

    `facet_filters` maps a facet to the filter to count it under instead of `filter_q` (for
    multi-select facets: every filter but the facet's own). With `collapse`, one hit per wire-copy
    cluster is listed and `total` counts clusters. `facet_labels` relabels a facet's values
    (`FacetColumns.count`). Given each document's cluster number (`stories`), facets count
    stories instead of articles. `rerank` may change the scores of a relevance search's matches in
    place (the ranking's hook, `feedback.rerank`), never their set.
    """
    start = (page - 1) * limit
    scores = score_array = id_array = None
    facets = tuple(facets)
    # A rerank changes scores in place, which the dict path keeps (feedback is opt-in).
    if sort == "relevance" and rerank is None and scoring.arrays_pay():
        id_array, score_array = scored_arrays(searcher, q, filter_q)
        # The set only where it is used: facets, collapsing.
        docset = set(id_array.tolist()) if facets or collapse else None
        total = len(id_array)
    else:
        if sort == "relevance":
            scores = scored_docs(searcher, q, filter_q)
            docset = set(scores)
            if rerank is not None:
                rerank(scores)
        else:
            docset = matching_docs(searcher, query.And([q, filter_q]) if filter_q is not None else q)
        total = len(docset)
    facet_counts = {}
    matches = DocSet(docset) if docset is not None else None
    if matches is not None and id_array is not None:
        matches.preset_array(id_array)
    for name in facets:
        docs = matches
        if facet_filters and name in facet_filters:
            own = facet_filters[name]
            docs = DocSet(matching_docs(searcher, query.And([q, own]) if own is not None else q))
        labels = (facet_labels or {}).get(name)
        if stories is not None:
            facet_counts[name] = story_facet(searcher, facet_columns, stories, name, docs, facet_top,
                                             labels)
        else:
            facet_counts[name] = facet_columns.count(searcher, name, docs, facet_top, labels)
    clusters = copies = None
    if collapse:
        clusters = facet_columns.values(searcher, "cluster")
        copies = Counter(clusters[d] for d in docset)
        total = len(copies)
    hits: list[Hit] = []
    if total and limit and start < total:
        wanted = start + limit
        if collapse:
            # Skipped copies can push at most (articles - clusters) hits down the ranking.
            wanted += len(docset) - total
        if score_array is not None:
            results = _ranked_arrays(searcher, q, id_array, score_array, docset, wanted)
        elif scores is not None:
            results = _ranked(searcher, q, scores, docset, wanted)
        else:
            results = _date_sorted(searcher, q, docset, facet_columns, sort, wanted)
        results.fragmenter = fragmenter()
        results.formatter = SnippetFormatter()
        if collapse:
            shown: set[str] = set()
            ranked = []
            for hit in results:
                if clusters[hit.docnum] not in shown:
                    shown.add(clusters[hit.docnum])
                    ranked.append(hit)
        else:
            # Not list(results): list() asks len(results) for a size hint, and Whoosh answers
            # that by counting every match again (docs_for_query) after a top-N search.
            ranked = list(iter(results))
        for hit in ranked[start:start + limit]:
            out = _hit(hit, stored_to_article(hit.fields()), sort, snippets)
            if collapse:
                out.cluster = clusters[hit.docnum]
                out.copies = copies[out.cluster]
            hits.append(out)
    return total, hits, facet_counts


# ------------------------------------------------------------ export

def in_date_order(searcher: Searcher, docset: Iterable[int], facet_columns: FacetColumns) -> list[int]:
    """Document numbers oldest first, then by time of day and id; undated articles last (by id)."""
    return sorted(docset, key=date_order_key(facet_columns.values(searcher, "date"), times(searcher, facet_columns),
                                             facet_columns.values(searcher, "id"), "oldest"))


def articles(searcher: Searcher, docnums: Iterable[int]) -> Iterator[Article]:
    for d in docnums:
        yield stored_to_article(searcher.stored_fields(d))
