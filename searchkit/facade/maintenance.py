"""`Archive`'s methods that change the index or the files beside it: adding articles (the indexing
run: reading, preparing in worker processes, writing in batches, Ctrl-C), optimizing, and the
entity curation file."""
from __future__ import annotations

import gc
import os
import signal
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..backends import open_engine
from ..enrich.dates import date_for_undated
from ..errors import ArchiveError, IndexInterrupted, QueryError
from ..model import FORMATS, Article, IndexSummary, Optimized, Problem
from ..ingest.filestats import FileStats, file_key
from .core import ArchiveCore, _NoIndex

if TYPE_CHECKING:
    from ..indexing.prepare import Prepared
    from ..ingest.sources import Discovery

ProgressCallback = Callable[[int], None]


def _then_stop(items: Iterable, preparers) -> Iterator:
    """`items`, then the preparing processes are ended: before the run's last commit and merges,
    which do not need them (nor their memory)."""
    yield from items
    preparers.stop()


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


class Maintenance(ArchiveCore):
    """Adding articles, optimizing, curating entities (see `Archive`)."""

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
        from ..ingest import sources  # noqa: PLC0415  (indexing only: a search need not import it)
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

    def optimize(self) -> Optimized:
        """Merges the index's segments into one, without the replaced articles' old versions (which
        a merge drops): the fastest form for searching an archive that is no longer added to. Takes
        about as long as indexing its articles did, holding the write lock; searches go on meanwhile
        and see the result at once. Interrupted or failed, the index stays as it was."""
        return self._engine.optimize(self.lock_timeout)

    def curation_problems(self) -> list[Problem]:
        """The curation file's lines that could not be applied (`FILE:LINE: reason`)."""
        return self._curated()[1]

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
