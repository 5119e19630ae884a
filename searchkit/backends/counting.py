"""Engine-neutral results from value counts: ranked facet values, timeline buckets and related
(over-represented) values, the same for every backend."""
from __future__ import annotations

import heapq
import math
from collections import Counter
from datetime import date, timedelta

from ..model import FacetValue, RelatedEntity, TimelineBucket
from ..schema import day_from_number

# Facets of the publication date: each value is the day formatted so.
DATE_FACETS = {"year": "%Y", "month": "%Y-%m"}


def rank_facet(fieldname: str, counts: Counter, top: int) -> list[FacetValue]:
    """The `top` values by count (ties alphabetical); year and month facets then in time order."""
    items = counts.items()
    if top and len(counts) > top:
        # Only values that can make the top need the (slow, keyed) sort.
        threshold = heapq.nlargest(top, counts.values())[-1]
        items = [kv for kv in items if kv[1] >= threshold]
    # Ties: alphabetical regardless of case, then by exact spelling (so the order never depends
    # on the order values were counted in).
    ranked = sorted(items, key=lambda kv: (-kv[1], kv[0].casefold(), kv[0]))[:top or None]
    if fieldname in DATE_FACETS:
        ranked.sort()  # periods read best in time order
    return [FacetValue(v, n) for v, n in ranked]


def period_of(day: date, by: str) -> str:
    """`1987`, `1987-03`, `1987-W10` (ISO week and its ISO year) or `1987-03-02`."""
    if by == "year":
        return f"{day.year:04d}"
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if by == "week":
        iso = day.isocalendar()
        return f"{iso[0]:04d}-W{iso[1]:02d}"
    return day.isoformat()


def timeline_buckets(matched: Counter, everything: Counter, by: str) -> list[TimelineBucket]:
    """Buckets from counts of matching and of all articles per day number (undated ones left
    out): every period from the first match to the last."""
    if not matched:
        return []
    first, last = day_from_number(min(matched)), day_from_number(max(matched))
    counts: Counter = Counter()
    for day, n in matched.items():
        counts[period_of(day_from_number(day), by)] += n
    totals: Counter = Counter()
    for day, n in everything.items():
        if day:
            totals[period_of(day_from_number(day), by)] += n
    periods: list[str] = []
    day = first
    while day <= last:
        label = period_of(day, by)
        if not periods or periods[-1] != label:
            periods.append(label)
        day += timedelta(days=1)
    return [TimelineBucket(p, counts[p], totals[p]) for p in periods]


def g2(k: int, n: int, background: int, documents: int) -> float:
    """Dunning's log-likelihood ratio G² for a value in `k` of `n` matches and `background` of all
    `documents` articles (the 2x2 table: matches / the rest of the archive, with / without it)."""
    table = ((k, n - k), (background - k, documents - n - background + k))
    rows = [sum(r) for r in table]
    cols = [table[0][0] + table[1][0], table[0][1] + table[1][1]]
    score = 0.0
    for i in range(2):
        for j in range(2):
            observed = table[i][j]
            if observed > 0:
                expected = rows[i] * cols[j] / documents
                score += observed * math.log(observed / expected)
    return 2 * score


def related_entities(counts: Counter, background: Counter, n: int, documents: int, top: int,
                     min_count: int = 2) -> list[RelatedEntity]:
    """Ranked over-represented values from their counts among `n` matches and among all
    `documents` articles."""
    out = []
    for value, k in counts.items():
        b = background[value]
        if k < min_count or k * documents <= b * n:  # only values more frequent among matches
            continue
        out.append(RelatedEntity(value, k, b, round(g2(k, n, b, documents), 3)))
    out.sort(key=lambda e: (-e.score, -e.count, e.value.casefold()))
    return out[:top or None]
