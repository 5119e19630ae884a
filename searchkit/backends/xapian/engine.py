"""The Xapian engine: the same archive on remote shards served by `xapian-tcpsrv`.

`Archive` talks to this class exactly as to `WhooshEngine`. What makes results the same:
- analysis: every field is analysed by the Whoosh schema's own analyzers (`schema.build_schema`),
  and each resulting term is fed to Xapian with a field prefix (positions kept for text fields);
- queries: the user's query is parsed by the same Whoosh parser (`query.make_parser`) and the
  resulting tree is translated node by node into a `xapian.Query` (`_Translator`), so every word,
  phrase, field and date means the same terms;
- facets: a remote shard cannot run a Python MatchSpy, so each multi-valued tag field keeps its
  k-th value (original spelling) in value slot `base + k`, one `ValueCountMatchSpy` per slot
  (C++, runs on the shards, counts summed); the number of slots in use per field is kept in the
  shards' metadata.
What differs: ranking (Xapian's BM25, not Whoosh's BM25F with the headline boost), ties in ranking,
phrases of 3+ words with a slop (one window for the whole phrase instead of a gap per word pair),
no did-you-mean suggestions and no wire-copy collapsing (see the README).

Writes go to the shard chosen by a stable hash of the article id, inside a transaction per shard
and batch: a batch counts as indexed only after every shard has committed it. An error or an
interrupt cancels the transactions; but if the indexing process dies, the server commits what its
connection had sent (Xapian's server commits on disconnect, measured): whole articles, which a
re-run finds unchanged by their fingerprints.
"""
from __future__ import annotations

import fnmatch
import hashlib
import heapq
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

from whoosh import highlight
from whoosh import query as wq

from ...querylang import query as queries
from ...querylang.undated import without_date_limits
from ...querylang.tagrank import rank_tag_query
from ..whoosh import search
from ...address import ClusterAddress, Server, parse_address
from ..whoosh.engine import to_document
from ..whoosh.snippets import named_words
from ..whoosh.timeorder import LAST_SECOND, TIME_COLUMN
from .. import Capabilities
from ...errors import ArchiveError, ArchiveLockedError, QueryError
from ...dates import month_counts
from ...model import (FACET_FIELDS, TAG_FIELDS, Article, FacetValue, Hit, MatchSummary, Optimized, Related,
                    SearchOptions, SearchResult, Stats, Timeline)
from ...schema import SCHEMA_VERSION, DayField, build_schema, day_from_number

T = TypeVar("T")

SLOT_DATE = 0  # sortable_serialise(day number); absent when undated
SLOT_YEAR = 2  # "1987": the year facet
SLOT_MONTH = 3  # "1987-03": the month facet
# Sort keys, ascending: date (oldest first / newest first, undated last either way), then the time
# of day, then id (the Whoosh backend's order, `timeorder`). Remote shards cannot run a KeyMaker
# (not even the built-in MultiValueKeyMaker), so each order is one precomputed value. (A cluster
# indexed before the time was part of them sorts its older articles by day and id.)
SLOT_OLDEST = 4
SLOT_NEWEST = 5
_SORT_SLOTS = {"oldest": SLOT_OLDEST, "newest": SLOT_NEWEST}
_NO_DAY = 9_999_999  # sorts after every day number (7 digits)
# Tag facets: the k-th value of field i in slot TAG_SLOT_BASE + i * TAG_SLOTS + k.
FACET_TAGS = (*TAG_FIELDS, "source", "section")
TAG_SLOT_BASE = 100
TAG_SLOTS = 10_000
_DATE_SLOTS = {"year": SLOT_YEAR, "month": SLOT_MONTH}
META_SCHEMA = "searchkit:schema_version"
META_SLOTS = "searchkit:slots:"  # + field: how many of its slots some document uses

# Xapian refuses terms longer than 245 bytes; longer ones are left out (see the README).
MAX_TERM_BYTES = 245
ID_PREFIX = "Q"
PRESENCE_PREFIX = "Z"  # Z<field>: the document has something in <field> (`field:*`)
FINGERPRINT_PREFIX = "F"  # F<40 hex digits><id>: the content fingerprint, read in bulk
# Documents handed to a shard's sending thread at a time while indexing.
SEND_BATCH = 100
EXPORT_PAGE = 1000


def _xapian():
    try:
        import xapian  # noqa: PLC0415  (lazy: the Whoosh path never loads it)
    except ImportError:
        raise ArchiveError("a xapian:// cluster needs the Xapian Python bindings: "
                           "pip install 'searchkit[xapian]'") from None
    return xapian


def field_prefix(fieldname: str) -> str:
    return ID_PREFIX if fieldname == "id" else f"X{fieldname}:"


def term_for(fieldname: str, text: str) -> str:
    if fieldname == "id" and len(text.encode()) > MAX_TERM_BYTES - 1:
        return ID_PREFIX + "#" + hashlib.sha1(text.encode()).hexdigest()
    return field_prefix(fieldname) + text


def id_term(article_id: str) -> str:
    return term_for("id", article_id)


def shard_of(article_id: str, shards: int) -> int:
    """Stable across runs, processes and machines (unlike Python's `hash`)."""
    return int(hashlib.sha1(article_id.encode()).hexdigest()[:8], 16) % shards


def _day_term(fieldname: str, day: int) -> str:
    # Zero-padded so that the terms of a field sort in day order (ranges scan them in order).
    return f"{field_prefix(fieldname)}{day:07d}"


def _tag_slot(fieldname: str, k: int) -> int:
    return TAG_SLOT_BASE + FACET_TAGS.index(fieldname) * TAG_SLOTS + k


class _DocumentBuilder:
    """Article -> xapian.Document with the terms, values and data described in the module doc."""

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
        doc.add_value(SLOT_OLDEST, f"{day or _NO_DAY:07d}{seconds:05d}\0{article.id}")
        doc.add_value(SLOT_NEWEST, f"{_NO_DAY - day if day else _NO_DAY:07d}{LAST_SECOND - seconds:05d}\0{article.id}")
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
        for name in FACET_TAGS:
            values = search._tags(fields.get(name))
            for k, value in enumerate(values):
                doc.add_value(_tag_slot(name, k), value)
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
                doc.add_term(_day_term(name, day))

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


class _Translator:
    """A parsed Whoosh query tree -> xapian.Query against one (combined) database.

    Prefixes and wildcards are expanded against the database's term list with the Whoosh
    backend's limit (`query.MAX_EXPANSION`); the body words searched for are collected for
    snippets."""

    def __init__(self, xapian, db):
        self.x = xapian
        self.db = db
        self.body_words: set[str] = set()

    def __call__(self, node: wq.Query, negated: bool = False):
        X = self.x.Query
        if isinstance(node, queries.UnionOfTerms):
            node = node.child
        if isinstance(node, wq.Term):
            self._note(node.fieldname, [node.text], negated)
            return X(term_for(node.fieldname, node.text))
        if isinstance(node, wq.Phrase):
            self._note(node.fieldname, node.words, negated)
            terms = [X(term_for(node.fieldname, w)) for w in node.words]
            # Whoosh: each next word 1..slop positions after the previous one. Xapian: all words
            # in order within one window; for two words (or slop 1) that is the same condition.
            window = (len(terms) - 1) * max(node.slop, 1) + 1
            return X(self.x.Query.OP_PHRASE, terms, window)
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.TermRange)):
            return self._expand(node, negated)
        if isinstance(node, wq.Every):
            if node.fieldname in (None, "*"):
                return X.MatchAll
            return X(PRESENCE_PREFIX + node.fieldname)
        if isinstance(node, wq.NumericRange):
            return self._numeric_range(node)
        if isinstance(node, wq.Not):
            return X(X.OP_AND_NOT, X.MatchAll, self(node.query, not negated))
        if isinstance(node, wq.AndNot):
            return X(X.OP_AND_NOT, self(node.a, negated), self(node.b, not negated))
        if isinstance(node, wq.AndMaybe):
            return X(X.OP_AND_MAYBE, self(node.a, negated), self(node.b, negated))
        if isinstance(node, wq.Require):
            return X(X.OP_AND, self(node.a, negated), self(node.b, negated))
        if isinstance(node, wq.And):
            positive = [self(c, negated) for c in node.subqueries if not isinstance(c, wq.Not)]
            negative = [self(c.query, not negated) for c in node.subqueries if isinstance(c, wq.Not)]
            q = X(X.OP_AND, positive) if positive else X.MatchAll
            return X(X.OP_AND_NOT, q, X(X.OP_OR, negative)) if negative else q
        if isinstance(node, (wq.Or, wq.DisjunctionMax)):
            return X(X.OP_OR, [self(c, negated) for c in node.subqueries])
        if node is wq.NullQuery or isinstance(node, wq.qcore._NullQuery):
            return X.MatchNothing
        if isinstance(node, wq.WrappingQuery):
            return self(node.child, negated)
        raise QueryError(f"this query form is not available on a xapian:// cluster: {node!r}")

    def _note(self, fieldname: str, words, negated: bool) -> None:
        if fieldname == "body" and not negated:
            self.body_words.update(words)

    def _expand(self, node, negated: bool):
        prefix = field_prefix(node.fieldname)
        if isinstance(node, wq.TermRange):
            def keep(text):
                return ((node.start is None or text > node.start or (text == node.start and not node.startexcl))
                        and (node.end is None or text < node.end or (text == node.end and not node.endexcl)))
            start = ""
        elif isinstance(node, wq.Prefix):
            start, keep = node.text, None
        else:
            pattern = node.text
            start = pattern[:min((pattern.find(c) for c in "*?" if c in pattern), default=len(pattern))]

            def keep(text):
                return fnmatch.fnmatchcase(text, pattern)
        words = []
        limit = queries.MAX_EXPANSION  # the Whoosh backend's limit (`query.check_expansions`)
        for item in self.db.allterms(prefix + start):
            text = item.term.decode()[len(prefix):]
            if keep is None or keep(text):
                words.append(text)
                if len(words) > limit:
                    raise QueryError(f"{node.fieldname}:{queries._pattern(node)} matches more than "
                                     f"{limit} different words; make the pattern more specific")
        self._note(node.fieldname, words, negated)
        X = self.x.Query
        return X(X.OP_OR, [X(prefix + w) for w in words]) if words else X.MatchNothing

    def _numeric_range(self, node: wq.NumericRange):
        X = self.x.Query
        lo = None if node.start is None else node.start + (1 if node.startexcl else 0)
        hi = None if node.end is None else node.end - (1 if node.endexcl else 0)
        if node.fieldname == "date":
            ser = self.x.sortable_serialise
            if lo is None and hi is None:
                return X(PRESENCE_PREFIX + "date")
            if lo is None:
                return X(X.OP_VALUE_LE, SLOT_DATE, ser(hi))
            if hi is None:
                return X(X.OP_VALUE_GE, SLOT_DATE, ser(lo))
            return X(X.OP_VALUE_RANGE, SLOT_DATE, ser(lo), ser(hi))
        # Multi-valued day fields (mentioned, ...): a term per day; the days in the range are
        # read from the term list, which is sorted by day.
        prefix = field_prefix(node.fieldname)
        days = []
        for item in self.db.allterms(prefix):
            day = int(item.term[len(prefix):])
            if (lo is None or day >= lo) and (hi is None or day <= hi):
                days.append(X(item.term))
        return X(X.OP_OR, days) if days else X.MatchNothing


def _hit(data: bytes, score: float | None, words: set[str], analyzer, snippets: bool) -> Hit:
    """A hit from a document's stored data, with the snippet of the Whoosh backend: the two best
    200-character fragments of the body around the searched body words."""
    article = search.stored_to_article(json.loads(data))
    snippet, spans = "", []
    if snippets and article.body and words:
        snippet, spans = highlight.highlight(
            article.body, words, analyzer, highlight.ContextFragmenter(maxchars=200, surround=60),
            search.SnippetFormatter(), top=2, mode="index")
    return search.make_hit(article, score, snippet, spans)


class XapianWriter:
    """Feeds each shard from its own thread and connection, one transaction per shard and batch.

    `commit` returns only when every shard has committed; if any fails, the error names the shard
    and the articles of the batch are not reported as indexed (a shard that did commit keeps them,
    and a re-run finds them unchanged)."""

    def __init__(self, engine: "XapianEngine", lock_timeout: float):
        self._engine = engine
        self._xapian = engine.xapian
        self._builder = _DocumentBuilder(self._xapian, engine.schema)
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

    def _on_all(self, action: Callable[[object], None]) -> None:
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
            self._on_all(lambda db: self._write_metadata(db, slots))
            self._on_all(lambda db: db.commit_transaction())
        except BaseException:
            self.cancel()
            raise

    @staticmethod
    def _write_metadata(db, slots: Counter) -> None:
        db.set_metadata(META_SCHEMA, str(SCHEMA_VERSION))
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


class XapianEngine:
    """An archive on the shards of `address` (see `cluster.parse_address`). A cluster always
    exists once its servers run, so there is nothing to create."""

    capabilities = Capabilities(wire_copies=False, did_you_mean=False, size=False)

    def __init__(self, address: str, lock_timeout: float = 30.0):
        self.xapian = _xapian()
        self.address: ClusterAddress = parse_address(address)
        self.path = address
        self.timeout_ms = int(self.address.timeout * 1000)
        self.lock_timeout = lock_timeout
        self.schema = build_schema()
        self._parser = queries.make_parser(self.schema)
        # The server currently read from for each shard: its primary until it fails over.
        self._serving = [s.primary for s in self.address.shards]
        self._local = threading.local()  # xapian objects are not thread-safe: a database per thread
        self._read(self._check_schema)

    def shard_error(self, server: Server, exc: Exception) -> ArchiveError:
        if isinstance(exc, self.xapian.NetworkTimeoutError):
            kind = f"did not answer within {self.address.timeout:g} s"
        elif isinstance(exc, self.xapian.NetworkError):
            kind = "is down or unreachable"
        else:
            kind = "failed"
        msg = exc.get_msg() if isinstance(exc, self.xapian.Error) else str(exc)
        return ArchiveError(f"shard {server} {kind}: {msg}")

    # ------------------------------------------------------------ connections

    def _connect(self, server: Server):
        return self.xapian.remote_open(server.host, server.port, self.timeout_ms)

    def _database(self, renew: bool = False):
        db = getattr(self._local, "db", None)
        if db is not None and not renew:
            db.reopen()  # see the latest commit of every shard
            return db
        db = self.xapian.Database()
        for n, server in enumerate(self._serving):
            try:
                db.add_database(self._connect(server))
            except self.xapian.Error:
                db.add_database(self._fail_over(n))
        self._local.db = db
        return db

    def _fail_over(self, n: int):
        """A connection to a live server of shard `n`: its current one, else a replica."""
        shard = self.address.shards[n]
        first_error = None
        # Each server once (a hung one costs a timeout): the current one first.
        for server in dict.fromkeys((self._serving[n], shard.primary, *shard.replicas)):
            try:
                sub = self._connect(server)
                sub.get_doccount()
            except self.xapian.Error as exc:
                first_error = first_error or (server, exc)
                continue
            self._serving[n] = server
            return sub
        server, exc = first_error
        error = self.shard_error(server, exc)
        hint = "; no replica of it answers either" if shard.replicas else ""
        raise ArchiveError(f"{error}{hint}")

    def _read(self, read: Callable[[object], T]) -> T:
        """Run `read(db)` on the combined database. A query that fails because a shard is gone
        leaves that Database object broken: find the failed shard, move to a replica if it has
        one, and run it once more on a new Database."""
        try:
            return read(self._database())
        except self.xapian.DatabaseModifiedError:
            pass  # a commit replaced what was being read: read the new one
        except self.xapian.NetworkError:
            self._local.db = None
            for n in range(len(self._serving)):
                self._fail_over(n)  # raises, naming the shard, if one has no live server
        except self.xapian.Error as exc:
            raise ArchiveError(f"the cluster failed: {exc.get_msg()}") from None
        try:
            return read(self._database(renew=True))
        except self.xapian.Error as exc:
            self._local.db = None
            raise ArchiveError(f"the cluster failed: {exc.get_msg()}") from None

    def _check_schema(self, db) -> None:
        version = db.get_metadata(META_SCHEMA).decode()
        if version and version != str(SCHEMA_VERSION):
            raise ArchiveError(
                f"the cluster {self.path} was built by another version of searchkit (schema "
                f"{version}, this is {SCHEMA_VERSION}); rebuild it with `searchkit index --rebuild`")

    # ------------------------------------------------------------ writing

    def writer(self, lock_timeout: float, procs: int = 0, segment_size: int = 0) -> XapianWriter:
        """One writer for a whole indexing run (`procs` and `segment_size` concern the Whoosh
        engine's segment-writing processes: here the shards do the work, each fed by a thread)."""
        return XapianWriter(self, lock_timeout)

    def stop_workers(self) -> None:
        """Nothing to stop: a cluster's writer has no worker processes."""

    def optimize(self, lock_timeout: float) -> Optimized:
        raise QueryError("optimize is not available on a xapian:// cluster: each shard's server "
                         "manages its own database (stop it, then run xapian-compact on its folder)")

    def read_fingerprints(self, fill: Callable[[Iterable[tuple[str, str]]], None]) -> None:
        """Gives `fill` the (id, content fingerprint) of every article (again, from the start,
        if a shard failed over meanwhile)."""
        self._read(lambda db: fill((term[41:], term[1:41]) for term in (
            item.term.decode() for item in db.allterms(FINGERPRINT_PREFIX))))

    def clear(self) -> None:
        """Delete every article on every shard (`--rebuild`)."""
        writer = XapianWriter(self, self.lock_timeout)
        writer._on_all(lambda db: db.delete_document(PRESENCE_PREFIX + "id"))
        writer.commit()

    def close(self) -> None:
        self._local = threading.local()

    # ------------------------------------------------------------ reading

    def _filter(self, options: SearchOptions, without: str | None = None) -> wq.Query | None:
        chosen = {k: v for k, v in options.filters.items() if k != without}
        filters = [f for f in (queries.date_filter(options.date_from, options.date_to),
                               queries.field_filter(self.schema, chosen, options.tagged),
                               queries.ids_filter(options.only_ids)) if f is not None]
        return wq.And(filters) if filters else None

    def _parse(self, options: SearchOptions) -> tuple[wq.Query, wq.Query | None]:
        q = rank_tag_query(queries.parse_query(self._parser, options.query, options.tagged), self.schema)
        if options.tag_spellings:
            q = queries.with_spellings(q, options.tag_spellings)
        return q, self._filter(options)

    def _entity_counts(self, db, xq, fieldname: str, counts: Counter,
                       labels: Callable[[tuple], tuple], top: int) -> Counter:
        """A facet's value counts as entity counts (`SearchOptions.facet_labels`). The value
        counts of Xapian's match spy cannot tell an article with two spellings of one entity, so
        an entity with several spellings among the matches, and able to rank in the `top`, is
        counted exactly by a query for any of its spellings."""
        groups: dict[str, list[tuple[str, int]]] = {}
        for value, n in counts.items():
            for key in labels((value,)):
                groups.setdefault(key, []).append((value, n))
        lowest = [max(n for _, n in group) for group in groups.values()]  # each <= the exact count
        threshold = heapq.nlargest(top, lowest)[-1] if top and len(lowest) > top else 0
        exact: Counter = Counter()
        X = self.xapian.Query
        for key, group in groups.items():
            most = sum(n for _, n in group)
            if len(group) == 1 or most < threshold:
                exact[key] = most
                continue
            spellings = wq.Or([wq.Term(fieldname, value.lower()) for value, _ in group])
            either = X(X.OP_FILTER, xq, _Translator(self.xapian, db)(spellings))
            exact[key] = self._count(db, either, [])[0]
        return exact

    def _query(self, translate: _Translator, q: wq.Query, filter_q: wq.Query | None):
        X = self.xapian.Query
        xq = translate(q)
        if filter_q is not None:
            xq = X(X.OP_FILTER, xq, _Translator(self.xapian, translate.db)(filter_q))
        return xq

    def _slots(self, db, fieldname: str) -> list[int]:
        if fieldname in _DATE_SLOTS:
            return [_DATE_SLOTS[fieldname]]
        used = db.get_metadata(META_SLOTS + fieldname).decode()
        return [_tag_slot(fieldname, k) for k in range(int(used or 0))]

    def _count(self, db, xq, fieldnames, slot_of=None) -> tuple[int, dict[str, Counter]]:
        """The exact number of matches of `xq` and, per field, the count of each value (bytes)
        among them."""
        enquire = self.xapian.Enquire(db)
        enquire.set_query(xq)
        spies = {name: [self.xapian.ValueCountMatchSpy(s) for s in (slot_of or self._slots)(db, name)]
                 for name in fieldnames}
        for group in spies.values():
            for spy in group:
                enquire.add_matchspy(spy)
        mset = enquire.get_mset(0, 0, db.get_doccount())
        counts = {}
        for name, group in spies.items():
            counter: Counter = Counter()
            for spy in group:
                for item in spy.values():
                    counter[item.term] += item.termfreq
            counts[name] = counter
        return mset.get_matches_estimated(), counts

    def _enquire(self, db, xq, sort: str):
        enquire = self.xapian.Enquire(db)
        enquire.set_query(xq)
        if sort != "relevance":
            enquire.set_sort_by_value(_SORT_SLOTS[sort], False)
        return enquire

    def search(self, options: SearchOptions) -> SearchResult:
        if options.explain:
            raise QueryError("explaining scores is not available on a xapian:// cluster")
        if options.collapse:
            raise QueryError("collapsing wire copies is not available on a xapian:// cluster "
                             "(wire copies are found in an index folder's wirecopies.sqlite)")
        q, filter_q = self._parse(options)
        facet_filters = {name: self._filter(options, without=name)
                         for name in options.facets if name in options.filters}
        analyzer = self.schema["body"].analyzer
        dateless = without_date_limits(options)

        def read(db):
            translate = _Translator(self.xapian, db)
            xq = self._query(translate, q, filter_q)
            shared = [n for n in options.facets if n not in facet_filters]
            total, counts = self._count(db, xq, shared)
            undated = 0
            if dateless is not None:  # matches without the date limits and without a date
                X = self.xapian.Query
                undated = self._count(db, X(X.OP_AND_NOT, self._query(
                    _Translator(self.xapian, db), q, self._filter(dateless)), X(PRESENCE_PREFIX + "date")), [])[0]
            for name, own in facet_filters.items():
                counts.update(self._count(db, self._query(_Translator(self.xapian, db), q, own), [name])[1])
            hits = []
            start = (options.page - 1) * options.limit
            if total and options.limit and start < total:
                mset = self._enquire(db, xq, options.sort).get_mset(start, options.limit)
                score = options.sort == "relevance"
                hits = [_hit(item.document.get_data(), item.weight if score else None,
                             translate.body_words or named_words(q, analyzer), analyzer, options.snippets)
                        for item in mset]
            for name, labels in options.facet_labels.items():
                own = facet_filters[name] if name in facet_filters else filter_q
                counts[name] = self._entity_counts(
                    db, self._query(_Translator(self.xapian, db), q, own), name,
                    _decoded(counts[name]), labels, options.facet_top)
            facets = {name: search.rank_facet(name, counts[name] if name in options.facet_labels
                                              else _decoded(counts[name]), options.facet_top)
                      for name in options.facets}
            return total, hits, facets, undated

        total, hits, facets, undated = self._read(read)
        return SearchResult(query=options.query, total=total, page=options.page, limit=options.limit,
                            hits=hits, facets=facets, undated_left_out=undated)

    def _days(self, db, xq) -> Counter:
        """Matches of `xq` per day number (undated ones left out)."""
        _total, counts = self._count(db, xq, ["date"], slot_of=lambda _db, _name: [SLOT_DATE])
        unserialise = self.xapian.sortable_unserialise
        return Counter({int(unserialise(k)): n for k, n in counts["date"].items()})

    def timeline(self, options: SearchOptions, by: str) -> Timeline:
        q, filter_q = self._parse(options)

        def read(db):
            xq = self._query(_Translator(self.xapian, db), q, filter_q)
            total, _ = self._count(db, xq, [])
            matched = self._days(db, xq)
            everything = self._days(db, self.xapian.Query.MatchAll)
            return search.timeline_buckets(matched, everything, by), total - sum(matched.values())

        buckets, undated = self._read(read)
        return Timeline(query=options.query, by=by, buckets=buckets, undated=undated)

    def related(self, options: SearchOptions, field: str, top: int) -> Related:
        q, filter_q = self._parse(options)

        def read(db):
            xq = self._query(_Translator(self.xapian, db), q, filter_q)
            total, counts = self._count(db, xq, [field])
            documents, background = self._count(db, self.xapian.Query.MatchAll, [field])
            found, everywhere = _decoded(counts[field]), _decoded(background[field])
            labels = options.facet_labels.get(field)
            if labels is not None:  # as entities (exact for the `top` most frequent: `_entity_counts`)
                found = self._entity_counts(db, xq, field, found, labels, top)
                everywhere = self._entity_counts(db, self.xapian.Query.MatchAll, field, everywhere, labels, top)
            entities = search.related_entities(found, everywhere, total, documents, top)
            return Related(query=options.query, field=field, total=total, documents=documents,
                           entities=entities)

        return self._read(read)

    def summary(self, options: SearchOptions, fields: tuple[str, ...], top: int) -> MatchSummary:
        """A batch row's summary; `stories` is None (a cluster keeps no wire copies)."""
        q, filter_q = self._parse(options)

        def read(db):
            xq = self._query(_Translator(self.xapian, db), q, filter_q)
            total, counts = self._count(db, xq, list(fields))
            found = {name: self._entity_counts(db, xq, name, _decoded(counts[name]),
                                               options.facet_labels[name], top)
                     if name in options.facet_labels else _decoded(counts[name]) for name in fields}
            per_day = {day_from_number(d): n for d, n in self._days(db, xq).items()}
            per_month: Counter = Counter()
            for day, n in per_day.items():
                per_month[day.year, day.month] += n
            return MatchSummary(
                total=total, stories=None, first=min(per_day) if per_day else None,
                last=max(per_day) if per_day else None,
                facets={name: search.rank_facet(name, found[name], top) for name in fields},
                months=[FacetValue(period, n) for period, n in month_counts(per_month)])

        return self._read(read)

    def similar(self, article_id: str, options: SearchOptions,
                exclude: Sequence[str] = ()) -> SearchResult | None:
        """More like this: the article's 12 best terms by Xapian's Bo1 expansion weights (as the
        Whoosh backend's key terms) in headline and body, and its people, orgs and places."""
        filter_q = self._filter(options)
        analyzer = self.schema["body"].analyzer
        X = self.xapian.Query

        def read(db):
            docid = _docid(db, article_id)
            if docid is None:
                return None
            article = search.stored_to_article(json.loads(db.get_document(docid).get_data()))
            rset = self.xapian.RSet()
            rset.add_document(docid)
            enquire = self.xapian.Enquire(db)
            enquire.set_expansion_scheme("bo1")
            eset = enquire.get_eset(12, rset, self.xapian.ExpandDeciderFilterPrefix(field_prefix("body")))
            clauses = []
            words = set()
            for item in eset:
                word = item.term.decode()[len(field_prefix("body")):]
                words.add(word)
                for name in ("body", "headline"):
                    clauses.append(X(X.OP_SCALE_WEIGHT, X(term_for(name, word)), item.weight))
            for name in search.ENTITY_FIELDS:
                for value in getattr(article, name):
                    term = term_for(name, value.lower())
                    if db.get_termfreq(term):
                        clauses.append(X(term))
            if not clauses:
                return 0, []
            left_out = [X(id_term(i)) for i in dict.fromkeys((article_id, *exclude))]
            xq = X(X.OP_AND_NOT, X(X.OP_OR, clauses), X(X.OP_OR, left_out))
            if filter_q is not None:
                xq = X(X.OP_FILTER, xq, _Translator(self.xapian, db)(filter_q))
            total, _ = self._count(db, xq, [])
            mset = self._enquire(db, xq, "relevance").get_mset(
                (options.page - 1) * options.limit, options.limit)
            return total, [_hit(item.document.get_data(), item.weight, words, analyzer, options.snippets)
                           for item in mset]

        found = self._read(read)
        if found is None:
            return None
        total, hits = found
        return SearchResult(query=article_id, total=total, page=options.page, limit=options.limit,
                            hits=hits)

    def export(self, options: SearchOptions) -> Iterator[Article]:
        """Every matching article, oldest first then by id (undated last), a page at a time."""
        q, filter_q = self._parse(options)
        # Checked now (an unknown field or a too wide pattern fails at the call, not later).
        db, xq = self._read(lambda db: (db, self._query(_Translator(self.xapian, db), q, filter_q)))
        return self._export_pages(db, xq)

    def _export_pages(self, db, xq) -> Iterator[Article]:
        enquire = self._enquire(db, xq, "oldest")
        start = 0
        while True:
            try:
                mset = enquire.get_mset(start, EXPORT_PAGE)
                page = [item.document.get_data() for item in mset]
            except self.xapian.Error as exc:
                raise ArchiveError(f"the cluster failed during the export: {exc.get_msg()}") from None
            for data in page:
                yield search.stored_to_article(json.loads(data))
            if len(page) < EXPORT_PAGE:
                return
            start += EXPORT_PAGE

    def get(self, article_id: str) -> Article | None:
        def read(db):
            docid = _docid(db, article_id)
            return None if docid is None else db.get_document(docid).get_data()

        data = self._read(read)
        return search.stored_to_article(json.loads(data)) if data is not None else None

    def generation(self) -> tuple:
        """Changes when any shard is written to (a remote database has no revision number)."""
        return self._read(lambda db: (db.get_doccount(), db.get_lastdocid(), db.get_total_length()))

    def stats(self, top: int) -> Stats:
        def read(db):
            documents, counts = self._count(db, self.xapian.Query.MatchAll, FACET_FIELDS)
            date_range = None
            lo, hi = db.get_value_lower_bound(SLOT_DATE), db.get_value_upper_bound(SLOT_DATE)
            if lo and hi:
                unserialise = self.xapian.sortable_unserialise
                date_range = (day_from_number(int(unserialise(lo))), day_from_number(int(unserialise(hi))))
            facets = {name: search.rank_facet(name, _decoded(counts[name]), top) for name in FACET_FIELDS}
            return Stats(documents=documents, date_range=date_range, size_bytes=None, facets=facets)

        return self._read(read)


def _decoded(counts: Counter) -> Counter:
    return Counter({value.decode(): n for value, n in counts.items()})


def _docid(db, article_id: str) -> int | None:
    for item in db.postlist(id_term(article_id)):
        return item.docid
    return None
