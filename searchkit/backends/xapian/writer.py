"""Indexing into a cluster: articles as Xapian documents (`terms`), fed to each shard from its own
thread.

Writes go to the shard chosen by a stable hash of the article id, inside a transaction per shard
and batch: a batch counts as indexed only after every shard has committed it. An error or an
interrupt cancels the transactions; but if the indexing process dies, the server commits what its
connection had sent (Xapian's server commits on disconnect, measured): whole articles, which a
re-run finds unchanged by their fingerprints.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable

from ..address import Server
from ...errors import ArchiveLockedError
from ...model import Article
from ...schema import SCHEMA_VERSION, DayField, analysis_of, day_from_number
from ..documents import LAST_SECOND, TIME_COLUMN, split_tags, to_document
from ...fields import KEYWORD_FIELDS
from .terms import (FINGERPRINT_PREFIX, MAX_TERM_BYTES, META_ANALYSIS, META_SCHEMA, META_SLOTS, NO_DAY,
                    PRESENCE_PREFIX, SLOT_DATE, SLOT_MONTH, SLOT_NEWEST, SLOT_OLDEST, SLOT_YEAR, day_term,
                    field_prefix, id_term, shard_of, tag_slot)

if TYPE_CHECKING:
    from .engine import XapianEngine

# Documents handed to a shard's sending thread at a time while indexing.
SEND_BATCH = 100


class DocumentBuilder:
    """Article -> xapian.Document with the terms, values and data of `terms` and `engine`'s module doc."""

    def __init__(self, xapian, schema):
        self._xapian = xapian
        self._schema = schema
        self.slots_used: Counter = Counter()  # field -> most values one document had

    def build(self, article: Article, fingerprint: str, cluster: str | None):
        xapian = self._xapian
        fields = to_document(article, fingerprint, cluster)
        doc = xapian.Document()
        doc.set_data(json.dumps(fields, ensure_ascii=False))
        idt = id_term(article.id)
        doc.add_term(idt)
        doc.add_term(PRESENCE_PREFIX + "id")  # on every document: `clear` deletes by it
        day, seconds = fields.get("date"), fields.get(TIME_COLUMN, 0)
        doc.add_value(SLOT_OLDEST, f"{day or NO_DAY:07d}{seconds:05d}\0{article.id}")
        doc.add_value(SLOT_NEWEST, f"{NO_DAY - day if day else NO_DAY:07d}{LAST_SECOND - seconds:05d}\0{article.id}")
        fp = FINGERPRINT_PREFIX + fingerprint + article.id
        doc.add_term(fp if len(fp.encode()) <= MAX_TERM_BYTES else FINGERPRINT_PREFIX + fingerprint + idt)
        for name, value in fields.items():
            if name in ("id", "fingerprint", "cluster"):
                continue
            field = self._schema[name]
            if isinstance(field, DayField):
                self._add_days(doc, name, value)
            elif field.indexed:
                self._add_text(doc, name, field, value)
        for name in KEYWORD_FIELDS:
            values = split_tags(fields.get(name))
            for k, value in enumerate(values):
                doc.add_value(tag_slot(name, k), value)
            if len(values) > self.slots_used[name]:
                self.slots_used[name] = len(values)
        return idt, doc

    def _add_days(self, doc, name: str, value) -> None:
        doc.add_term(PRESENCE_PREFIX + name)
        if name == "date":
            day = day_from_number(value)
            doc.add_value(SLOT_DATE, self._xapian.sortable_serialise(value))
            doc.add_value(SLOT_YEAR, day.strftime("%Y"))
            doc.add_value(SLOT_MONTH, day.strftime("%Y-%m"))
        else:
            for day in value:
                doc.add_term(day_term(name, day))

    @staticmethod
    def _add_text(doc, name: str, field, value: str) -> None:
        prefix = field_prefix(name)
        positions = field.format.supports("positions")
        added = False
        for token in field.analyzer(value, positions=positions, mode="index"):
            term = prefix + token.text
            if len(term.encode()) > MAX_TERM_BYTES:
                continue
            if positions:
                doc.add_posting(term, token.pos + 1)  # Xapian positions start at 1
            else:
                doc.add_term(term)
            added = True
        if added:
            doc.add_term(PRESENCE_PREFIX + name)


class XapianWriter:
    """Feeds each shard from its own thread and connection, one transaction per shard and batch.

    `commit` returns only when every shard has committed; if any fails, the error names the shard
    and the articles of the batch are not reported as indexed (a shard that did commit keeps them,
    and a re-run finds them unchanged)."""

    def __init__(self, engine: "XapianEngine", lock_timeout: float):
        self._engine = engine
        self._xapian = engine.xapian
        self._builder = DocumentBuilder(self._xapian, engine.schema)
        self._servers = [s.primary for s in engine.address.shards]
        self._dbs: list = []
        deadline = time.monotonic() + lock_timeout
        try:
            for server in self._servers:
                self._dbs.append(self._open(server, deadline, lock_timeout))
        except BaseException:
            self._dbs.clear()
            raise
        # One thread per shard: a shard's documents go out in order on its own connection.
        self._pools = [ThreadPoolExecutor(max_workers=1) for _ in self._servers]
        self._pending: list[list] = [[] for _ in self._servers]
        self._futures: list = []
        self._begin()

    def _open(self, server: Server, deadline: float, lock_timeout: float):
        while True:
            try:
                return self._xapian.remote_open_writable(server.host, server.port,
                                                         self._engine.timeout_ms)
            except self._xapian.DatabaseLockError:
                if time.monotonic() >= deadline:
                    raise ArchiveLockedError(
                        f"shard {server} is being written by another process (waited "
                        f"{lock_timeout:g} s); try again when it has finished") from None
                time.sleep(0.2)
            except self._xapian.Error as exc:
                raise self._engine.shard_error(server, exc) from None

    def _on_all(self, action: Callable[[Any], None]) -> None:  # (xapian's objects are untyped)
        """Run `action(db)` on every shard in parallel; the first failure names its shard."""
        futures = [pool.submit(action, db) for pool, db in zip(self._pools, self._dbs)]
        self._wait(futures)

    def _wait(self, futures) -> None:
        error = None
        for server, future in zip(self._servers, futures):
            exc = future.exception()
            if exc is not None and error is None:
                error = (server, exc)
        if error is not None:
            server, exc = error
            if isinstance(exc, self._xapian.Error):
                raise self._engine.shard_error(server, exc)
            raise exc

    def _begin(self) -> None:
        # flushed=True: the transaction's changes become one commit of the shard.
        self._on_all(lambda db: db.begin_transaction(True))

    def add(self, article: Article, fingerprint: str, replace: bool, cluster: str | None = None) -> None:
        # `replace` is not needed: replace_document on the id term adds or replaces.
        n = shard_of(article.id, len(self._servers))
        self._pending[n].append(self._builder.build(article, fingerprint, cluster))
        if len(self._pending[n]) >= SEND_BATCH:
            self._send(n)

    def _send(self, n: int) -> None:
        docs, self._pending[n] = self._pending[n], []
        db = self._dbs[n]

        def write():
            for idt, doc in docs:
                db.replace_document(idt, doc)

        self._futures.append((n, self._pools[n].submit(write)))

    def commit(self) -> None:
        """Commits the batch on every shard; the next batch starts a new transaction."""
        self._commit()
        self._begin()

    def close(self) -> None:
        """Commits what is left and ends the connections (the end of an indexing run)."""
        self._commit()
        self._close()

    def _commit(self) -> None:
        try:
            for n in range(len(self._servers)):
                if self._pending[n]:
                    self._send(n)
            for n, future in self._futures:
                exc = future.exception()
                if exc is not None:
                    raise (self._engine.shard_error(self._servers[n], exc)
                           if isinstance(exc, self._xapian.Error) else exc)
            self._futures = []
            slots = self._builder.slots_used
            analysis = analysis_of(self._engine.schema["body"].analyzer)
            self._on_all(lambda db: self._write_metadata(db, slots, analysis))
            self._on_all(lambda db: db.commit_transaction())
        except BaseException:
            self.cancel()
            raise

    @staticmethod
    def _write_metadata(db, slots: Counter, analysis: int) -> None:
        db.set_metadata(META_SCHEMA, str(SCHEMA_VERSION))
        db.set_metadata(META_ANALYSIS, str(analysis))
        for name, used in slots.items():
            old = db.get_metadata(META_SLOTS + name)
            if not old or int(old) < used:
                db.set_metadata(META_SLOTS + name, str(used))

    def cancel(self) -> None:
        """Drop the batch: each shard's transaction is cancelled (a shard that is gone drops it
        itself when the connection ends)."""
        self._pending = [[] for _ in self._servers]
        for _n, future in self._futures:
            future.exception()  # wait for the thread; its error was or will be reported
        self._futures = []
        for pool, db in zip(self._pools, self._dbs):
            try:
                pool.submit(db.cancel_transaction).result()
            except Exception:  # noqa: BLE001  (a failed shard: nothing more to undo here)
                pass
        self._close()

    def _close(self) -> None:
        for pool in self._pools:
            pool.shutdown()
        self._dbs = []
