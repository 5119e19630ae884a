"""Ranked facet values from value counts, the same for every backend (timelines and related values
are made from counts in `searchkit.facade.analysis`)."""
from __future__ import annotations

import heapq
from collections import Counter
from typing import Any, Iterable

from ..model import FacetValue

# Facets of the publication date: each value is the day formatted so.
DATE_FACETS = {"year": "%Y", "month": "%Y-%m"}


def rank_facet(fieldname: str, counts: Counter, top: int) -> list[FacetValue]:
    """The `top` values by count (ties alphabetical); year and month facets then in time order."""
    items: Iterable[tuple[Any, int]] = counts.items()
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
