"""`ArchiveCore`: an archive opened on its engine, searched and read. `Archive`
(`searchkit.facade.archive`) adds indexing and maintenance, analysis and the user's data, one module
each, over this."""
from __future__ import annotations

import difflib
import os
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from ..backends import Capabilities, Engine, is_address, open_engine
from ..enrich.dates import span_between
from ..errors import ArchiveError, QueryError
from ..model import (COUNTS, FACET_FIELDS, SORTS, USER_FACETS, Article, FacetValue, FirstReport, Hit,
                     MissingValue, Problem, SearchOptions, SearchResult)
from . import workflow
from .userdata import NoUserData, UserData
from ..model import DEFAULT_RANKING, FEW_MATCHES, RANKING_NAMES, AnyWords
from ..enrich.canonical import CANONICAL_FIELDS, EntityTable, count_borrowed
from ..enrich.wirecopies import NoWireCopies, WireCopies

if TYPE_CHECKING:
    from ..enrich.curation import CuratedEntities

DEFAULT_INDEX = "index"
# Articles written between commits: an interrupted run keeps every finished batch. With worker
# processes a full batch is one segment per process, and each segment costs every later query a
# little (measured in benchmarks/RESULTS.md), so batches are large; a process's postings for half a
# batch stay well under 300 MB.
BATCH_SIZE = 20_000


def default_index_path() -> Path | str:
    """`$SEARCHKIT_INDEX`, else `./index`."""
    return _location(os.environ.get("SEARCHKIT_INDEX") or DEFAULT_INDEX)


def _location(path: str | os.PathLike) -> Path | str:
    """A backend's address (`xapian://...`) stays a string; anything else is an index folder."""
    return path if isinstance(path, str) and is_address(path) else Path(path)


def parse_filters(items: Iterable[str], option: str = "--filter") -> dict[str, list[str]]:
    """`FIELD=VALUE` items (the CLI's `--filter`, the web's `filter=`) as `filters` for `Archive`'s
    methods: one field's values in a list, in order. QueryError names `option` for a malformed one."""
    parsed: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise QueryError(f"{option} needs FIELD=VALUE, got {item[:80]!r}")
        parsed.setdefault(name.strip(), []).append(value.strip())
    return parsed


def _earliest_first(article: Article) -> tuple:
    """Sort key: earliest published first, undated last, then by id."""
    return (article.published is None, article.published or datetime.min, article.id)


def default_procs() -> int:
    """Indexing processes by default: 2, or 1 on a one-core machine."""
    return min(2, os.cpu_count() or 1)


def index_exists(folder: Path) -> bool:
    from ..backends.whoosh.engine import MARKER  # noqa: PLC0415
    return (folder / MARKER).exists()


class _NoIndex:
    """The engine of an Archive whose folder held no index when it was opened: `add` creates one;
    reading opens the index another process has created since, else raises ArchiveError (nothing
    is created by reading)."""

    def __init__(self, path: Path):
        self.path = path
        self._opened: Engine | None = None

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()

    def stop_workers(self) -> None:
        pass

    @property
    def capabilities(self) -> Capabilities:
        # A folder's first `add` creates a Whoosh index.
        from ..backends.whoosh.engine import WhooshEngine  # noqa: PLC0415
        return WhooshEngine.capabilities

    def __getattr__(self, name: str) -> Any:
        if self._opened is None:
            if not index_exists(self.path):
                raise ArchiveError(f"no index at {self.path}: create one with `searchkit index PATH` "
                                   f"(or Archive.add)")
            self._opened = open_engine(self.path, False, 0)
        return getattr(self._opened, name)


class ArchiveCore:
    """The state of an `Archive` and its searching and reading methods (see `Archive`)."""

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True,
                 lock_timeout: float = 30.0, batch_size: int = BATCH_SIZE, procs: int | None = None):
        self.path = _location(path) if path is not None else default_index_path()
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        # Indexing processes, each writing its own segments (see `segments`); 0 = Whoosh's own
        # writer in this process. (A cluster's shards are fed by one thread each instead.)
        self.procs = default_procs() if procs is None else procs
        # A folder without an index is only created by the first `add`: searching a mistyped path
        # says there is no index there instead of creating an empty one.
        self._engine = (_NoIndex(self.path) if create and isinstance(self.path, Path)
                        and not index_exists(self.path) else open_engine(self.path, create, lock_timeout))
        # Wire copies are kept in a local folder beside the index, by backends that can.
        self._wire = (WireCopies(Path(self.path)) if self._engine.capabilities.wire_copies
                      else NoWireCopies())
        # The user's entity curation (`searchkit.enrich.curation`): in the index folder by default.
        self.curation_file: Path | None = (Path(self.path) / "entities.txt"
                                           if isinstance(self.path, Path) else None)
        self._entities: CuratedEntities | None = None
        # Tags, notes, saved searches and first-indexed times: beside an index folder, kept by
        # `rebuild` (see `userdata`).
        self._userdata: UserData | NoUserData = (UserData(self.path) if isinstance(self.path, Path)
                                                 else NoUserData())

    def close(self) -> None:
        self._engine.close()
        self._wire.close()
        self._userdata.close()

    # ------------------------------------------------------------ searching

    def search(self, query: str, *, date_from: str | date | None = None,
               date_to: str | date | None = None, filters: dict[str, list[str] | str] | None = None,
               facets: Iterable[str] = (), sort: str = "relevance", limit: int = 10, page: int = 1,
               facet_top: int = 10, snippets: bool = True, collapse: bool = False,
               count: str = "articles", explain: bool = False,
               ids: Iterable[str] | None = None, ranking: str = DEFAULT_RANKING) -> SearchResult:
        """Search the archive. Raises QueryError for a query, date, filter or option it cannot use.

        `date_from`/`date_to` accept dates or text (`1987`, `March 1987`, `1987-03-01`): a year
        means the whole year, a month the whole month. `filters` maps a facet field to values
        (values of one field OR-ed, fields AND-ed). Facets are counted over all matches; a faceted
        field that is also filtered is counted under the other filters only (multi-select facets).
        `collapse=True` lists one article per wire-copy cluster: `total` then counts clusters and
        each hit has `cluster`, `copies` (matching articles in its cluster) and `first_report`
        (the cluster's earliest article, matching or not). `count="stories"` counts facet values in
        stories (wire-copy clusters) instead of articles. When fewer than 5 articles match,
        `suggestion` may hold a corrected query that finds more, and a query of plain words
        (all required) gets `any_words`: the same words joined by OR and its total, when that
        finds more (`querylang.anywords`; the matches shown stay those of `query`). `explain=True`
        gives each hit of a relevance search `explain`: its score's parts (`ScorePart`: field, word,
        BM25F score), highest first.
        `ranking`: how relevance orders the matches (`querylang.ranking`): "plain" (BM25F, the
        default) or "feedback" (the first 100 re-scored by the words of the first 5); never which match.
        `ids`: only these articles. The user's tags are searched as `tag:lead`, filtered as
        `filters={"tags": [...]}` and counted as the facet `tags`; hits carry their `tags` and `notes`.
        """
        facets = tuple(facets)
        for name in facets:
            if name not in FACET_FIELDS and name not in USER_FACETS:
                raise QueryError(f"unknown facet {name!r} (facets: {', '.join((*FACET_FIELDS, *USER_FACETS))})")
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r} (sorts: {', '.join(SORTS)})")
        if ranking not in RANKING_NAMES:
            raise QueryError(f"unknown ranking {ranking!r} (rankings: {', '.join(RANKING_NAMES)})")
        options = self._options(query, date_from, date_to, filters, limit=limit, page=page)
        options.ranking = ranking
        options.facets = tuple(f for f in facets if f not in USER_FACETS)
        options.sort, options.facet_top = sort, facet_top
        options.snippets, options.collapse, options.explain = snippets, collapse, explain
        options.only_ids = None if ids is None else frozenset(ids)
        options.count = self._count(count)
        self._count_as_entities(options, facets)
        result = self._engine.search(options)
        self._label_entities(options, result.facets, facet_top)
        if "tags" in facets:
            counted = workflow.tag_facet(self._engine.search, self._userdata, options, facet_top)
            result.facets = {name: counted if name == "tags" else result.facets.get(name, [])
                             for name in facets}
        if collapse:
            for hit in result.hits:
                first = self.first_report(hit.id)
                hit.first_report = FirstReport.of(first) if first is not None else None
        self._annotate(result.hits)
        result.any_words = self._any_words(options, result.total)
        return result

    def _any_words(self, options: SearchOptions, found: int) -> AnyWords | None:
        """The any-word form of a plain all-words query that found few matches, with its total
        (same dates, filters and collapsing), if that finds more: an offer, not applied."""
        if found >= FEW_MATCHES:
            return None
        # Here, not at the top: the query parser loads Whoosh, which importing the faces must not.
        from ..querylang.anywords import any_words_query  # noqa: PLC0415
        text = any_words_query(options.query)
        if text is None:
            return None
        total = self._engine.search(replace(
            options, query=text, limit=0, page=1, facets=(), facet_labels={}, snippets=False,
            explain=False, ranking=DEFAULT_RANKING)).total
        return AnyWords(query=text, total=total) if total > found else None

    def _count_as_entities(self, options: SearchOptions, fields: Iterable[str]) -> None:
        """Have the backend count people, orgs and places among `fields` as canonical entities."""
        if any(name in CANONICAL_FIELDS for name in fields):
            table = self.entity_table()
            options.facet_labels = {name: table.fields[name] for name in fields
                                    if name in CANONICAL_FIELDS}

    def _label_entities(self, options: SearchOptions, facets: dict[str, list[FacetValue]],
                        top: int) -> None:
        """Give each value counted as an entity (`_count_as_entities`) its entity's label; count
        entities retyped from other fields (`canonical.count_borrowed`) by a query each."""
        for name in options.facet_labels:
            table = self.entity_table().fields[name]
            for value in facets.get(name, ()):
                value.label = table.label(value.value)
            if table.borrowed and name in facets:
                def count(spellings: list[str], name: str = name) -> int:
                    return self._engine.search(replace(
                        options, filters={**options.filters, name: spellings}, facets=(), limit=0,
                        facet_labels={}, snippets=False, collapse=options.count == "stories")).total
                facets[name] = count_borrowed(table, facets[name], top, count)

    def _count(self, count: str) -> str:
        """`count` checked: articles, or stories where the backend keeps wire copies."""
        if count not in COUNTS:
            raise QueryError(f"unknown count {count!r} (counts: {', '.join(COUNTS)})")
        if count == "stories" and not self._engine.capabilities.wire_copies:
            raise QueryError("counting stories is not available here: this archive keeps no wire "
                             "copies (a xapian:// cluster)")
        return count

    def _annotate(self, hits: list[Hit]) -> None:
        """Each hit's tags and note, from the user data (one read for the page)."""
        if not hits or not self._userdata.available or not self._userdata.path.exists():
            return
        ids = [h.id for h in hits]
        tags, notes = self._userdata.tags_of(ids), self._userdata.notes_of(ids)
        for hit in hits:
            hit.tags, hit.notes = tags.get(hit.id, []), notes.get(hit.id, "")

    def _options(self, query: str, date_from, date_to, filters, limit: int = 10,
                 page: int = 1) -> SearchOptions:
        if limit < 0 or page < 1:
            raise QueryError("limit must be >= 0 and page >= 1")
        lo, hi = span_between(date_from, date_to)
        listed = {k: [v] if isinstance(v, str) else list(v) for k, v in (filters or {}).items()}
        if any(name in CANONICAL_FIELDS for name in listed):
            listed = self.entity_table().expand_filters(listed)
        options = SearchOptions(query=query, date_from=lo, date_to=hi, filters=listed, limit=limit,
                                page=page, tagged=workflow.tagged_ids(self._userdata, query, listed))
        if ":" in query:
            from ..querylang.query import tag_values  # noqa: PLC0415
            if any(name in CANONICAL_FIELDS for name, _value in tag_values(query)):
                table = self.entity_table()
                options.tag_spellings = {name: table.fields[name].spellings for name in CANONICAL_FIELDS}
        return options

    def similar(self, article_id: str, *, limit: int = 10, page: int = 1,
                date_from: str | date | None = None, date_to: str | date | None = None,
                filters: dict[str, list[str] | str] | None = None) -> SearchResult | None:
        """Articles most like `article_id` (more-like-this on its key terms and its people,
        organisations and places), itself and its own wire copies (`wire_copies`) left out; None if
        there is no such article."""
        options = self._options(article_id, date_from, date_to, filters, limit=limit, page=page)
        return self._engine.similar(article_id, options, exclude=self._wire.copies(article_id))

    def export(self, query: str, *, date_from: str | date | None = None,
               date_to: str | date | None = None,
               filters: dict[str, list[str] | str] | None = None) -> Iterator[Article]:
        """Every matching article, no cap, oldest first then by id (undated ones last, by id).

        The query is checked when this is called; articles are read one at a time as the iterator
        is consumed. `search(query, limit=0).total` gives the count beforehand.
        """
        return self._engine.export(self._options(query, date_from, date_to, filters))

    def missing_values(self, query: str,
                       filters: Mapping[str, list[str] | str] | None = None) -> list[MissingValue]:
        """The filter values, and tag values written in `query` (`places:brasil`), that no article
        has, each with up to 3 close values of its field from the index: why a search that matches
        nothing does not (a value, not the query's words)."""
        from ..querylang.query import tag_values  # noqa: PLC0415
        asked = [MissingValue(name, value, False)
                 for name, values in (filters or {}).items()
                 for value in ([values] if isinstance(values, str) else values)]
        asked += [MissingValue(name, value, True) for name, value in tag_values(query)]
        missing = []
        for item in asked:
            if self.search("*", filters={item.fieldname: [item.value]}, limit=0, snippets=False).total:
                continue
            if item.fieldname not in ("year", "month"):
                counted = self.search("*", facets=[item.fieldname], facet_top=0, limit=0, snippets=False)
                spellings = {v.value.casefold(): v.value for v in counted.facets[item.fieldname]}
                item.close = [spellings[c] for c in
                              difflib.get_close_matches(item.value.casefold(), spellings, n=3, cutoff=0.6)]
            missing.append(item)
        return missing

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        return self._engine.get(article_id)

    def wire_copies(self, article_id: str) -> list[Article]:
        """The other articles of `article_id`'s wire-copy cluster, earliest first (undated last,
        then by id); [] when it has none (or on a cluster, which keeps no wire copies)."""
        found = [self.get(other) for other in self._wire.copies(article_id) if other != article_id]
        articles = [a for a in found if a is not None]
        return sorted(articles, key=_earliest_first)

    def first_report(self, article_id: str) -> Article | None:
        """The earliest published article of `article_id`'s wire-copy cluster (undated ones last,
        then by id): who ran the story first. The article itself when it has no copies; None
        when there is no such article."""
        article = self.get(article_id)
        if article is None:
            return None
        return min([article, *self.wire_copies(article_id)], key=_earliest_first)

    def entity_table(self) -> EntityTable:
        """The archive's canonical entities (`searchkit.enrich.canonical`) with the curation file applied:
        what facets count and filters match on people, orgs and places."""
        return self._curated()[0]

    def _curated(self) -> tuple[EntityTable, list[Problem]]:
        if self._entities is None:
            from ..enrich.curation import CuratedEntities  # noqa: PLC0415
            self._entities = CuratedEntities(self._entity_counts, lambda: self._engine.generation(),
                                             None if self.curation_file is None
                                             else self.curation_file.with_name("entities.cache"))
        return self._entities.table(self.curation_file)

    def _entity_counts(self) -> dict[str, dict[str, int]]:
        options = SearchOptions(query="*", facets=CANONICAL_FIELDS, facet_top=0, limit=0,
                                snippets=False)
        found = self._engine.search(options).facets
        return {name: {v.value: v.count for v in found[name]} for name in CANONICAL_FIELDS}
