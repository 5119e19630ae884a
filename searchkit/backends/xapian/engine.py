"""The Xapian engine: the same archive on remote shards served by `xapian-tcpsrv`.

`Archive` talks to this class exactly as to `WhooshEngine`. What makes results the same:
- analysis: every field is analysed by the Whoosh schema's own analyzers (`schema.build_schema`),
  and each resulting term is fed to Xapian with a field prefix (positions kept for text fields);
- queries: the user's query is parsed by the same Whoosh parser (`query.make_parser`) and the
  resulting tree is translated node by node into a `xapian.Query` (`Translator`), so every word,
  phrase, field and date means the same terms;
- facets: a remote shard cannot run a Python MatchSpy, so each multi-valued tag field keeps its
  k-th value (original spelling) in value slot `base + k`, one `ValueCountMatchSpy` per slot
  (C++, runs on the shards, counts summed); the number of slots in use per field is kept in the
  shards' metadata.
What differs: ranking (Xapian's BM25, not Whoosh's BM25F with the headline boost), ties in ranking,
phrases of 3+ words with a slop (one window for the whole phrase instead of a gap per word pair),
no did-you-mean suggestions and no wire-copy collapsing (see the README).

Modules: `terms` (the layout of a document), `translator` (queries), `writer` (indexing), and
this one (reading).
"""
from __future__ import annotations

import heapq
import json
import threading
from collections import Counter
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from whoosh import query as wq

from ...querylang.plan import Planner
from ...querylang.ranking import Ranking, may_expand, ranking_named, scaled, searched_words
from ..address import ClusterAddress, Server, parse_address
from ..counting import rank_facet
from ..documents import SIMILAR_FIELDS, make_hit, stored_to_article
from ...querylang.snippets import body_snippet, named_words
from .. import DAY, Capabilities, ValueCounts
from ...errors import ArchiveError, QueryError
from ...enrich.dates import month_counts
from ...model import Article, FacetValue, Hit, MatchSummary, Optimized, SearchOptions, SearchResult, Span
from ...schema import ANALYSIS, SCHEMA_VERSION, TEXT_FIELDS, build_schema, day_from_number
from .terms import (DATE_SLOTS, FINGERPRINT_PREFIX, META_ANALYSIS, META_SCHEMA, META_SLOTS, PRESENCE_PREFIX, SLOT_DATE,
                    SORT_SLOTS, field_prefix, id_term, tag_slot, term_for)
from .translator import Translator
from .writer import XapianWriter

T = TypeVar("T")

EXPORT_PAGE = 1000


def _xapian():
    try:
        import xapian  # noqa: PLC0415  (lazy: the Whoosh path never loads it)
    except ImportError:
        raise ArchiveError("a xapian:// cluster needs the Xapian Python bindings: "
                           "pip install 'searchkit[xapian]'") from None
    return xapian


def _hit(data: bytes, score: float | None, words: set[str], analyzer, snippets: bool) -> Hit:
    """A hit from a document's stored data, with the snippet of the Whoosh backend: the two best
    200-character fragments of the body around the searched body words."""
    article = stored_to_article(json.loads(data))
    snippet, spans = "", list[Span]()
    if snippets and article.body and words:
        snippet, spans = body_snippet(article.body, words, analyzer)
    return make_hit(article, score, snippet, spans)


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
        self._planner = Planner(self.schema)
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
        first_error: tuple[Server, Exception] | None = None
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
        assert first_error is not None  # (a shard has at least its primary)
        error = self.shard_error(*first_error)
        hint = "; no replica of it answers either" if shard.replicas else ""
        raise ArchiveError(f"{error}{hint}")

    def _read(self, read: Callable[[Any], T]) -> T:  # (xapian's objects are untyped)
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
        # A cluster indexed before analysis 2 keeps analysis 1 for its queries and new articles.
        analysis = int(db.get_metadata(META_ANALYSIS).decode() or (1 if version else ANALYSIS))
        if analysis != ANALYSIS:
            self.schema = build_schema(analysis)
            self._planner = Planner(self.schema)

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
            either = X(X.OP_FILTER, xq, Translator(self.xapian, db)(spellings))
            exact[key] = self._count(db, either, [])[0]
        return exact

    def _query(self, translate: Translator, q: wq.Query, filter_q: wq.Query | None):
        X = self.xapian.Query
        xq = translate(q)
        if filter_q is not None:
            xq = X(X.OP_FILTER, xq, Translator(self.xapian, translate.db)(filter_q))
        return xq

    def _slots(self, db, fieldname: str) -> list[int]:
        if fieldname == DAY:
            return [SLOT_DATE]
        if fieldname in DATE_SLOTS:
            return [DATE_SLOTS[fieldname]]
        used = db.get_metadata(META_SLOTS + fieldname).decode()
        return [tag_slot(fieldname, k) for k in range(int(used or 0))]

    def _count(self, db, xq, fieldnames) -> tuple[int, dict[str, Counter]]:
        """The exact number of matches of `xq` and, per field, the count of each value (bytes)
        among them."""
        enquire = self.xapian.Enquire(db)
        enquire.set_query(xq)
        spies = {name: [self.xapian.ValueCountMatchSpy(s) for s in self._slots(db, name)]
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
            enquire.set_sort_by_value(SORT_SLOTS[sort], False)
        return enquire

    def search(self, options: SearchOptions) -> SearchResult:
        if options.explain:
            raise QueryError("explaining scores is not available on a xapian:// cluster")
        if options.collapse:
            raise QueryError("collapsing wire copies is not available on a xapian:// cluster "
                             "(wire copies are found in an index folder's wirecopies.sqlite)")
        plan = self._planner.plan(options)
        q, filter_q, facet_filters = plan.query, plan.filter, plan.facet_filters
        analyzer = self.schema["body"].analyzer

        def read(db):
            translate = Translator(self.xapian, db)
            xq = self._query(translate, q, filter_q)
            shared = [n for n in options.facets if n not in facet_filters]
            total, counts = self._count(db, xq, shared)
            undated = 0
            if plan.counts_undated:  # matches without the date limits and without a date
                X = self.xapian.Query
                undated = self._count(db, X(X.OP_AND_NOT, self._query(
                    Translator(self.xapian, db), q, plan.undated_filter), X(PRESENCE_PREFIX + "date")), [])[0]
            for name, own in facet_filters.items():
                counts.update(self._count(db, self._query(Translator(self.xapian, db), q, own), [name])[1])
            hits = []
            start = (options.page - 1) * options.limit
            if total and options.limit and start < total:
                ranked = xq
                if options.sort == "relevance":
                    ranked = self._with_feedback(db, xq, q, ranking_named(options.ranking))
                mset = self._enquire(db, ranked, options.sort).get_mset(start, options.limit)
                score = options.sort == "relevance"
                hits = [_hit(item.document.get_data(), item.weight if score else None,
                             translate.body_words or named_words(q, analyzer), analyzer, options.snippets)
                        for item in mset]
            for name, labels in options.facet_labels.items():
                own = facet_filters[name] if name in facet_filters else filter_q
                counts[name] = self._entity_counts(
                    db, self._query(Translator(self.xapian, db), q, own), name,
                    _decoded(counts[name]), labels, options.facet_top)
            facets = {name: rank_facet(name, counts[name] if name in options.facet_labels
                                       else _decoded(counts[name]), options.facet_top)
                      for name in options.facets}
            return total, hits, facets, undated

        total, hits, facets, undated = self._read(read)
        return SearchResult(query=options.query, total=total, page=options.page, limit=options.limit,
                            hits=hits, facets=facets, undated_left_out=undated)

    def _with_feedback(self, db, xq, q: wq.Query, ranking: Ranking):
        """`xq` ranked as `ranking` says (`querylang.ranking`), with Xapian's own means: the
        first articles as a relevance set, their Bo1 expansion words (`get_eset`, statistics
        from every shard), each in headline and body, scored among the matches (AND_MAYBE: the
        same matches). Unlike on Whoosh every match is re-scored, not only the first."""
        if not ranking.feedback_docs:
            return xq
        X = self.xapian.Query
        enquire = self._enquire(db, xq, "relevance")
        first = enquire.get_mset(0, ranking.feedback_docs)
        if first.size() < 2:
            return xq
        rset = self.xapian.RSet()
        for item in first:
            rset.add_document(item.docid)
        searched = searched_words(q)
        prefix = field_prefix("body")
        enquire.set_expansion_scheme("bo1")
        eset = enquire.get_eset(ranking.feedback_terms + len(searched) + 20, rset,
                                self.xapian.ExpandDeciderFilterPrefix(prefix))
        words = [(item.term.decode()[len(prefix):], item.weight) for item in eset]
        expansion = scaled(ranking, [(w, weight) for w, weight in words if may_expand(w, searched)]
                           [:ranking.feedback_terms], searched)
        if expansion is None:
            return xq
        bonus = [X(X.OP_SCALE_WEIGHT, X(term_for(name, word)), weight)
                 for word, weight in expansion.terms for name in TEXT_FIELDS]
        return X(X.OP_AND_MAYBE, xq, X(X.OP_OR, bonus))

    def _days(self, db, xq) -> Counter:
        """Matches of `xq` per day number (undated ones left out)."""
        _total, counts = self._count(db, xq, [DAY])
        unserialise = self.xapian.sortable_unserialise
        return Counter({int(unserialise(k)): n for k, n in counts[DAY].items()})

    def value_counts(self, options: SearchOptions | None, fields: Sequence[str], *, top: int = 0,
                     complete: bool = False, background: bool = False) -> ValueCounts:
        """`Engine.value_counts` by match spies on the shards (of articles: a cluster keeps no wire
        copies). Every value is given; entities with several spellings are counted exactly when
        they can rank among the `top` (`_entity_counts`)."""
        parsed = self._planner.parse(options) if options is not None else None
        labels = options.facet_labels if options is not None else {}
        unserialise = self.xapian.sortable_unserialise

        def counted(db, xq) -> tuple[int, dict[str, Counter]]:
            total, raw = self._count(db, xq, list(fields))
            counts = {}
            for name in fields:
                if name == DAY:
                    days: Counter = Counter({day_from_number(int(unserialise(k))): n for k, n in raw[name].items()})
                    if total > sum(days.values()):
                        days[None] = total - sum(days.values())
                    counts[name] = days
                elif name in labels:
                    counts[name] = self._entity_counts(db, xq, name, _decoded(raw[name]), labels[name], top)
                else:
                    counts[name] = _decoded(raw[name])
            return total, counts

        def read(db):
            everything = self.xapian.Query.MatchAll
            xq = everything if parsed is None else self._query(Translator(self.xapian, db), *parsed)
            found = ValueCounts(*counted(db, xq))
            if background:
                found.documents, found.background = counted(db, everything)
            return found

        return self._read(read)

    def size_bytes(self) -> None:
        """Not known: each shard's server keeps its own database."""
        return None

    def summary(self, options: SearchOptions, fields: tuple[str, ...], top: int) -> MatchSummary:
        """A batch row's summary; `stories` is None (a cluster keeps no wire copies)."""
        q, filter_q = self._planner.parse(options)

        def read(db):
            xq = self._query(Translator(self.xapian, db), q, filter_q)
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
                facets={name: rank_facet(name, found[name], top) for name in fields},
                months=[FacetValue(period, n) for period, n in month_counts(per_month)])

        return self._read(read)

    def similar(self, article_id: str, options: SearchOptions,
                exclude: Sequence[str] = ()) -> SearchResult | None:
        """More like this: the article's 12 best terms by Xapian's Bo1 expansion weights (as the
        Whoosh backend's key terms) in headline and body, and its people, orgs and places."""
        filter_q = self._planner.filter(options)
        analyzer = self.schema["body"].analyzer
        X = self.xapian.Query

        def read(db):
            docid = _docid(db, article_id)
            if docid is None:
                return None
            article = stored_to_article(json.loads(db.get_document(docid).get_data()))
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
            for name in SIMILAR_FIELDS:
                for value in getattr(article, name):
                    term = term_for(name, value.lower())
                    if db.get_termfreq(term):
                        clauses.append(X(term))
            if not clauses:
                return 0, []
            left_out = [X(id_term(i)) for i in dict.fromkeys((article_id, *exclude))]
            xq = X(X.OP_AND_NOT, X(X.OP_OR, clauses), X(X.OP_OR, left_out))
            if filter_q is not None:
                xq = X(X.OP_FILTER, xq, Translator(self.xapian, db)(filter_q))
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
        q, filter_q = self._planner.parse(options)
        # Checked now (an unknown field or a too wide pattern fails at the call, not later).
        db, xq = self._read(lambda db: (db, self._query(Translator(self.xapian, db), q, filter_q)))
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
                yield stored_to_article(json.loads(data))
            if len(page) < EXPORT_PAGE:
                return
            start += EXPORT_PAGE

    def get(self, article_id: str) -> Article | None:
        def read(db):
            docid = _docid(db, article_id)
            return None if docid is None else db.get_document(docid).get_data()

        data = self._read(read)
        return stored_to_article(json.loads(data)) if data is not None else None

    def generation(self) -> tuple:
        """Changes when any shard is written to (a remote database has no revision number)."""
        return self._read(lambda db: (db.get_doccount(), db.get_lastdocid(), db.get_total_length()))


def _decoded(counts: Counter) -> Counter:
    return Counter({value.decode(): n for value, n in counts.items()})


def _docid(db, article_id: str) -> int | None:
    for item in db.postlist(id_term(article_id)):
        return item.docid
    return None
