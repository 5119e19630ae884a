"""Which adjacent segments to merge after an indexing run (Lucene's TieredMergePolicy)."""
from __future__ import annotations

import math
from typing import Sequence

# The merge policy: Lucene's TieredMergePolicy, for runs of adjacent segments (documents keep their
# order, so relevance ties keep coming out in reading order). A segment of at least half of
# MERGE_MAX_DOCS is full: never merged again (a merge rewrites every article it holds, while a query
# gains little from fewer segments once they are this large: benchmarks/RESULTS.md, "Segments"). The others may number
# SEGMENTS_PER_TIER per tier: tiers of MERGE_FLOOR articles (or the smallest segment's size, if
# larger), then MERGE_AT_ONCE times that, and so on; while there are more, the most balanced runs
# of 2 to MERGE_AT_ONCE adjacent segments are merged. So the count of segments stays about
# log10(articles / MERGE_FLOOR) after any sequence of runs, whatever sizes they come in, and an
# article is merged about as many times.
MERGE_AT_ONCE = 10
SEGMENTS_PER_TIER = 1
MERGE_FLOOR = 2_000
MERGE_MAX_DOCS = 250_000


def allowed_segments(total: int, smallest: int) -> int:
    """How many segments (not full) `total` articles may be in (Lucene's allowedSegCount)."""
    tier, allowed = max(MERGE_FLOOR, smallest), 0
    while total > tier * SEGMENTS_PER_TIER:
        allowed += SEGMENTS_PER_TIER
        total -= tier * SEGMENTS_PER_TIER
        tier *= MERGE_AT_ONCE
    return allowed + math.ceil(total / tier)


def plan_merges(sizes: Sequence[int], at_once: int = MERGE_AT_ONCE,
                max_docs: int = MERGE_MAX_DOCS) -> list[tuple[int, int]]:
    """The runs [start, end) of adjacent segments to merge now (at once, in parallel), given the
    segments' live document counts in index order; none when the segments not full are no more
    than `allowed_segments`. A run's score is Lucene's: its skew (largest segment / total, sizes
    under MERGE_FLOOR counted as MERGE_FLOOR) times total ** 0.05, the lowest first. A run is
    taken only if it is no larger than those taken before it in this round: a large merge waits
    for the small ones to be done, as they may be enough (the caller plans again after each)."""
    full = [size >= max_docs // 2 for size in sizes]
    open_sizes = [size for size, is_full in zip(sizes, full) if not is_full]
    excess = len(open_sizes) - allowed_segments(sum(open_sizes), min(open_sizes, default=0))
    if excess <= 0:
        return []
    candidates = []
    for start in range(len(sizes)):
        total = 0
        for end in range(start + 1, min(len(sizes), start + at_once) + 1):
            if full[end - 1] or total + sizes[end - 1] > max_docs:
                break
            total += sizes[end - 1]
            if end - start >= 2:
                floored = [max(size, MERGE_FLOOR) for size in sizes[start:end]]
                candidates.append((max(floored) / sum(floored) * total ** 0.05, start, end, total))
    runs: list[tuple[int, int]] = []
    largest = None
    for _score, start, end, total in sorted(candidates):
        if excess <= 0:
            break
        if (largest is not None and total > largest) or any(start < e and s < end for s, e in runs):
            continue
        runs.append((start, end))
        largest = total if largest is None else largest
        excess -= end - start - 1
    return sorted(runs)
