"""The Whoosh engine: one index directory, its writer and a cached searcher.

The `Archive` talks to this class only; everything that knows Whoosh lives here and in `schema`,
`query` and `search`.
"""
from __future__ import annotations

import json
import os
import threading
from datetime import date
from pathlib import Path

from whoosh import index
from whoosh import query as wq
from whoosh.index import EmptyIndexError, LockError

from . import query as queries
from . import search
from .errors import ArchiveError, ArchiveLockedError
from .model import FACET_FIELDS, TAG_FIELDS, Article, SearchOptions, SearchResult, Stats
from .schema import SCHEMA_VERSION, build_schema, day_from_number, day_number

MARKER = "searchkit.json"
# Files that may sit in a folder before it becomes an index (the repository's index/ keeps a README).
_HARMLESS = {"README.md", ".gitkeep", MARKER}


def to_document(article: Article, fingerprint: str) -> dict:
    """An Article as the keyword arguments of `writer.add_document`."""
    doc = {
        "id": article.id,
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
        "mentioned_periods": article.mentioned_periods,
        "extracted": article.extracted,
    }
    months = [day_number(_period_start(p)) for p in article.mentioned_periods if len(p) == 7]
    years = [day_number(_period_start(p)) for p in article.mentioned_periods if len(p) == 4]
    if months:
        doc["mentioned_month"] = months
    if years:
        doc["mentioned_year"] = years
    if article.published:
        doc["date"] = day_number(article.published.date())
    for name in TAG_FIELDS:
        # One comma-joined string is indexed, stored and kept in the facet column (a list would be
        # cut to its first value in the column).
        doc[name] = ",".join(getattr(article, name))
    return {k: v for k, v in doc.items() if v not in (None, "", [], {})}


def _period_start(period: str) -> date:
    """"1987-03" -> 1987-03-01, "1985" -> 1985-01-01."""
    return date(int(period[:4]), int(period[5:7]) if len(period) == 7 else 1, 1)


class WhooshWriter:
    """Adds and replaces articles; nothing is visible to searches until `commit`."""

    def __init__(self, ix: index.Index, lock_timeout: float):
        try:
            self._writer = ix.writer(timeout=lock_timeout, limitmb=256, compound=False)
        except LockError:
            raise ArchiveLockedError(
                f"the index at {ix.storage.folder} is being written by another process "
                f"(waited {lock_timeout:g} s); try again when it has finished") from None

    def add(self, article: Article, fingerprint: str, replace: bool) -> None:
        doc = to_document(article, fingerprint)
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

    def search(self, options: SearchOptions) -> SearchResult:
        searcher = self._current_searcher()
        schema = self._ix.schema
        q = queries.parse_query(self._parser, options.query)
        filters = [f for f in (queries.date_filter(options.date_from, options.date_to),
                               queries.field_filter(schema, options.filters)) if f is not None]
        filter_q = wq.And(filters) if filters else None
        total, hits, facets = search.run(
            searcher, q, filter_q=filter_q, facets=options.facets, facet_columns=self._facets,
            sort=options.sort, limit=options.limit, page=options.page, facet_top=options.facet_top,
            snippets=options.snippets)
        return SearchResult(query=options.query, total=total, page=options.page, limit=options.limit,
                            hits=hits, facets=facets)

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

