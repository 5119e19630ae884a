"""The Whoosh side of `querylang.undated`: matches without a date, counted among the undated
documents only (each segment's day order lists them first), so an archive with few undated articles
pays little for the count and one with none pays nothing."""
from __future__ import annotations

from bisect import bisect_left

from whoosh import query
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from .bm25f import Among
from .columns import FacetColumns
from .matching import segment_matches
from .scoring import matcher_scores


def undated_matches(searcher: Searcher, q: query.Query, filter_q: query.Query | None,
                    facet_columns: FacetColumns) -> int:
    """How many matches of `q` that `filter_q` lets through have no date (day 0 in the column)."""
    count = 0
    context = searcher.context()
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        if reader.segment() is None:
            continue
        sorted_days, order = facet_columns.segment_day_order(reader)
        undated = set(order[:bisect_left(sorted_days, 1)])
        if undated and filter_q is not None:
            undated &= segment_matches(sub, filter_q)
        if not undated:
            continue
        try:
            count += len(matcher_scores(q.matcher(sub, context), reader, Among(undated)))
        except TermNotFound:
            continue
    return count
