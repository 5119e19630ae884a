"""`Archive`: the public library API. The CLI is a thin layer over it.

    from searchkit import Archive
    archive = Archive("index")
    archive.add(["../shared/corpora/reuters21578"])
    result = archive.search("oil prices", facets=["places"], sort="newest")
"""
from __future__ import annotations

import gc
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .backends import open_engine
from .dates import span_between
from .address import is_cluster_address
from .errors import QueryError
from .model import (FACET_FIELDS, FORMATS, PERIODS, SORTS, TAG_FIELDS, Article, IndexSummary,
                    Problem, Related, SearchOptions, SearchResult, Stats, Timeline)
from .wirecopies import NoWireCopies, WireCopies

if TYPE_CHECKING:
    from .prepare import Prepared
    from .sources import Discovery

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


def default_procs() -> int:
    """Indexing processes by default: 2, or 1 on a one-core machine."""
    return min(2, os.cpu_count() or 1)


def _then_stop(items: Iterable, preparers) -> Iterator:
    """`items`, then the preparing processes are ended: before the run's last commit and merges,
    which do not need them (nor their memory)."""
    yield from items
    preparers.stop()


class Archive:
    """A searchable news archive stored in one index directory or on a Xapian cluster.

    `Archive(path)` opens the index at `path` (default: `$SEARCHKIT_INDEX` or `./index`), creating it
    unless `create=False`; a `xapian://HOST:PORT[,HOST:PORT...]` address opens the archive on those
    `xapian-tcpsrv` shards instead (see `searchkit.cluster`). Methods raise `searchkit.errors.SearchkitError` subclasses; nothing here
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
        self._engine = open_engine(self.path, create, lock_timeout)
        # Wire copies are kept in a local folder beside the index, by backends that can.
        self._wire = (WireCopies(Path(self.path)) if self._engine.capabilities.wire_copies
                      else NoWireCopies())

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._engine.close()
        self._wire.close()

    # ------------------------------------------------------------ indexing

    def add(self, items: Iterable[str | os.PathLike | Article], *, format: str | None = None,
            rebuild: bool = False, progress: ProgressCallback | None = None) -> IndexSummary:
        """Index files, folders (recursively) and/or Article objects.

        Articles already in the index with the same id are replaced if they changed and counted as
        unchanged otherwise. Unreadable files and records are skipped and listed in the summary's
        `errors`. `progress(n)` is called with the number of source bytes finished after each file.
        """
        if format is not None and format not in FORMATS:
            raise QueryError(f"unknown format {format!r} (formats: {', '.join(FORMATS)})")
        items = list(items)
        summary = IndexSummary()
        paths = [i for i in items if not isinstance(i, Article)]
        from . import sources  # noqa: PLC0415  (indexing only: searches start ~15 ms sooner)
        found = sources.discover(paths, format)
        summary.skipped_files = found.skipped
        if rebuild:
            self._engine.clear()
            self._wire.clear()
        stream = self._articles(found, [i for i in items if isinstance(i, Article)], progress)
        self._write(stream, found.problems, summary)
        return summary

    def sources_size(self, items: Iterable[str | os.PathLike]) -> int:
        """Total bytes of the files `add` would read (for a progress bar)."""
        from . import sources  # noqa: PLC0415
        return sum(f.size for f in sources.discover(items).files)

    def _articles(self, found: Discovery, given: list[Article],
                  progress: ProgressCallback | None) -> Iterator[Article | Problem]:
        yield from given
        from .sources import read  # noqa: PLC0415
        for source_file in found.files:
            yield from read(source_file)
            if progress:
                progress(source_file.size)

    def _write(self, stream: Iterable[Article | Problem], problems: list[Problem],
               summary: IndexSummary) -> None:
        from .prepare import Preparers, prepare_all  # noqa: PLC0415  (indexing only)
        for problem in problems:
            summary.report(problem)
        signatures = self._wire.needs_signatures
        # With worker processes, articles are prepared (enriched, fingerprinted) in as many
        # processes of their own, forked first: before the writer takes the write lock.
        preparers = Preparers(self.procs, signatures) if self.procs >= 2 else None
        try:
            self._write_prepared(_then_stop(preparers.prepare(stream), preparers)
                                 if preparers is not None else prepare_all(stream, signatures),
                                 summary)
        finally:
            if preparers is not None:
                preparers.stop()

    def _write_prepared(self, stream: Iterable[Prepared | Problem], summary: IndexSummary) -> None:
        from .prepare import Fingerprints, SeenIds, problem_with  # noqa: PLC0415
        # A full batch becomes one segment per process, in reading order. The first writer starts
        # the indexing processes: before this process's memory grows.
        segment_size = -(-self.batch_size // max(1, self.procs))
        writer = self._engine.writer(self.lock_timeout, self.procs, segment_size)
        known = Fingerprints()  # of the articles already indexed
        self._engine.read_fingerprints(known.fill)
        seen = SeenIds()  # the ids read in this run
        uncommitted = 0
        # Indexing allocates millions of small objects (tokens, postings) but makes almost no
        # reference cycles: the cyclic collector's passes are wasted time. It runs once per batch.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for item in stream:
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
                    gc.collect()
                    uncommitted = 0
                cluster = self._wire.assign(article.id, item.signature)
                writer.add(article, digest, replace=previous is not None, cluster=cluster)
                uncommitted += 1
                if previous is None:
                    summary.added += 1
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

    # ------------------------------------------------------------ searching

    def search(self, query: str, *, date_from: str | date | None = None,
               date_to: str | date | None = None, filters: dict[str, list[str] | str] | None = None,
               facets: Iterable[str] = (), sort: str = "relevance", limit: int = 10, page: int = 1,
               facet_top: int = 10, snippets: bool = True, collapse: bool = False) -> SearchResult:
        """Search the archive. Raises QueryError for a query, date, filter or option it cannot use.

        `date_from`/`date_to` accept dates or text (`1987`, `March 1987`, `1987-03-01`): a year
        means the whole year, a month the whole month. `filters` maps a facet field to values
        (values of one field OR-ed, fields AND-ed). Facets are counted over all matches; a faceted
        field that is also filtered is counted under the other filters only (multi-select facets).
        `collapse=True` lists one article per wire-copy cluster: `total` then counts clusters and
        each hit has `cluster` and `copies` (matching articles in its cluster). When fewer than 5
        articles match, `suggestion` may hold a corrected query that finds more.
        """
        facets = tuple(facets)
        for name in facets:
            if name not in FACET_FIELDS:
                raise QueryError(f"unknown facet {name!r} (facets: {', '.join(FACET_FIELDS)})")
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r} (sorts: {', '.join(SORTS)})")
        options = self._options(query, date_from, date_to, filters, limit=limit, page=page)
        options.facets, options.sort, options.facet_top = facets, sort, facet_top
        options.snippets, options.collapse = snippets, collapse
        return self._engine.search(options)

    def _options(self, query: str, date_from, date_to, filters, limit: int = 10,
                 page: int = 1) -> SearchOptions:
        if limit < 0 or page < 1:
            raise QueryError("limit must be >= 0 and page >= 1")
        lo, hi = span_between(date_from, date_to)
        return SearchOptions(
            query=query, date_from=lo, date_to=hi,
            filters={k: [v] if isinstance(v, str) else list(v) for k, v in (filters or {}).items()},
            limit=limit, page=page)

    def timeline(self, query: str, *, by: str = "month", date_from: str | date | None = None,
                 date_to: str | date | None = None,
                 filters: dict[str, list[str] | str] | None = None) -> Timeline:
        """Matching articles per `year`, `month`, `week` (ISO) or `day`, each period with the number
        of all articles published in it (for the share). Periods run from the first match to the
        last, empty ones included; undated matches are counted in `undated` only."""
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r} (periods: {', '.join(PERIODS)})")
        return self._engine.timeline(self._options(query, date_from, date_to, filters), by)

    def related(self, query: str, *, field: str = "places", top: int = 10,
                date_from: str | date | None = None, date_to: str | date | None = None,
                filters: dict[str, list[str] | str] | None = None) -> Related:
        """Values of a tag field over-represented among the matches compared with the whole
        archive, ranked by Dunning's log-likelihood G² (values in fewer than 2 matches, or no more
        frequent among matches than overall, are left out)."""
        if field not in TAG_FIELDS:
            raise QueryError(f"unknown field {field!r} (fields: {', '.join(TAG_FIELDS)})")
        if top < 0:
            raise QueryError("top must be >= 0")
        return self._engine.related(self._options(query, date_from, date_to, filters), field, top)

    def similar(self, article_id: str, *, limit: int = 10, page: int = 1,
                date_from: str | date | None = None, date_to: str | date | None = None,
                filters: dict[str, list[str] | str] | None = None) -> SearchResult | None:
        """Articles most like `article_id` (more-like-this on its key terms and its people,
        organisations and places), itself excluded; None if there is no such article."""
        options = self._options(article_id, date_from, date_to, filters, limit=limit, page=page)
        return self._engine.similar(article_id, options)

    def export(self, query: str, *, date_from: str | date | None = None,
               date_to: str | date | None = None,
               filters: dict[str, list[str] | str] | None = None) -> Iterator[Article]:
        """Every matching article, no cap, oldest first then by id (undated ones last, by id).

        The query is checked when this is called; articles are read one at a time as the iterator
        is consumed. `search(query, limit=0).total` gives the count beforehand.
        """
        return self._engine.export(self._options(query, date_from, date_to, filters))

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        return self._engine.get(article_id)

    def stats(self, top: int = 10) -> Stats:
        """Document count, date range, index size and the top values of each facet field."""
        return self._engine.stats(top)
