"""Date parsing for sources and queries (python-dateutil), with the span a date names.

A date names a span: `1987` the whole year, `March 1987` the whole month, `1 Mar 1987` one day.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timezone
from typing import Mapping

from ..errors import QueryError

# A full ISO 8601 date, optionally with a time and a zone: what JSON sources mostly give. These are
# read by `datetime.fromisoformat` (~1 µs) with the same result as dateutil (~80 µs, twice).
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
                  r"(?:Z|[+-]\d{2}:\d{2})?")


def _parse(text: str, default: datetime) -> datetime:
    # Imported on first use: importing dateutil would slow every `searchkit search` start.
    from dateutil import parser
    return parser.parse(text, default=default)

# Two different defaults reveal which parts of a date the text actually gave.
_DEFAULT_A = datetime(2000, 1, 1)
_DEFAULT_B = datetime(2001, 2, 2)


def parse_datetime(text: str) -> datetime:
    """Parse a date or timestamp from a source; aware times are converted to naive UTC.

    Raises ValueError (with a readable reason) when the text is not a complete, real date.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty date")
    a = _iso_datetime(text)
    if a is None:
        try:
            a = _parse(text, default=_DEFAULT_A)
            b = _parse(text, default=_DEFAULT_B)
        except (ValueError, OverflowError, TypeError) as exc:
            raise ValueError(f"unparseable date {text!r} ({exc})") from None
        if a.year != b.year:
            raise ValueError(f"date {text!r} has no year")
    if a.tzinfo is not None:
        try:
            a = a.astimezone(timezone.utc).replace(tzinfo=None)
        except (ValueError, OverflowError):
            raise ValueError(f"date {text!r} is out of range once converted to UTC") from None
    return a


def _iso_datetime(text: str) -> datetime | None:
    """A full ISO 8601 date (and time) read directly; None for any other text, or an impossible
    date (dateutil then gives the reason)."""
    if not _ISO.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None


def parse_span(text: str) -> tuple[date, date]:
    """Parse a user's date into the inclusive span of days it names.

    Raises QueryError with a one-line reason for text that is not a date.
    """
    cleaned = text.strip()
    try:
        a = _parse(cleaned, default=_DEFAULT_A)
        b = _parse(cleaned, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        raise QueryError(f"not a date: {text!r} (try 1987, 1987-03, March 1987 or 1987-03-01)") from None
    if a.year != b.year:
        raise QueryError(f"date {text!r} needs a year (for example 'March 1987')")
    if a.month != b.month:  # only a year was given
        return date(a.year, 1, 1), date(a.year, 12, 31)
    if a.day != b.day:  # a month of a year
        last = calendar.monthrange(a.year, a.month)[1]
        return date(a.year, a.month, 1), date(a.year, a.month, last)
    return a.date(), a.date()


def date_for_undated(value: str | date | None) -> datetime | None:
    """The date `index --date` (`Archive.add(default_date=...)`) gives articles without one: a
    date as is, text as the first day it names (`2005`: 2005-01-01). QueryError names the option."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        first = parse_span(value)[0]
    except QueryError as exc:
        raise QueryError(f"--date (the date for undated articles): {exc}") from None
    return datetime(first.year, first.month, first.day)


def span_between(start: str | date | None, end: str | date | None) -> tuple[date | None, date | None]:
    """`--from START --to END`: from the first day of START to the last day of END.

    Each end is a date, text naming a period, or None (open)."""
    lo = start if isinstance(start, date) else (parse_span(start)[0] if start else None)
    hi = end if isinstance(end, date) else (parse_span(end)[1] if end else None)
    if lo and hi and lo > hi:
        raise QueryError(f"the date range is empty: {start} is after {end}")
    return lo, hi


def month_counts(per_month: Mapping[tuple[int, int], int]) -> list[tuple[str, int]]:
    """("1987-03", count) for every month from the first (year, month) in `per_month` to the
    last, empty months included (a per-month series to draw)."""
    if not per_month:
        return []
    (year, month), last = min(per_month), max(per_month)
    out = []
    while (year, month) <= last:
        out.append((f"{year:04d}-{month:02d}", per_month.get((year, month), 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
