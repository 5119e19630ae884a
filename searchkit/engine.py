"""The Whoosh engine: one index directory, its writer and a cached searcher.

The `Archive` talks to this class only; everything that knows Whoosh lives here and in `schema`,
`query` and `search`.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from whoosh import index
from whoosh import query as wq
from whoosh.index import EmptyIndexError, LockError

from . import query as queries
from . import search
from .errors import ArchiveError, ArchiveLockedError, QueryError
from .model import FACET_FIELDS, Article, Related, SearchOptions, SearchResult, Stats, Timeline
from .schema import SCHEMA_VERSION, build_schema, day_from_number, day_number

MARKER = "searchkit.json"
# A search with fewer matches than this gets a did-you-mean suggestion when one finds more.
SUGGEST_BELOW = 5
# Files that may sit in a folder before it becomes an index (the repository's index/ keeps a README).
_HARMLESS = {"README.md", ".gitkeep", MARKER}


def to_document(article: Article, fingerprint: str, cluster: str | None = None) -> dict:
    """An Article as the keyword arguments of `writer.add_document`."""
    doc = {
        "id": article.id,
        "cluster": cluster or article.id,
        "fingerprint": fingerprint,
        "headline": article.headline,
        "body": article.body,
        "source": article.source,
        "section": article.section,
        "entities": "\n".join(article.entities),
        "published": article.published.isoformat() if article.published else None,
        "dateline": article.dateline,
        "url": article.url,
        "authors": article.authors,
        "origin": article.origin,
        "mentioned": [day_number(d) for d in article.mentioned],
    }
    if article.published:
        doc["date"] = day_number(article.published.date())
    for name in ("people", "orgs", "places", "topics", "exchanges", "companies"):
        # One comma-joined string is indexed, stored and kept in the facet column (a list would be
        # cut to its first value in the column).
        doc[name] = ",".join(getattr(article, name))
    return {k: v for k, v in doc.items() if v not in (None, "", [])}


class WhooshWriter:
    """Adds and replaces articles; nothing is visible to searches until `commit`."""

    def __init__(self, ix: index.Index, lock_timeout: float):
        try:
            self._writer = ix.writer(timeout=lock_timeout, limitmb=256, compound=False)
        except LockError:
            raise ArchiveLockedError(
                f"the index at {ix.storage.folder} is being written by another process "
                f"(waited {lock_timeout:g} s); try again when it has finished") from None

    def add(self, article: Article, fingerprint: str, replace: bool, cluster: str | None = None) -> None:
        doc = to_document(article, fingerprint, cluster)
        if replace:
            self._writer.update_document(**doc)
        else:
            self._writer.add_document(**doc)

    def commit(self) -> None:
        try:
            self._writer.commit()
        except OSError as exc:
            self._writer.cancel()
            raise ArchiveError(f"cannot write the index: {exc.strerror or exc}") from None

    def cancel(self) -> None:
        self._writer.cancel()


class WhooshEngine:
    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._searcher = None
        self._facets = search.FacetColumns()
        self._ix = self._open(create)
        self._parser = queries.make_parser(self._ix.schema)

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
        self._facets = search.FacetColumns()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    # ------------------------------------------------------------ writing

    def writer(self, lock_timeout: float) -> WhooshWriter:
        return WhooshWriter(self._ix, lock_timeout)

    def fingerprints(self) -> dict[str, str]:
        """id -> content fingerprint of every article in the index, read from two columns."""
        known: dict[str, str] = {}
        with self._ix.reader() as reader:
            for leaf, _offset in reader.leaf_readers():
                if not leaf.doc_count_all():
                    continue
                ids = leaf.column_reader("id", translate=True)
                prints = leaf.column_reader("fingerprint", translate=True)
                for docnum in range(leaf.doc_count_all()):
                    if not leaf.is_deleted(docnum):
                        known[ids[docnum]] = prints[docnum]
        return known

    # ------------------------------------------------------------ reading

    def _current_searcher(self):
        with self._lock:
            if self._searcher is None:
                self._searcher = self._ix.searcher()
            elif not self._searcher.up_to_date():
                if self._searcher.doc_count_all():
                    self._searcher = self._searcher.refresh()  # reuses unchanged segments
                else:  # Whoosh's refresh() fails on a searcher opened on an empty index
                    self._searcher.close()
                    self._searcher = self._ix.searcher()
            return self._searcher

    def _filter(self, options: SearchOptions, without: str | None = None) -> wq.Query | None:
        """The date range and field filters of a search (leaving out field `without`'s filter)."""
        chosen = {k: v for k, v in options.filters.items() if k != without}
        filters = [f for f in (queries.date_filter(options.date_from, options.date_to),
                               queries.field_filter(self._ix.schema, chosen)) if f is not None]
        return wq.And(filters) if filters else None

    def _matches(self, options: SearchOptions):
        """The searcher, the parsed query, its filter and the set of matching document numbers."""
        searcher = self._current_searcher()
        q = queries.parse_query(self._parser, options.query)
        filter_q = self._filter(options)
        matched = wq.And([q, filter_q]) if filter_q is not None else q
        return searcher, q, filter_q, set(searcher.docs_for_query(matched))

    def search(self, options: SearchOptions) -> SearchResult:
        searcher = self._current_searcher()
        q = queries.parse_query(self._parser, options.query)
        filter_q = self._filter(options)
        # Multi-select facets: a faceted field that is also filtered is counted under the other
        # filters only, so its other values stay visible.
        facet_filters = {name: self._filter(options, without=name)
                         for name in options.facets if name in options.filters}
        total, hits, facets = search.run(
            searcher, q, filter_q=filter_q, facets=options.facets, facet_columns=self._facets,
            sort=options.sort, limit=options.limit, page=options.page, facet_top=options.facet_top,
            snippets=options.snippets, facet_filters=facet_filters, collapse=options.collapse)
        return SearchResult(query=options.query, total=total, page=options.page, limit=options.limit,
                            hits=hits, facets=facets, collapsed=options.collapse,
                            suggestion=self._suggestion(searcher, q, filter_q, options.query))

    def _suggestion(self, searcher, q, filter_q, text: str) -> str | None:
        def count(query_):
            return sum(1 for _ in searcher.docs_for_query(wq.And([query_, filter_q]) if filter_q else query_))

        found = count(q)
        if found >= SUGGEST_BELOW:
            return None
        corrected = search.suggest(searcher, q, text)
        if corrected is None:
            return None
        try:
            better = count(queries.parse_query(self._parser, corrected))
        except QueryError:
            return None
        return corrected if better > found else None

    def timeline(self, options: SearchOptions, by: str) -> Timeline:
        searcher, _q, _f, docset = self._matches(options)
        buckets, undated = search.timeline(searcher, docset, self._facets, by)
        return Timeline(query=options.query, by=by, buckets=buckets, undated=undated)

    def related(self, options: SearchOptions, field: str, top: int) -> Related:
        searcher, _q, _f, docset = self._matches(options)
        entities = search.related(searcher, docset, self._facets, field, top)
        return Related(query=options.query, field=field, total=len(docset),
                       documents=searcher.doc_count(), entities=entities)

    def similar(self, article_id: str, options: SearchOptions) -> SearchResult | None:
        """Articles like `article_id` (itself excluded), or None if there is no such article."""
        searcher = self._current_searcher()
        article = self.get(article_id)
        if article is None:
            return None
        q = search.more_like_query(searcher, article)
        hits, total = [], 0
        if q is not None:
            not_itself = wq.Not(wq.Term("id", article_id))
            filter_q = self._filter(options)
            filter_q = wq.And([not_itself, filter_q]) if filter_q is not None else not_itself
            total, hits, _facets = search.run(
                searcher, q, filter_q=filter_q, facets=(), facet_columns=self._facets,
                sort="relevance", limit=options.limit, page=options.page, snippets=options.snippets)
        return SearchResult(query=article_id, total=total, page=options.page, limit=options.limit,
                            hits=hits)

    def export(self, options: SearchOptions):
        """Every matching article, oldest first then by id (undated last): a generator."""
        searcher, _q, _f, docset = self._matches(options)
        return search.articles(searcher, search.in_date_order(searcher, docset, self._facets))

    def get(self, article_id: str) -> Article | None:
        fields = self._current_searcher().document(id=article_id)
        return search.stored_to_article(fields) if fields else None

    def stats(self, top: int) -> Stats:
        searcher = self._current_searcher()
        docnums = search.all_docnums(searcher)
        days = self._facets.values(searcher, "date")
        dated = [days[d] for d in docnums if days[d]]
        date_range = (day_from_number(min(dated)), day_from_number(max(dated))) if dated else None
        facets = {name: self._facets.count(searcher, name, docnums, top) for name in FACET_FIELDS}
        return Stats(documents=len(docnums), date_range=date_range, size_bytes=self.size_bytes(),
                     facets=facets)

    def size_bytes(self) -> int:
        total = 0
        for entry in os.scandir(self.path):
            if entry.is_file():
                total += entry.stat().st_size
        return total

