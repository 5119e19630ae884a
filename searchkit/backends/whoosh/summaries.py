"""What a query's matches add up to, read from the cached columns (`columns.FacetColumns`): the
summary of one batch row, the value counts that timelines, related values and stats are made of
(`Engine.value_counts`), and counts of stories (wire-copy clusters) instead of articles.

A story is a wire-copy cluster (`wirecopies`): the same report re-sent or lightly edited counts
once. A facet value counts the stories with at least one matching article that has the value; a
timeline counts each story once, in the period of its earliest matching article.
"""
from __future__ import annotations

import threading
from array import array
from functools import lru_cache
from collections import Counter
from typing import Callable, Collection, Iterable, Mapping, Sequence, cast

from whoosh.searching import Searcher

from ...enrich.dates import month_counts
from ...model import FacetValue, MatchSummary
from ...schema import day_from_number
from .. import DAY, ValueCounts
from ..counting import DATE_FACETS, rank_facet
from .columns import DocSet, FacetColumns, TagValues


class DerivedColumn:
    """Numbers derived from one cached column for each document (an array), built once per
    commit: each document's cluster as a small number (sets of numbers are far cheaper than sets
    of id strings), or its month."""

    def __init__(self, column: str, derive: Callable[[Sequence], array]) -> None:
        self._name, self._derive = column, derive
        self._column: Sequence | None = None
        self._numbers = array("i")
        self._lock = threading.Lock()

    def of(self, searcher: Searcher, facet_columns: FacetColumns) -> Sequence[int]:
        column = cast(Sequence, facet_columns.values(searcher, self._name))  # (not a tag column)
        with self._lock:
            if column is not self._column:
                self._numbers, self._column = self._derive(column), column
            return self._numbers


def _days(searcher: Searcher, facet_columns: FacetColumns) -> Sequence[int]:
    """Each document's day number (0: undated)."""
    return cast(Sequence[int], facet_columns.values(searcher, "date"))


def _numbered(names: Sequence) -> array:
    index: dict[str, int] = {}
    return array("i", (index.setdefault(name, len(index)) for name in (names[d] for d in range(len(names)))))


def _month_numbers(days: Sequence) -> array:
    """year * 12 + month - 1 of each day number; -1 when undated."""
    return array("i", (_month_of(day) if day else -1 for day in days))


@lru_cache(maxsize=1 << 16)
def _month_of(day: int) -> int:
    d = day_from_number(day)
    return d.year * 12 + d.month - 1


def cluster_numbers() -> DerivedColumn:
    return DerivedColumn("cluster", _numbered)


def month_numbers() -> DerivedColumn:
    return DerivedColumn("date", _month_numbers)


def summarize(searcher: Searcher, docset: set[int], facet_columns: FacetColumns,
              clusters: Sequence[int], months: Sequence[int], fields: Iterable[str],
              top: int, labels: Mapping[str, Callable[[tuple], tuple]]) -> MatchSummary:
    """Total, stories, first and last day, the `top` values of `fields` (relabelled by `labels`,
    as `FacetColumns.count` does) and the matches per month: one C-level pass over each cached
    column."""
    days = _days(searcher, facet_columns)
    dated = list(filter(None, map(days.__getitem__, docset)))
    per_month = Counter(map(months.__getitem__, docset))
    per_month.pop(-1, None)  # undated
    docs = DocSet(docset)
    return MatchSummary(
        total=len(docset), stories=count_stories(clusters, docset),
        first=day_from_number(min(dated)) if dated else None,
        last=day_from_number(max(dated)) if dated else None,
        facets={name: facet_columns.count(searcher, name, docs, top, labels.get(name))
                for name in fields},
        months=[FacetValue(period, n) for period, n in
                month_counts({(m // 12, m % 12 + 1): n for m, n in per_month.items()})])


def story_values(searcher: Searcher, facet_columns: FacetColumns, clusters: Sequence[int],
                 fieldname: str, docnums: Iterable[int],
                 labels: Callable[[tuple], tuple] | None = None) -> Counter:
    """For each value of a facet field, the stories among `docnums` with an article that has it
    (with `labels`, of the values as `labels` gives them: `FacetColumns.count`)."""
    pairs: set[tuple[object, int]] = set()
    if fieldname in DATE_FACETS:
        days = _days(searcher, facet_columns)
        fmt = DATE_FACETS[fieldname]
        for day, cluster in {(days[d], clusters[d]) for d in docnums}:
            if day:
                pairs.add((day_from_number(day).strftime(fmt), cluster))
    else:
        column = facet_columns.values(searcher, fieldname)
        assert isinstance(column, TagValues)
        if labels is not None:
            column = facet_columns.labelled(column, labels)
        codes = column.codes
        for code, cluster in {(codes[d], clusters[d]) for d in docnums}:
            pairs.update((value, cluster) for value in column.distinct[code])
    return Counter(value for value, _ in pairs)


def story_facet(searcher: Searcher, facet_columns: FacetColumns, clusters: Sequence[int],
                fieldname: str, docs: DocSet, top: int,
                labels: Callable[[tuple], tuple] | None = None) -> list[FacetValue]:
    """`FacetColumns.count`, counting stories instead of articles."""
    return rank_facet(fieldname, story_values(searcher, facet_columns, clusters, fieldname,
                                              docs.docs, labels), top)


def story_days(searcher: Searcher, facet_columns: FacetColumns, clusters: Sequence[int],
               docnums: Iterable[int]) -> Counter:
    """Stories per day number, each story on the day of its earliest article among `docnums`
    (day 0: stories with no dated article)."""
    days = _days(searcher, facet_columns)
    earliest: dict[int, int] = {}
    for d in docnums:
        day, cluster = days[d] or 1 << 31, clusters[d]  # undated after every date
        if day < earliest.get(cluster, 1 << 32):
            earliest[cluster] = day
    return Counter(day if day != 1 << 31 else 0 for day in earliest.values())


def count_stories(clusters: Sequence[int], docnums: Iterable[int]) -> int:
    """The stories (distinct clusters) of `docnums`."""
    return len(set(map(clusters.__getitem__, docnums)))


def value_counts(searcher: Searcher, docnums: Collection[int], facet_columns: FacetColumns,
                 clusters: Sequence[int] | None, fields: Iterable[str], top: int, complete: bool,
                 labels: Mapping[str, Callable[[tuple], tuple]]) -> ValueCounts:
    """`Engine.value_counts` of `docnums`: articles, or with `clusters` stories."""
    if clusters is not None:
        counts = {name: _dated(story_days(searcher, facet_columns, clusters, docnums)) if name == DAY
                  else story_values(searcher, facet_columns, clusters, name, docnums, labels.get(name))
                  for name in fields}
        return ValueCounts(count_stories(clusters, docnums), counts)
    docs = DocSet(docnums)
    counted = {}
    for name in fields:
        if name == DAY:
            days = _days(searcher, facet_columns)
            counted[name] = _dated(Counter(map(days.__getitem__, docnums)))
        elif complete and name not in DATE_FACETS:
            values = facet_columns.values(searcher, name)
            assert isinstance(values, TagValues)
            if name in labels:
                values = facet_columns.labelled(values, labels[name])
            counted[name] = values.value_counts(docnums)
        else:  # the values that can rank among the `top` (numpy counts: `TagValues.top_counts`)
            counted[name] = Counter({v.value: v.count for v in
                                     facet_columns.count(searcher, name, docs, top, labels.get(name))})
    return ValueCounts(len(docnums), counted)


def _dated(days: Counter) -> Counter:
    """Counts per day number as counts per date (None: undated)."""
    return Counter({day_from_number(day) if day else None: n for day, n in days.items()})
