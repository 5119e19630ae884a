"""The search page's timeline as SVG geometry: one bar per period and the labels of its time axis.

Horizontal positions are percentages of the SVG's width and vertical ones pixels (the SVG has no
viewBox), so the chart fills any width while its text keeps its size: a stretched viewBox would
stretch the labels too, and the Content-Security-Policy allows no inline style to place HTML labels."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.datastructures import QueryParams

from ..model import Timeline
from . import params

# Pixels: the bars' area, and below it the axis with its labels.
BARS_HEIGHT, HEIGHT = 120, 142
# Labels on a wide window; a narrow one shows every other label (`major`, see style.css).
MAX_LABELS = 12
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


@dataclass
class Bar:
    period: str
    count: int
    total: int
    value: float  # the count, or the coverage share
    x: float  # percent of the width
    width: float  # percent of the width
    height: float  # pixels
    url: str  # the same search, dated to this period


@dataclass
class Tick:
    x: float  # percent of the width: where its period's bar starts
    label: str
    major: bool  # shown on a narrow window too
    end: bool  # near the right edge: the label ends at its tick instead of starting there


def bars(query: QueryParams, timeline: Timeline, share: bool) -> list[Bar]:
    buckets = timeline.buckets
    if not buckets:
        return []
    values = [b.share if share else float(b.count) for b in buckets]
    peak = max(values) or 1.0
    width = 100 / len(buckets)
    return [Bar(b.period, b.count, b.total, v, i * width, width, v / peak * (BARS_HEIGHT - 4),
                params.url_with(query, update={"from": b.period, "to": b.period}))
            for i, (b, v) in enumerate(zip(buckets, values, strict=True))]


def _parts(period: str) -> tuple[int, int | None, int | None]:
    """1987 -> (1987, None, None); 1987-03 -> (1987, 3, None); 1987-03-02 -> (1987, 3, 2)."""
    if len(period) == 10:
        day = date.fromisoformat(period)
        return day.year, day.month, day.day
    if len(period) == 7:
        return int(period[:4]), int(period[5:]), None
    return int(period[:4]), None, None


def _label(year: int, month: int | None, day: int | None, with_year: bool) -> str:
    """1987, Mar, 8 Mar (with_year: Mar 1987, 8 Mar 1987); January 1st or a year alone is the year."""
    if month is None or (month == 1 and day in (None, 1)):
        return str(year)
    text = MONTHS[month - 1] if day is None else f"{day} {MONTHS[month - 1]}"
    return f"{text} {year}" if with_year else text


def _levels(periods: list[tuple[int, int | None, int | None]]) -> list[list[int]]:
    """Candidate sets of labelled bars (their indexes), finest first: every day, weekly days,
    every month, quarters, half-years, then every year or a round number of years."""
    indexes = range(len(periods))
    levels: list[list[int]] = []
    if periods[0][2] is not None:
        levels.append(list(indexes))
        levels.append([i for i in indexes if periods[i][2] in (1, 8, 15, 22)])
    if periods[0][1] is not None:
        for step in (1, 3, 6):
            levels.append([i for i in indexes if periods[i][2] in (None, 1)
                           and ((periods[i][1] or 1) - 1) % step == 0])
    for step in YEAR_STEPS:
        levels.append([i for i in indexes if periods[i][1] in (None, 1) and periods[i][2] in (None, 1)
                       and periods[i][0] % step == 0])
    return levels


def ticks(timeline_bars: list[Bar]) -> list[Tick]:
    """Readable axis labels: the finest level of `_levels` with at most `MAX_LABELS` labels (the
    first bar alone when none fits). The first label says its year (`Mar 1987`), the later ones
    only at a new year (`1988`), as on a printed chart."""
    if not timeline_bars:
        return []
    periods = [_parts(bar.period) for bar in timeline_bars]
    marks = next((level for level in _levels(periods) if 0 < len(level) <= MAX_LABELS), [0])
    width = 100 / len(periods)
    return [Tick(i * width, _label(*periods[i], with_year=k == 0),
                 major=len(marks) <= MAX_LABELS // 2 or k % 2 == 0, end=i * width > 88)
            for k, i in enumerate(marks)]
