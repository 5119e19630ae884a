"""`Archive`'s read-only analysis of the matches: timeline, related values, stats, summaries, batches
of queries and entity lists."""
from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING, Iterable

from ..errors import QueryError
from ..model import (ENTITY_FIELDS, FACET_FIELDS, PERIODS, TAG_FIELDS, MatchSummary, Related, Stats,
                     Timeline)
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
        return self._engine.timeline(options, by)

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
        related = self._engine.related(options, field, top)
        if field in options.facet_labels:
            table = self.entity_table().fields[field]
            for entity in related.entities:
                entity.label = table.label(entity.value)
        return related

    def stats(self, top: int = 10) -> Stats:
        """Document count, date range, index size and the top values of each facet field (people,
        orgs and places as entities, as `search` counts them)."""
        stats = self._engine.stats(top)
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
