"""A search request planned once for every backend: the parsed query, its filters, the multi-select
("drill sideways") facets' own filters and the filter that counts undated matches."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from whoosh import query as wq
from whoosh.fields import Schema

from ..model import SearchOptions
from . import query as queries
from .tagrank import rank_tag_query
from .undated import without_date_limits


@dataclass(frozen=True)
class SearchPlan:
    query: wq.Query
    filter: wq.Query | None
    # A faceted field that is also filtered is counted under the other filters only, so its other
    # values stay visible: facet -> the filter to count it under.
    facet_filters: dict[str, wq.Query | None]
    # Whether the search has date limits, and the filter without them (`querylang.undated`).
    counts_undated: bool
    undated_filter: wq.Query | None


class Planner:
    """Plans requests against one schema. `adapt` rewrites the query and each filter for a backend
    (the Whoosh backend answers date ranges from its cached day column)."""

    def __init__(self, schema: Schema, adapt: Callable[[wq.Query], wq.Query] | None = None) -> None:
        self.schema = schema
        self.parser = queries.make_parser(schema)
        self._adapt = adapt

    def filter(self, options: SearchOptions, without: str | None = None) -> wq.Query | None:
        """The date range and field filters of a search (leaving out field `without`'s filter)."""
        chosen = {k: v for k, v in options.filters.items() if k != without}
        filters = [f for f in (queries.date_filter(options.date_from, options.date_to),
                               queries.field_filter(self.schema, chosen, options.tagged),
                               queries.ids_filter(options.only_ids)) if f is not None]
        if not filters:
            return None
        return self._adapt(wq.And(filters)) if self._adapt is not None else wq.And(filters)

    def parse(self, options: SearchOptions) -> tuple[wq.Query, wq.Query | None]:
        """The query (tag terms ranked by the text that names them, `tagrank`) and its filter."""
        q = rank_tag_query(queries.parse_query(self.parser, options.query, options.tagged), self.schema)
        if self._adapt is not None:
            q = self._adapt(q)
        if options.tag_spellings:
            q = queries.with_spellings(q, options.tag_spellings)
        return q, self.filter(options)

    def plan(self, options: SearchOptions) -> SearchPlan:
        """Everything a search with facets runs."""
        q, filter_q = self.parse(options)
        facet_filters = {name: self.filter(options, without=name)
                         for name in options.facets if name in options.filters}
        dateless = without_date_limits(options)
        return SearchPlan(query=q, filter=filter_q, facet_filters=facet_filters,
                          counts_undated=dateless is not None,
                          undated_filter=self.filter(dateless) if dateless is not None else None)
