"""`Archive`'s read-only analysis of the matches: timeline, related values, stats, summaries, batches
of queries and entity lists.

Timeline, related values and stats are written once, for every backend, over the engine's value
counts (`Engine.value_counts`): a new analysis of counts needs no change to a backend."""
from __future__ import annotations

import math
import os
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING, Iterable

from ..errors import QueryError
from ..backends import DAY
from ..backends.counting import rank_facet
from ..model import (ENTITY_FIELDS, FACET_FIELDS, PERIODS, TAG_FIELDS, MatchSummary, Related, RelatedEntity,
                     Stats, Timeline, TimelineBucket)
from ..enrich.canonical import CANONICAL_FIELDS, Entity
from .core import ArchiveCore

if TYPE_CHECKING:
    from .batch import BatchResult


class Analysis(ArchiveCore):
    """Timeline, related, stats, summary, batch and entities (see `Archive`)."""

    def timeline(self, query: str, *, by: str = "month", date_from: str | date | None = None,
                 date_to: str | date | None = None,
                 filters: dict[str, list[str] | str] | None = None, count: str = "articles") -> Timeline:
        """Matching articles per `year`, `month`, `week` (ISO) or `day`, each period with the number
        of all articles published in it (for the share). Periods run from the first match to the
        last, empty ones included; undated matches are counted in `undated` only.
        `count="stories"` counts wire-copy clusters instead, each in the period of its earliest
        matching article (and each period's total: the stories first published in it)."""
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r} (periods: {', '.join(PERIODS)})")
        options = self._options(query, date_from, date_to, filters)
        options.count = self._count(count)
        counted = self._engine.value_counts(options, [DAY], background=True)
        matched = counted.counts[DAY]
        undated = matched.pop(None, 0)
        return Timeline(query=options.query, by=by, buckets=timeline_buckets(matched, counted.background[DAY], by),
                        undated=undated, count=options.count)

    def related(self, query: str, *, field: str = "places", top: int = 10,
                date_from: str | date | None = None, date_to: str | date | None = None,
                filters: dict[str, list[str] | str] | None = None, count: str = "articles") -> Related:
        """Values of a tag field over-represented among the matches compared with the whole
        archive, ranked by Dunning's log-likelihood G² (values in fewer than 2 matches, or no more
        frequent among matches than overall, are left out). `count="stories"` counts wire-copy
        clusters instead of articles, among the matches and in the archive. People, orgs and
        places are ranked as entities (`value` the id, `label` the name), as facets count them."""
        if field not in TAG_FIELDS:
            raise QueryError(f"unknown field {field!r} (fields: {', '.join(TAG_FIELDS)})")
        if top < 0:
            raise QueryError("top must be >= 0")
        options = self._options(query, date_from, date_to, filters)
        options.count = self._count(count)
        self._count_as_entities(options, [field])
        counted = self._engine.value_counts(options, [field], top=top, complete=True, background=True)
        related = Related(query=options.query, field=field, total=counted.matches, documents=counted.documents,
                          entities=related_entities(counted.counts[field], counted.background[field],
                                                    counted.matches, counted.documents, top),
                          count=options.count)
        if field in options.facet_labels:
            table = self.entity_table().fields[field]
            for entity in related.entities:
                entity.label = table.label(entity.value)
        return related

    def stats(self, top: int = 10) -> Stats:
        """Document count, date range, index size and the top values of each facet field (people,
        orgs and places as entities, as `search` counts them)."""
        counted = self._engine.value_counts(None, (*FACET_FIELDS, DAY), top=top)
        dated = [day for day in counted.counts[DAY] if day is not None]
        stats = Stats(documents=counted.matches, date_range=(min(dated), max(dated)) if dated else None,
                      size_bytes=self._engine.size_bytes(),
                      facets={name: rank_facet(name, counted.counts[name], top) for name in FACET_FIELDS})
        if stats.documents:
            stats.facets.update(self.search("*", facets=CANONICAL_FIELDS, facet_top=top, limit=0,
                                            snippets=False).facets)
        return stats

    def summary(self, query: str, *, date_from: str | date | None = None,
                date_to: str | date | None = None, filters: dict[str, list[str] | str] | None = None,
                fields: Iterable[str] = ENTITY_FIELDS, top: int = 5) -> MatchSummary:
        """What the matches add up to: total, stories (wire-copy clusters; None on a cluster),
        first and last publication day, the `top` values of each of `fields`, matches per month."""
        fields = tuple(fields)
        for name in fields:
            if name not in FACET_FIELDS:
                raise QueryError(f"unknown field {name!r} (fields: {', '.join(FACET_FIELDS)})")
        if top < 0:
            raise QueryError("top must be >= 0")
        options = self._options(query, date_from, date_to, filters)
        self._count_as_entities(options, fields)
        summary = self._engine.summary(options, fields, top)
        self._label_entities(options, summary.facets, top)
        return summary

    def batch(self, queries: str | os.PathLike | Iterable[str], *, date_from: str | date | None = None,
              date_to: str | date | None = None, filters: dict[str, list[str]] | None = None,
              top: int = 5, export: str | os.PathLike | None = None) -> BatchResult:
        """Summarise many queries (`summary` of each): `queries` is a batch file (a path: one
        query a line, or a CSV with a `query` column and per-row filters; see `searchkit.facade.batch`) or
        a list of query strings. A row that cannot be run has an `error`; the others go on. With
        `export`, each row's matches are written to FOLDER/<row name>.jsonl. BatchFileError (an
        ArchiveError) for a file that is binary, empty or too long."""
        from . import batch  # noqa: PLC0415
        return batch.run(self, batch.rows_of(queries), date_from=date_from, date_to=date_to,
                         filters=filters, top=top, export=export)

    def entities(self, field: str = "people", *, query: str = "*", prefix: str = "",
                 date_from: str | date | None = None, date_to: str | date | None = None,
                 filters: dict[str, list[str] | str] | None = None) -> list[Entity]:
        """Every entity of `field` (people, orgs, places) in the articles matching `query`, most
        articles first, with its id, label, count and the spellings the index holds
        (`aliases`); with `prefix`, those whose label or a spelling starts with it (any case)."""
        if field not in CANONICAL_FIELDS:
            raise QueryError(f"unknown entity field {field!r} (fields: {', '.join(CANONICAL_FIELDS)})")
        counted = self.search(query, facets=[field], facet_top=0, limit=0, snippets=False,
                              date_from=date_from, date_to=date_to, filters=filters)
        table = self.entity_table().fields[field]
        start = prefix.casefold()
        found = []
        for value in counted.facets[field]:
            entity = (table.entity(value.value, value.count) if value.value in table.ids else
                      Entity(field, value.value, value.value, value.count, [value.value]))
            if not start or any(name.casefold().startswith(start)
                                for name in (entity.label, entity.id, *entity.aliases)):
                found.append(entity)
        return found


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
    """Buckets from counts of matching and of all articles per date (undated ones left out of
    `matched`, None in `everything`): every period from the first match to the last."""
    if not matched:
        return []
    first, last = min(matched), max(matched)
    counts: Counter = Counter()
    for day, n in matched.items():
        counts[period_of(day, by)] += n
    totals: Counter = Counter()
    for day, n in everything.items():
        if day is not None:
            totals[period_of(day, by)] += n
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
