"""The Whoosh engine: one index directory, its writers (`writers`) and a cached searcher.

The `Archive` talks to this class only; everything that knows Whoosh lives in this package and in
`schema` and `querylang`.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence, TypeVar

from whoosh import index
from whoosh import query as wq
from whoosh.index import EmptyIndexError, LockError
from whoosh.searching import Searcher

from ...querylang import query as queries
from . import whoosh_patches  # noqa: F401  (length lookups: see the module)
from . import summaries
from .collecting import articles, in_date_order, run
from .columns import FacetColumns
from .matching import all_docnums, matching_docs
from .scoring import scored_docs
from .similar import more_like_query
from .suggest import suggest
from ..documents import stored_to_article
from .undated import undated_matches
from .writers import WhooshWriter, WorkersWriter, locked_error, write_error
from .explain import score_parts
from .feedback import rerank
from ...querylang.ranking import ranking_named
from ...querylang.plan import Planner
from .. import Capabilities, ValueCounts
from ...errors import ArchiveError, QueryError
from ...model import FEW_MATCHES, Article, MatchSummary, Optimized, SearchOptions, SearchResult
from ...schema import SCHEMA_VERSION, build_schema

if TYPE_CHECKING:
    from .segment_workers import SegmentWorkers

T = TypeVar("T")
MARKER = "searchkit.json"
_SNAPSHOT_ATTEMPTS = 5
# A search with fewer matches than this gets a did-you-mean suggestion when one finds more.
SUGGEST_BELOW = FEW_MATCHES
# Files that may sit in a folder before it becomes an index (the repository's index/ keeps a README).
_HARMLESS = {"README.md", ".gitkeep", MARKER}


@dataclass(frozen=True)
class _Snapshot:
    searcher: Searcher
    folder: Path
    files: frozenset

    def intact(self) -> bool:
        """Whether every file of the searcher's segments still exists (files are only ever
        deleted, never re-created under the same name)."""
        return self.files <= set(os.listdir(self.folder))


class WhooshEngine:
    capabilities = Capabilities(wire_copies=True, did_you_mean=True, size=True)

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        # One searcher per thread: Whoosh readers seek and read shared file objects, so a searcher
        # must not be used by two threads at once. Each search runs on one searcher, a snapshot of
        # the last commit.
        self._local = threading.local()
        self._lock = threading.Lock()
        self._searchers: list = []
        self._facets = FacetColumns(self.path)
        self._clusters = summaries.cluster_numbers()
        self._months = summaries.month_numbers()
        self._workers: SegmentWorkers | None = None  # of the indexing run in progress
        self._ix = self._open(create)
        # Read once: `ix.schema` re-reads the table of contents, which a concurrent commit may delete.
        self._schema = self._ix.schema
        # Date ranges are answered from the cached date column, not the trie terms.
        self._planner = Planner(self._schema, lambda q: queries.day_ranges_from_columns(q, self._facets))

    # ------------------------------------------------------------ opening

    def _open(self, create: bool) -> index.Index:
        marker = self.path / MARKER
        if marker.exists():
            try:
                info = json.loads(marker.read_text())
            except (OSError, ValueError):
                raise ArchiveError(f"{marker} is unreadable: is this a searchkit index?") from None
            if info.get("schema_version") != SCHEMA_VERSION:
                raise ArchiveError(
                    f"the index at {self.path} was built by another version of searchkit "
                    f"(schema {info.get('schema_version')}, this is {SCHEMA_VERSION}); "
                    f"rebuild it with `searchkit index --rebuild`")
            try:
                return index.open_dir(str(self.path))
            except EmptyIndexError:
                return self._create()
            except OSError as exc:
                raise ArchiveError(f"cannot open the index at {self.path}: {exc.strerror or exc}") from None
        if not create:
            raise ArchiveError(f"no index at {self.path}: create one with `searchkit index PATH`")
        if self.path.exists() and not self.path.is_dir():
            raise ArchiveError(f"{self.path} is a file, not an index folder")
        if self.path.is_dir() and any(p.name not in _HARMLESS for p in self.path.iterdir()):
            raise ArchiveError(f"refusing to create an index in {self.path}: the folder is not empty "
                               f"and is not a searchkit index")
        return self._create()

    def _create(self) -> index.Index:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            ix = index.create_in(str(self.path), build_schema())
            (self.path / MARKER).write_text(
                json.dumps({"engine": "whoosh", "schema_version": SCHEMA_VERSION}) + "\n")
        except OSError as exc:
            raise ArchiveError(f"cannot create an index at {self.path}: {exc.strerror or exc}") from None
        return ix

    def clear(self) -> None:
        """Start over with an empty index (`--rebuild`)."""
        self.close()
        self._ix = self._create()
        self._facets = FacetColumns(self.path)

    def close(self) -> None:
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers = []
            self._local = threading.local()

    # ------------------------------------------------------------ writing

    def writer(self, lock_timeout: float, procs: int = 0,
               segment_size: int = 5000) -> WhooshWriter | WorkersWriter:
        """procs = 0: Whoosh's own writer in this process (merging segments as Whoosh's policy
        says); otherwise `procs` worker processes writing a segment per `segment_size` articles."""
        if procs <= 0:
            return WhooshWriter(self._ix, lock_timeout)
        if self._workers is None or self._workers.closed or len(self._workers) != procs:
            from .segment_workers import SegmentWorkers
            self.stop_workers()
            self._workers = SegmentWorkers(str(self.path), self._ix.indexname, self._schema, procs)
        return WorkersWriter(self._ix, lock_timeout, self._workers, segment_size)

    def stop_workers(self) -> None:
        """Ends the indexing processes started by `writer` (at the end of an indexing run)."""
        if self._workers is not None and not self._workers.closed:
            self._workers.stop()
        self._workers = None

    def optimize(self, lock_timeout: float) -> Optimized:
        """Merges the index's segments into one (see `merger.optimize`)."""
        from .merger import optimize
        try:
            before, after, documents, merged = optimize(self._ix, lock_timeout)
        except LockError:
            raise locked_error(str(self.path), lock_timeout) from None
        except OSError as exc:
            raise write_error(str(self.path), exc) from None
        return Optimized(segments_before=before, segments=after, documents=documents, merged=merged)

    def read_fingerprints(self, fill: Callable[[Iterable[tuple[str, str]]], None]) -> None:
        """Gives `fill` the (id, content fingerprint) of every article in the index, read from
        two columns."""
        def pairs(reader) -> Iterator[tuple[str, str]]:
            for leaf, _offset in reader.leaf_readers():
                if not leaf.doc_count_all():
                    continue
                ids = leaf.column_reader("id", translate=True)
                prints = leaf.column_reader("fingerprint", translate=True)
                for docnum in range(leaf.doc_count_all()):
                    if not leaf.is_deleted(docnum):
                        yield ids[docnum], prints[docnum]

        with self._ix.reader() as reader:
            fill(pairs(reader))

    def generation(self) -> tuple:
        """The latest commit's number and its table of contents' time and size (a rebuild starts
        numbering again)."""
        number = self._ix.latest_generation()
        try:
            toc = os.stat(self.path / f"_{self._ix.indexname}_{number}.toc")
        except OSError:  # replaced by a newer commit meanwhile: stale at the next call anyway
            return (number,)
        return (number, toc.st_mtime_ns, toc.st_size)

    # ------------------------------------------------------------ reading

    def _current_snapshot(self, renew: bool = False) -> "_Snapshot":
        """This thread's searcher on the latest commit, with the files its segments consist of."""
        snapshot = getattr(self._local, "snapshot", None)
        if snapshot is not None and not renew and snapshot.searcher.up_to_date():
            return snapshot
        # Not searcher.refresh(): in whoosh-reloaded 2.7.5 it keeps the readers of segments that a
        # merge has replaced, so merged documents are counted twice (and it fails on an empty index).
        searcher = self._ix.searcher()
        segment_ids = tuple(r.segment().segment_id() for r, _ in searcher.reader().leaf_readers()
                            if r.segment() is not None)
        self._facets.retain(segment_ids)
        prefixes = tuple(s + "." for s in segment_ids)
        files = frozenset(name for name in os.listdir(self.path) if name.startswith(prefixes))
        if not searcher.up_to_date() and not self._still_listed(segment_ids):
            # A merge may have deleted some of these files before the listing, and then `intact`
            # could not tell.
            searcher.close()
            raise FileNotFoundError("the commit being opened was replaced meanwhile")
        fresh = _Snapshot(searcher, self.path, files)
        with self._lock:
            if snapshot is not None:
                self._searchers.remove(snapshot.searcher)
                snapshot.searcher.close()
            self._searchers.append(searcher)
        self._local.snapshot = fresh
        return fresh

    def _still_listed(self, segment_ids: tuple) -> bool:
        """Whether the newest commit still has all these segments. A segment's files are deleted
        only after a commit without it, and a dropped segment never returns, so then none of
        them can have been deleted before now."""
        toc = index.TOC.read(self._ix.storage, self._ix.indexname)
        return set(segment_ids) <= {segment.segment_id() for segment in toc.segments}

    def _on_snapshot(self, read: Callable[[Searcher], T]) -> T:
        """Run `read` on the latest commit, consistently.

        A commit that merges segments deletes the old segments' files, and Whoosh opens some files
        lazily (columns, stored fields): a read that overlaps such a commit may fail or, worse, see
        a column as missing. A read counts only if every file of its segments still exists after
        it; otherwise it runs again on the new commit.
        """
        for attempt in range(_SNAPSHOT_ATTEMPTS):
            snapshot = None
            try:
                snapshot = self._current_snapshot(renew=attempt > 0)
                result = read(snapshot.searcher)
            except FileNotFoundError:
                continue  # the commit being opened was replaced meanwhile
            except OSError as exc:
                raise ArchiveError(f"cannot read the index at {self.path}: "
                                   f"{exc.strerror or exc}") from None
            except Exception:
                if snapshot is None or snapshot.intact():
                    raise
                continue
            if snapshot.intact():
                return result
        raise ArchiveError(f"the index at {self.path} changed during each of {_SNAPSHOT_ATTEMPTS} "
                           f"attempts to read it; try again")

    @staticmethod
    def _docset(searcher: Searcher, q: wq.Query, filter_q: wq.Query | None) -> set[int]:
        queries.check_expansions(q, searcher.reader())
        matched = wq.And([q, filter_q]) if filter_q is not None else q
        return matching_docs(searcher, matched)

    def search(self, options: SearchOptions) -> SearchResult:
        plan = self._planner.plan(options)
        q, filter_q = plan.query, plan.filter
        ranking = ranking_named(options.ranking)

        def read(searcher):
            queries.check_expansions(q, searcher.reader())
            expanded = []
            undated = (undated_matches(searcher, q, plan.undated_filter, self._facets)
                       if plan.counts_undated else 0)
            found = run(
                searcher, q, filter_q=filter_q, facets=options.facets, facet_columns=self._facets,
                sort=options.sort, limit=options.limit, page=options.page,
                facet_top=options.facet_top, snippets=options.snippets,
                facet_filters=plan.facet_filters, collapse=options.collapse,
                facet_labels=options.facet_labels,
                stories=self._stories(searcher, options),
                rerank=(lambda scores: expanded.append(rerank(searcher, q, scores, ranking)))
                if ranking.feedback_docs else None)
            if options.explain and options.sort == "relevance":
                for hit in found[1]:
                    hit.explain = score_parts(searcher, q, hit.id, expanded[0] if expanded else None)
            # The exact total is known already unless it counts clusters.
            known = None if options.collapse else found[0]
            return found, self._suggestion(searcher, q, filter_q, options.query, known), undated

        (total, hits, facets), suggestion, undated = self._on_snapshot(read)
        return SearchResult(query=options.query, total=total, page=options.page, limit=options.limit,
                            hits=hits, facets=facets, collapsed=options.collapse,
                            suggestion=suggestion, count=options.count,
                            undated_left_out=undated)

    def _stories(self, searcher: Searcher, options: SearchOptions):
        """Each document's cluster number when `options` counts stories, else None."""
        return self._clusters.of(searcher, self._facets) if options.count == "stories" else None

    def _suggestion(self, searcher, q, filter_q, text: str, found: int | None = None) -> str | None:
        def count(query_):
            return sum(1 for _ in searcher.docs_for_query(wq.And([query_, filter_q]) if filter_q else query_))

        if found is None:
            found = count(q)
        if found >= SUGGEST_BELOW:
            return None
        corrected = suggest(searcher, q, text)
        if corrected is None:
            return None
        try:
            better = count(queries.parse_query(self._planner.parser, corrected))
        except QueryError:
            return None
        return corrected if better > found else None

    def value_counts(self, options: SearchOptions | None, fields: Sequence[str], *, top: int = 0,
                     complete: bool = False, background: bool = False) -> ValueCounts:
        """`Engine.value_counts`, from the cached columns (`summaries.value_counts`)."""
        parsed = self._planner.parse(options) if options is not None else None
        labels = options.facet_labels if options is not None else {}

        def read(searcher):
            clusters = self._stories(searcher, options) if options is not None else None
            everything = all_docnums(searcher)
            docnums = self._docset(searcher, *parsed) if parsed is not None else everything
            counted = summaries.value_counts(searcher, docnums, self._facets, clusters, fields, top,
                                             complete, labels)
            if background:
                whole = summaries.value_counts(searcher, everything, self._facets, clusters, fields, top,
                                               complete, labels)
                counted.documents, counted.background = whole.matches, whole.counts
            return counted

        return self._on_snapshot(read)

    def similar(self, article_id: str, options: SearchOptions,
                exclude: Sequence[str] = ()) -> SearchResult | None:
        """Articles like `article_id` (itself and the ids in `exclude` left out), or None if there
        is no such article."""
        article = self.get(article_id)
        if article is None:
            return None
        not_itself = wq.Not(wq.Or([wq.Term("id", i) for i in dict.fromkeys((article_id, *exclude))]))
        filter_q = self._planner.filter(options)
        filter_q = wq.And([not_itself, filter_q]) if filter_q is not None else not_itself

        def read(searcher):
            q = more_like_query(searcher, article)
            if q is None:
                return 0, [], {}
            return run(
                searcher, q, filter_q=filter_q, facets=(), facet_columns=self._facets,
                sort="relevance", limit=options.limit, page=options.page, snippets=options.snippets)

        total, hits, _facets = self._on_snapshot(read)
        return SearchResult(query=article_id, total=total, page=options.page, limit=options.limit,
                            hits=hits)

    def export(self, options: SearchOptions):
        """Every matching article, oldest first then by id (undated last): a generator over the
        snapshot taken when it starts."""
        q, filter_q = self._planner.parse(options)
        searcher, order = self._on_snapshot(lambda searcher: (searcher, in_date_order(
            searcher, self._docset(searcher, q, filter_q), self._facets)))
        return articles(searcher, order)

    def get(self, article_id: str) -> Article | None:
        fields = self._on_snapshot(lambda searcher: searcher.document(id=article_id))
        return stored_to_article(fields) if fields else None

    def summary(self, options: SearchOptions, fields: tuple[str, ...], top: int) -> MatchSummary:
        q, filter_q = self._planner.parse(options)

        def read(searcher):
            queries.check_expansions(q, searcher.reader())
            # The matches as scoring finds them, not `matching_docs`: its bulk phrase matching is
            # faster on the batch benchmark's queries (benchmarks/RESULTS.md, "Batch search").
            docset = set(scored_docs(searcher, q, filter_q))
            return summaries.summarize(searcher, docset, self._facets,
                                       self._clusters.of(searcher, self._facets),
                                       self._months.of(searcher, self._facets), fields, top,
                                       options.facet_labels)

        return self._on_snapshot(read)

    def size_bytes(self) -> int:
        total = 0
        for entry in os.scandir(self.path):
            if entry.is_file():
                total += entry.stat().st_size
        return total

