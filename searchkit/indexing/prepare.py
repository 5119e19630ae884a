"""Preparing articles for the index: enrichment (`enrich`), checks, the content fingerprint and
the wire-copy signature.

This is pure work on one article at a time, more CPU per news article than a Whoosh indexing
worker spends on it (where an article's CPU goes: benchmarks/RESULTS.md). So an indexing run with
worker processes prepares articles in processes of its own (`Preparers`) while the calling process
reads files and writes the index; results come back in reading order, so everything after this
step sees the same sequence as when preparing in the calling process (`prepare_all`).
"""
from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import pickle
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Iterable, Iterator

from ..errors import ArchiveError
from ..model import Article, Problem
from ..enrich.wirecopies import Signature, text_signature
from .workers import answer_from, close_queues, messages_from, start_worker

MAX_ID_CHARS = 300
# Articles per message to a preparing process, and messages in flight per process: enough to keep
# the processes busy while this one writes, few enough that memory stays small.
CHUNK = 100
AHEAD = 4
# A preparing process runs the cyclic garbage collector once per this many messages (enrichment
# makes almost no reference cycles; see `Archive._write`).
_COLLECT_EVERY = 100


@dataclass
class Prepared:
    """An enriched article ready to index, with its fingerprint and wire-copy signature."""

    article: Article
    fingerprint: str
    signature: Signature | None = None


def problem_with(article: Article, reason: str) -> Problem:
    """A Problem naming where the article came from (`origin` is "path" or "path:record")."""
    record: str | None
    path, sep, record = article.origin.rpartition(":")
    if not sep or not record:
        path, record = article.origin or "(article given to Archive.add)", None
    return Problem(path, reason, record)


def fingerprint(article: Article) -> str:
    """A digest of everything indexed about an article, to tell unchanged articles on a re-run."""
    data = article.to_dict()
    data.pop("origin", None)
    return hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def prepare(item: Article | Problem, signatures: bool, default_date: datetime | None = None) -> Prepared | Problem:
    """The prepared article, or the reason it cannot be indexed (a Problem passes through). An
    article with no date of its own, even after enrichment (a dateline), gets `default_date`."""
    if isinstance(item, Problem):
        return item
    from ..enrich.enrichment import enrich  # noqa: PLC0415  (entity tables load on the first article, not in `search`)
    try:
        article = enrich(item)
    except (TypeError, AttributeError, ValueError) as exc:  # wrong field types from a library user
        return problem_with(item, f"invalid article: {exc}")
    if not article.id:
        return problem_with(article, "article has no id")
    if len(article.id) > MAX_ID_CHARS:
        return problem_with(article, f"id longer than {MAX_ID_CHARS} characters")
    if not (article.headline or article.body):
        return problem_with(article, "empty article: no headline and no body")
    if article.published is None and default_date is not None:
        # Set after enrichment: dates named in the text are read relative to the article's own
        # date only, never to one a user supplied for a whole source.
        article.published = default_date
    signature = text_signature(article.headline, article.body) if signatures else None
    return Prepared(article, fingerprint(article), signature)


def prepare_all(stream: Iterable[Article | Problem], signatures: bool,
                default_date: datetime | None = None) -> Iterator[Prepared | Problem]:
    """`prepare` on each item, in this process."""
    return (prepare(item, signatures, default_date) for item in stream)


def _temporary_table(definition: str) -> sqlite3.Connection:
    """A private temporary SQLite database holding one table: SQLite's own 2 MB of cache, then a
    file that is deleted when it is closed. For what an indexing run must look up by article id
    but would hold in a dict growing with the archive (~190 bytes an article)."""
    db = sqlite3.connect("")  # "": a temporary database of this connection only
    db.execute("PRAGMA journal_mode = OFF")  # never rolled back
    db.execute(definition)
    return db


class SeenIds:
    """The ids an indexing run has read, with where each was first read, to report duplicates."""

    def __init__(self) -> None:
        self._db = _temporary_table("CREATE TABLE seen (id TEXT PRIMARY KEY, origin TEXT) WITHOUT ROWID")

    def first_origin(self, article_id: str, origin: str) -> str | None:
        """None the first time `article_id` is seen (it is remembered with `origin`); after that
        the origin it was first seen with."""
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)",
                            (article_id, origin)).rowcount:
            return None
        return self._db.execute("SELECT origin FROM seen WHERE id = ?", (article_id,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()


class Fingerprints:
    """The content fingerprint of each article an index held when an indexing run started, by
    id, to find the unchanged and the updated articles. A dict of them grew with the archive, at
    the start of every run that adds to a large archive."""

    def __init__(self) -> None:
        self._db = _temporary_table("CREATE TABLE prints (id TEXT PRIMARY KEY, print TEXT) WITHOUT ROWID")
        self._empty = True  # a new archive: no lookups

    def fill(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Holds exactly `pairs` (id, fingerprint): what an earlier fill held is dropped."""
        self._db.execute("DELETE FROM prints")
        self._db.executemany("INSERT OR REPLACE INTO prints VALUES (?, ?)", pairs)
        self._empty = self._db.execute("SELECT 1 FROM prints LIMIT 1").fetchone() is None

    def get(self, article_id: str) -> str | None:
        if self._empty:
            return None
        row = self._db.execute("SELECT print FROM prints WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self._db.close()


def _serve(inbox, outbox, signatures: bool, default_date: datetime | None) -> None:
    """A preparing process: answers each list of items with the list of their `prepare` results
    (or the exception that stopped it), until None or until its caller has died."""
    start_worker()
    gc.disable()
    served = 0
    for items in messages_from(inbox):
        if items is None:
            return
        try:
            outbox.put([prepare(item, signatures, default_date) for item in items])
        except Exception as exc:  # a bug: the caller raises it
            try:
                pickle.dumps(exc)
            except Exception:
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            outbox.put(exc)
        served += 1
        if served % _COLLECT_EVERY == 0:
            gc.collect()


class Preparers:
    """`count` forked processes preparing articles. Fork them before taking the index's write
    lock: a forked child shares the lock's open file (see `segment_workers.SegmentWorkers`)."""

    def __init__(self, count: int, signatures: bool, default_date: datetime | None = None):
        # Each process reads the entity tables itself, on its first article: this one never
        # needs them, nor do the indexing processes forked from it after these.
        ctx = multiprocessing.get_context("fork")  # fork: spawn would re-run the caller's main module
        self._inboxes = [ctx.Queue() for _ in range(count)]
        self._outboxes = [ctx.Queue() for _ in range(count)]
        self._procs = [ctx.Process(target=_serve, daemon=True, args=(inbox, outbox, signatures, default_date))
                       for inbox, outbox in zip(self._inboxes, self._outboxes)]
        for proc in self._procs:
            proc.start()
        self._stopped = False

    def prepare(self, stream: Iterable[Article | Problem]) -> Iterator[Prepared | Problem]:
        """`prepare` on each item, in the processes, yielded in the stream's order: chunk k goes
        to process k % count, whose answers come back in the order it was sent them."""
        items = iter(stream)
        count = len(self._procs)
        sent = received = 0
        while True:
            while sent - received < AHEAD * count:
                chunk = list(islice(items, CHUNK))
                if not chunk:
                    break
                self._inboxes[sent % count].put(chunk)
                sent += 1
            if received == sent:
                return
            answer = self._receive(received % count)
            received += 1
            if isinstance(answer, Exception):
                raise answer
            yield from answer

    def _receive(self, k: int):
        try:
            return answer_from(self._outboxes[k], [self._procs[k]])
        except ChildProcessError:
            raise ArchiveError("a process preparing articles for the index died; the index "
                               "keeps what its last commit held") from None

    def stop(self) -> None:
        """Ends the processes (at once: what they have not answered is not needed)."""
        if self._stopped:
            return
        self._stopped = True
        for proc in self._procs:
            proc.kill()
            proc.join()
        close_queues(self._inboxes + self._outboxes)
