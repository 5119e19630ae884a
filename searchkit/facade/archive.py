"""`Archive`: the public library API. The CLI is a thin layer over it.

    from searchkit import Archive
    archive = Archive("index")
    archive.add(["../shared/corpora/reuters21578"])
    result = archive.search("oil prices", facets=["places"], sort="newest")
"""
from __future__ import annotations

import difflib
import gc
import os
import signal
import threading
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from ..backends import Capabilities, Engine, open_engine
from ..enrich.dates import date_for_undated, span_between
from ..backends.address import is_cluster_address
from ..errors import ArchiveError, IndexInterrupted, QueryError
from ..model import (COUNTS, ENTITY_FIELDS, FACET_FIELDS, FORMATS, PERIODS, SORTS, TAG_FIELDS, USER_FACETS, Article,
                     FacetValue, FirstReport, Hit, IndexSummary, MatchSummary, MissingValue, Optimized, Problem,
                     Related, SearchOptions, SearchResult, Stats, Timeline)
from . import workflow
from .userdata import Note, NoUserData, SavedSearch, UserData, check_name, check_note
from ..ingest.filestats import FileStats, file_key
from ..enrich.canonical import CANONICAL_FIELDS, Entity, EntityTable, count_borrowed
from ..enrich.wirecopies import NoWireCopies, WireCopies

if TYPE_CHECKING:
    from ..enrich.curation import CuratedEntities
    from .batch import BatchResult
    from ..indexing.prepare import Prepared
    from ..ingest.sources import Discovery

DEFAULT_INDEX = "index"
# Articles written between commits: an interrupted run keeps every finished batch. With worker
# processes a full batch is one segment per process, and each segment costs every later query a
# little (measured in benchmarks/RESULTS.md), so batches are large; a process's postings for half a
# batch stay well under 300 MB.
BATCH_SIZE = 20_000

ProgressCallback = Callable[[int], None]


def default_index_path() -> Path | str:
    """`$SEARCHKIT_INDEX`, else `./index`."""
    return _location(os.environ.get("SEARCHKIT_INDEX") or DEFAULT_INDEX)


def _location(path: str | os.PathLike) -> Path | str:
    """A cluster address stays a string; anything else is an index folder."""
    return path if isinstance(path, str) and is_cluster_address(path) else Path(path)


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


def _then_stop(items: Iterable, preparers) -> Iterator:
    """`items`, then the preparing processes are ended: before the run's last commit and merges,
    which do not need them (nor their memory)."""
    yield from items
    preparers.stop()


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


class _Interrupts:
    """Ctrl-C during an indexing run (and SIGTERM, when its handler is Python's Ctrl-C handler, as
    the CLI sets it): the first asks the run to stop after the article it is at and commit what it
    has read (then `add` raises IndexInterrupted); a second stops it at once, keeping the last
    commit. Only in the main thread, where Python runs signal handlers."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(signum) is signal.default_int_handler:
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


class Archive:
    """A searchable news archive stored in one index directory or on a Xapian cluster.

    `Archive(path)` opens the index at `path` (default: `$SEARCHKIT_INDEX` or `./index`); when there
    is none, the first `add` creates it (unless `create=False`, which raises ArchiveError at once)
    and searching raises ArchiveError; a `xapian://HOST:PORT[,HOST:PORT...]` address opens the archive on those
    `xapian-tcpsrv` shards instead (see `searchkit.backends.cluster`). Methods raise `searchkit.errors.SearchkitError` subclasses; nothing here
    prints or exits.
    """

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

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._engine.close()
        self._wire.close()
        self._userdata.close()

    # ------------------------------------------------------------ indexing

    def add(self, items: Iterable[str | os.PathLike | Article], *, format: str | None = None,
            rebuild: bool = False, check: bool = False,
            progress: ProgressCallback | None = None,
            default_date: str | date | None = None) -> IndexSummary:
        """Index files, folders (recursively) and/or Article objects.

        Articles already in the index with the same id are replaced if they changed and counted as
        unchanged otherwise. Unreadable files and records are skipped and listed in the summary's
        `errors`. Ctrl-C commits the articles read so far and raises `IndexInterrupted` (a
        KeyboardInterrupt whose `summary` counts them). A file indexed without a problem by an
        earlier run and unchanged since (same size and modification time) is not read again: its
        articles count as unchanged; `check=True` reads every file. `progress(n)` is called with the
        number of source bytes finished after each file. `default_date` (a date, or text such as
        `2005` or `2005-01-01`: the first day it names) is given to each article that has no date
        of its own, so that date filters and sorts can use it; it makes every file be read again
        (`check=True`), since unchanged files may hold articles that should get it.
        """
        if format is not None and format not in FORMATS:
            raise QueryError(f"unknown format {format!r} (formats: {', '.join(FORMATS)})")
        supplied = date_for_undated(default_date)
        check = check or supplied is not None
        items = list(items)
        summary = IndexSummary()
        paths = [i for i in items if not isinstance(i, Article)]
        from ..ingest import sources  # noqa: PLC0415  (indexing only: searches start ~15 ms sooner)
        found = sources.discover(paths, format)
        summary.skipped_files, summary.skipped = found.skipped, found.skipped_paths
        if isinstance(self._engine, _NoIndex):
            self._engine.close()
            self._engine = open_engine(self.path, True, self.lock_timeout)
        # A cluster has no local folder to keep file stats in: every file is read.
        files = FileStats(self.path) if isinstance(self.path, Path) else None
        if rebuild:
            self._engine.clear()
            self._wire.clear()
            if files is not None:
                files.clear()
        read: dict[tuple[str, int, int], int] = {}  # the files read whole: key -> articles
        stream = self._articles(found, [i for i in items if isinstance(i, Article)], progress,
                                None if check else files, read, summary)
        try:
            with _Interrupts() as interrupts:
                self._write(stream, found.problems, summary, interrupts, supplied)
            if interrupts.requested:
                raise IndexInterrupted(summary)
            if files is not None:
                files.record(read, {os.path.realpath(p) for p in summary.failed_paths})
        finally:
            if files is not None:
                files.close()
        return summary

    def sources_size(self, items: Iterable[str | os.PathLike]) -> int:
        """Total bytes of the files `add` would read (for a progress bar)."""
        from ..ingest import sources  # noqa: PLC0415
        return sum(f.size for f in sources.discover(items).files)

    def _articles(self, found: Discovery, given: list[Article], progress: ProgressCallback | None,
                  files: FileStats | None, read: dict[tuple[str, int, int], int],
                  summary: IndexSummary) -> Iterator[Article | Problem]:
        """The articles to index; a file unchanged since `files` recorded it is skipped (its
        articles counted as unchanged), and each file read whole is noted in `read`."""
        yield from given
        from ..ingest.sources import read as read_file  # noqa: PLC0415
        for source_file in found.files:
            key = file_key(source_file.path)
            known = files.unchanged(key) if files is not None and key is not None else None
            if known is not None:
                summary.unchanged += known
            else:
                articles = 0
                for item in read_file(source_file):
                    articles += isinstance(item, Article)
                    yield item
                if key is not None:
                    read[key] = articles
            if progress:
                progress(source_file.size)

    def _write(self, stream: Iterable[Article | Problem], problems: list[Problem],
               summary: IndexSummary, interrupts: _Interrupts, default_date: datetime | None = None) -> None:
        from ..indexing.prepare import Preparers, prepare_all  # noqa: PLC0415  (indexing only)
        for problem in problems:
            summary.report(problem)
        signatures = self._wire.needs_signatures
        # With worker processes, articles are prepared (enriched, fingerprinted) in as many
        # processes of their own, forked first: before the writer takes the write lock.
        preparers = Preparers(self.procs, signatures, default_date) if self.procs >= 2 else None
        try:
            self._write_prepared(_then_stop(preparers.prepare(stream), preparers)
                                 if preparers is not None else prepare_all(stream, signatures, default_date),
                                 summary, interrupts)
        finally:
            if preparers is not None:
                preparers.stop()

    def _write_prepared(self, stream: Iterable[Prepared | Problem], summary: IndexSummary,
                        interrupts: _Interrupts) -> None:
        from ..indexing.prepare import Fingerprints, SeenIds, problem_with  # noqa: PLC0415
        # A full batch becomes one segment per process, in reading order. The first writer starts
        # the indexing processes: before this process's memory grows.
        segment_size = -(-self.batch_size // max(1, self.procs))
        writer = self._engine.writer(self.lock_timeout, self.procs, segment_size)
        known = Fingerprints()  # of the articles already indexed
        self._engine.read_fingerprints(known.fill)
        seen = SeenIds()  # the ids read in this run
        uncommitted = 0
        new_ids: list[str] = []  # added since the last commit: their first-indexed time at the next
        # Indexing allocates millions of small objects (tokens, postings) but makes almost no
        # reference cycles: the cyclic collector's passes are wasted time. It runs once per batch.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for item in stream:
                if interrupts.requested:  # commit what was read, below
                    break
                if isinstance(item, Problem):
                    summary.report(item)
                    continue
                article, digest = item.article, item.fingerprint
                first = seen.first_origin(article.id, article.origin)
                if first is not None:
                    summary.report(problem_with(
                        article, f"duplicate id {article.id!r}: already read from "
                                 f"{first or 'an earlier article'}"))
                    continue
                previous = known.get(article.id)  # a later copy of the id is caught by `seen`
                if previous == digest:
                    summary.unchanged += 1
                    continue
                if uncommitted >= self.batch_size:
                    # The wire-copy table may be committed before the index (a segment writer
                    # commits in the background): an article it holds that the index lacks is
                    # simply assigned again by the next run.
                    writer.commit()
                    self._wire.commit()
                    self._userdata.record_first_seen(new_ids, time.time())
                    new_ids = []
                    gc.collect()
                    uncommitted = 0
                cluster = self._wire.assign(article.id, item.signature)
                writer.add(article, digest, replace=previous is not None, cluster=cluster)
                uncommitted += 1
                if previous is None:
                    summary.added += 1
                    new_ids.append(article.id)
                else:
                    summary.updated += 1
        except BaseException:
            writer.cancel()
            self._wire.rollback()
            self._engine.stop_workers()
            raise
        finally:
            seen.close()
            known.close()
            if gc_was_enabled:
                gc.enable()
        try:
            writer.close()
        finally:
            self._engine.stop_workers()
        self._wire.commit()
        self._userdata.record_first_seen(new_ids, time.time())

    # ------------------------------------------------------------ searching

    def search(self, query: str, *, date_from: str | date | None = None,
               date_to: str | date | None = None, filters: dict[str, list[str] | str] | None = None,
               facets: Iterable[str] = (), sort: str = "relevance", limit: int = 10, page: int = 1,
               facet_top: int = 10, snippets: bool = True, collapse: bool = False,
               count: str = "articles", explain: bool = False,
               ids: Iterable[str] | None = None) -> SearchResult:
        """Search the archive. Raises QueryError for a query, date, filter or option it cannot use.

        `date_from`/`date_to` accept dates or text (`1987`, `March 1987`, `1987-03-01`): a year
        means the whole year, a month the whole month. `filters` maps a facet field to values
        (values of one field OR-ed, fields AND-ed). Facets are counted over all matches; a faceted
        field that is also filtered is counted under the other filters only (multi-select facets).
        `collapse=True` lists one article per wire-copy cluster: `total` then counts clusters and
        each hit has `cluster`, `copies` (matching articles in its cluster) and `first_report`
        (the cluster's earliest article, matching or not). `count="stories"` counts facet values in
        stories (wire-copy clusters) instead of articles. When fewer than 5 articles match,
        `suggestion` may hold a corrected query that finds more. `explain=True`
        gives each hit of a relevance search `explain`: its score's parts (`ScorePart`: field, word,
        BM25F score), highest first.
        `ids`: only these articles. The user's tags are searched as `tag:lead`, filtered as
        `filters={"tags": [...]}` and counted as the facet `tags`; hits carry their `tags` and `notes`.
        """
        facets = tuple(facets)
        for name in facets:
            if name not in FACET_FIELDS and name not in USER_FACETS:
                raise QueryError(f"unknown facet {name!r} (facets: {', '.join((*FACET_FIELDS, *USER_FACETS))})")
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r} (sorts: {', '.join(SORTS)})")
        options = self._options(query, date_from, date_to, filters, limit=limit, page=page)
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
        return result

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

    def stats(self, top: int = 10) -> Stats:
        """Document count, date range, index size and the top values of each facet field (people,
        orgs and places as entities, as `search` counts them)."""
        stats = self._engine.stats(top)
        if stats.documents:
            stats.facets.update(self.search("*", facets=CANONICAL_FIELDS, facet_top=top, limit=0,
                                            snippets=False).facets)
        return stats

    # ------------------------------------------------------------ entities

    def entity_table(self) -> EntityTable:
        """The archive's canonical entities (`searchkit.enrich.canonical`) with the curation file applied:
        what facets count and filters match on people, orgs and places."""
        return self._curated()[0]

    def curation_problems(self) -> list[Problem]:
        """The curation file's lines that could not be applied (`FILE:LINE: reason`)."""
        return self._curated()[1]

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

    def curate(self, action: str, field: str, values: list[str], target: str = "") -> str:
        """Add a rule to the curation file (see `searchkit.enrich.curation`): `merge` the entities of
        `values` into `target`, `rename` one to the label `target`, `block` them, `retype` them to
        the field `target` or `split` each spelling off its entity. Returns the
        line written; QueryError for a rule that cannot be read, ArchiveError without a folder."""
        from ..enrich.curation import append_rule  # noqa: PLC0415
        if self.curation_file is None:
            raise ArchiveError("a cluster has no index folder for entities.txt: curate it in Python "
                               "with Archive.curation_file set to a file of yours")
        return append_rule(self.curation_file, action, field, values, target)

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

    def optimize(self) -> Optimized:
        """Merges the index's segments into one, without the replaced articles' old versions (which
        a merge drops): the fastest form for searching an archive that is no longer added to. Takes
        about as long as indexing its articles did, holding the write lock; searches go on meanwhile
        and see the result at once. Interrupted or failed, the index stays as it was."""
        return self._engine.optimize(self.lock_timeout)

    # ------------------------------------------------------------ the user's data (see `workflow`)

    def tag(self, article_ids: Iterable[str], *, add: Iterable[str] = (),
            remove: Iterable[str] = ()) -> list[str]:
        """Add and remove tags on articles, in one transaction; returns the ids changed (each once).
        QueryError for a malformed tag (one word of letters, digits, `-`, `_`, `.`), ArchiveError
        for an id the index lacks: then nothing changes. Tags are lower-cased."""
        added, removed = workflow.check_tags(add), workflow.check_tags(remove)
        if not added and not removed:
            raise QueryError("nothing to do: give a tag to add or to remove")
        ids = workflow.existing_ids(self, article_ids)
        self._userdata.tag(ids, added, removed)
        return ids

    def tag_query(self, query: str, *, add: Iterable[str] = (), remove: Iterable[str] = (),
                  date_from: str | date | None = None, date_to: str | date | None = None,
                  filters: dict[str, list[str] | str] | None = None, confirm: bool = False) -> int:
        """Tag every article matching a search; returns how many. More than
        `workflow.BULK_CONFIRM` articles need `confirm=True` (else QueryError saying how many)."""
        added, removed = workflow.check_tags(add), workflow.check_tags(remove)
        if not added and not removed:
            raise QueryError("nothing to do: give a tag to add or to remove")
        total = self.search(query, date_from=date_from, date_to=date_to, filters=filters, limit=0,
                            snippets=False).total
        if total > workflow.BULK_CONFIRM and not confirm:
            raise QueryError(f"the query matches {total:,} articles (more than {workflow.BULK_CONFIRM}): "
                             f"confirm to tag them all (the CLI's --yes)")
        ids = [a.id for a in self.export(query, date_from=date_from, date_to=date_to, filters=filters)]
        self._userdata.tag(ids, added, removed)
        return len(ids)

    def tags_of(self, article_id: str) -> list[str]:
        """The article's tags, sorted."""
        return self._userdata.tags_of([article_id]).get(article_id, [])

    def tags(self) -> list[FacetValue]:
        """Every tag in use with its number of articles, most used first."""
        return [FacetValue(tag, n) for tag, n in self._userdata.tag_counts()]

    def note(self, article_id: str, text: str | None) -> None:
        """Set the article's note (one per article; empty or None removes it). QueryError above
        `userdata.MAX_NOTE_CHARS` characters; ArchiveError for an id the index lacks."""
        text = check_note(text or "")
        workflow.existing_ids(self, [article_id])
        self._userdata.set_note(article_id, text)

    def note_of(self, article_id: str) -> str:
        return self._userdata.notes_of([article_id]).get(article_id, "")

    def notes(self) -> list[Note]:
        """Every note, most recently edited first."""
        return self._userdata.notes()

    def annotations(self, article_id: str) -> dict[str, Any]:
        """`{"tags": [...], "notes": "..."}` of an article (for `show` and `export`)."""
        if not self._userdata.available:
            return {"tags": [], "notes": ""}
        return {"tags": self.tags_of(article_id), "notes": self.note_of(article_id)}

    def save_search(self, name: str, query: str, *, date_from: str | None = None,
                    date_to: str | None = None,
                    filters: dict[str, list[str] | str] | None = None, sort: str = "newest", replace: bool = False) -> SavedSearch:
        """Save a search under a name (QueryError if the name is taken, unless `replace`). The
        query and options are checked by running it once."""
        name = check_name(name)
        self.search(query, date_from=date_from, date_to=date_to, filters=filters, sort=sort, limit=0,
                    snippets=False)
        options: dict[str, Any] = {"sort": sort}
        if date_from:
            options["date_from"] = str(date_from)
        if date_to:
            options["date_to"] = str(date_to)
        if filters:
            options["filters"] = {k: [v] if isinstance(v, str) else list(v) for k, v in filters.items()}
        saved = SavedSearch(name, query, options, created=time.time())
        self._userdata.save_search(saved, replace)
        return saved

    def saved_searches(self) -> list[SavedSearch]:
        return self._userdata.saved_searches()

    def unsave(self, name: str) -> None:
        """Forget a saved search (QueryError if there is none by that name)."""
        self._userdata.unsave(name)

    def watch(self, names: Iterable[str] | None = None, *, since: str | date | datetime | None = None,
              limit: int = 20, mark: bool = True, until: float | None = None) -> list[workflow.WatchResult]:
        """For each saved search (or those named): the matches first indexed since it was last
        watched (else since it was saved), or since `since` (a date or time, UTC); each result's
        `new` counts them, its hits are the first `limit` in the search's sort. `mark` records this
        run as each search's last watch. `until` (epoch seconds, as a result's `until`) leaves out
        articles indexed after it: marking what a page showed marks nothing indexed since."""
        return workflow.watch(self, self._userdata, names, since, limit, mark, until)
