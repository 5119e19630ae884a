"""Date order to the second: `--sort newest|oldest` and `export` order by the day, then by the time
of day, then by id.

The day is the `date` column (a day number, also searched by date ranges); the time of day is a
column of its own (`date_time`: seconds since midnight, not indexed, so it adds no terms). An index
made before that column existed has no `date_time` field: it is sorted by day and id, as before,
until it is rebuilt (`searchkit index --rebuild`); nothing else changes for it.
"""
from __future__ import annotations

from typing import Callable, Sequence

from whoosh.searching import Searcher

from ..documents import LAST_SECOND, TIME_COLUMN

# The sort key's day of an undated article when oldest first (after every day number).
NO_DATE_LAST = 2 ** 32


class _Midnight:
    """The times of an index without the time column: every article at midnight (day order)."""

    def __getitem__(self, docnum: int) -> int:
        return 0


def times(searcher: Searcher, facet_columns) -> Sequence[int]:
    """Seconds since midnight per global document number (0 when undated, or when the index
    predates the time column)."""
    if TIME_COLUMN not in searcher.schema:
        return _Midnight()  # type: ignore[return-value]
    return facet_columns.values(searcher, TIME_COLUMN)


def day_bound(days: Sequence[int], sort: str) -> Callable[[int], int]:
    """The first part of the date order's key: the day (negated for newest first); undated
    articles last either way."""
    if sort == "newest":
        return lambda d: -days[d]
    return lambda d: days[d] or NO_DATE_LAST


def date_order_key(days: Sequence[int], seconds: Sequence[int], ids: Sequence[str],
                   sort: str) -> Callable[[int], tuple]:
    """The full key of a document number in `sort` ("newest" or "oldest") order: day, time of
    day (latest first when newest first), id."""
    day = day_bound(days, sort)
    if sort == "newest":
        return lambda d: (day(d), LAST_SECOND - seconds[d], ids[d])
    return lambda d: (day(d), seconds[d], ids[d])
