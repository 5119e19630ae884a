"""The Whoosh side of `querylang.undated`: matches without a date, counted from the date column."""
from __future__ import annotations

from whoosh import query
from whoosh.searching import Searcher

from .search import FacetColumns, matching_docs


def undated_matches(searcher: Searcher, q: query.Query, filter_q: query.Query | None,
                    facet_columns: FacetColumns) -> int:
    """How many matches of `q` that `filter_q` lets through have no date (day 0 in the column)."""
    days = facet_columns.values(searcher, "date")
    docs = matching_docs(searcher, query.And([q, filter_q]) if filter_q is not None else q)
    return list(map(days.__getitem__, docs)).count(0)
