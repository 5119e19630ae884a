"""Running a query on a Whoosh searcher: exact totals, sorting, paging, facets and snippets."""
from __future__ import annotations

import heapq
import math
import re
import threading
from collections import Counter
from itertools import chain
from datetime import date, datetime, timedelta
from typing import Iterable, Iterator

from whoosh import highlight, query, sorting
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, wrappers
from whoosh.reading import TermNotFound
from whoosh.searching import Results, Searcher
from whoosh.support.levenshtein import distance

from .model import Article, FacetValue, Hit, RelatedEntity, Span, TimelineBucket
from .schema import day_from_number

SORTS = ("relevance", "newest", "oldest")


# ------------------------------------------------------------ the set of matching documents

def _matcher_ids(m) -> set[int]:
    """The document numbers a fresh matcher would yield from all_ids(), as a set.

    Whoosh walks unions and intersections one posting at a time in Python (`id()`, `next()` on
    every level: a two-field word query calls ~6 methods per match); set operations on the leaves'
    posting blocks give the same set several times faster. Matchers not known here (phrases,
    NOT, ...) fall back to their own all_ids().
    """
    t = type(m)
    if t is binary.UnionMatcher or t is binary.DisjunctionMaxMatcher:
        return _matcher_ids(m.a) | _matcher_ids(m.b)
    if t is binary.IntersectionMatcher:
        a = _matcher_ids(m.a)
        return a & _matcher_ids(m.b) if a else a
    if t is binary.AndNotMatcher:
        # Also a fix: Whoosh's own all_ids() here yields the positive side's first document without
        # checking it when the negative side starts on an earlier document (`_find_first`).
        a = _matcher_ids(m.a)
        return a - _matcher_ids(m.b) if a else a
    if t is binary.AndMaybeMatcher:
        return _matcher_ids(m.a)
    if t is wrappers.FilterMatcher:
        ids = _matcher_ids(m.child)
        return ids - m._ids if m._exclude else ids & m._ids
    if t is wrappers.ConstantScoreWrapperMatcher:
        return _matcher_ids(m.child)
    if t is W3LeafMatcher:
        out: set[int] = set()
        while m.is_active():  # one posting block at a time
            if m._ids is None:
                m._read_ids()
            out.update(m._ids[m._i:m._blocklength])
            m._i = m._blocklength
            m._next_block()
        return out
    return set(m.all_ids())


def _walk(q: query.Query):
    yield q
    for child in q.children():
        yield from _walk(child)


def matching_docs(searcher: Searcher, q: query.Query) -> set[int]:
    """Global document numbers matching `q`: the same set as `set(searcher.docs_for_query(q))`."""
    if type(q).docs is not query.Query.docs:  # a query with its own way (Every, ...)
        return set(searcher.docs_for_query(q))
    leaves = searcher.subsearchers or [(searcher, 0)]
    out: set[int] = set()
    for sub, offset in leaves:
        try:
            ids = _matcher_ids(q.matcher(sub, sub.boolean_context()))
        except TermNotFound:
            continue
        out.update(ids if not offset else [d + offset for d in ids])
    return out
_NO_DATE_LAST = 2 ** 32  # sort key of an undated article when sorting oldest first


def _tags(value: str | None) -> list[str]:
    """Tag values as indexed, stored and kept in the column: one comma-joined string."""
    return [v for v in value.split(",") if v] if value else []


_DATE_FACETS = {"year": "%Y", "month": "%Y-%m"}
# Columns read as whole strings (never split at commas).
_RAW_COLUMNS = ("id", "cluster")


class FacetColumns:
    """Per-document facet values, read once per segment from the index's columns and kept.

    Whoosh's `groupedby` rebuilds a document -> values map from all postings on every query; reading
    the sortable column once per segment and counting over the matched documents is ~10x cheaper.
    """

    def __init__(self) -> None:
        self._segments: dict[tuple[str, str], list] = {}
        self._global: dict[tuple[str, tuple], list] = {}
        self._lock = threading.Lock()  # searches from several threads share the cache

    def values(self, searcher: Searcher, column: str) -> list:
        """A list indexed by global document number: a tuple of tag values, for the `date`
        column the day number (0 when undated), for `id` and `cluster` the string."""
        # An empty index has one leaf without a segment (and without columns).
        leaves = [r for r, _ in searcher.reader().leaf_readers() if r.segment() is not None]
        segment_ids = tuple(r.segment().segment_id() for r in leaves)
        key = (column, segment_ids)
        with self._lock:
            if key not in self._global:
                # Forget what belonged to segments that merges have since removed.
                self._segments = {k: v for k, v in self._segments.items() if k[0] in segment_ids}
                self._global = {k: v for k, v in self._global.items() if k[1] == segment_ids}
                self._global[key] = [v for reader in leaves
                                     for v in self._segment_values(reader, column)]
            return self._global[key]

    def retain(self, segment_ids: tuple) -> None:
        """Forget the values of segments other than these (merged away since)."""
        with self._lock:
            self._segments = {k: v for k, v in self._segments.items() if k[0] in segment_ids}
            self._global = {k: v for k, v in self._global.items() if k[1] == segment_ids}

    def segment_values(self, reader, column: str) -> list:
        """The values of one segment (a leaf reader), indexed by its own document numbers."""
        with self._lock:
            return self._segment_values(reader, column)

    def segment_day_order(self, reader, column: str = "date") -> tuple[list, list]:
        """A segment's days in ascending order and the document numbers in that order (a range of
        days is then two bisections)."""
        key = (reader.segment().segment_id(), column + "/order")
        with self._lock:
            if key not in self._segments:
                days = self._segment_values(reader, column)
                order = sorted(range(len(days)), key=days.__getitem__)
                self._segments[key] = ([days[d] for d in order], order)
            return self._segments[key]

    def _segment_values(self, reader, column: str) -> list:
        key = (reader.segment().segment_id(), column)
        if key not in self._segments:
            raw = reader.column_reader(column, translate=True)
            if column == "date":
                self._segments[key] = [day if day > 0 else 0 for day in raw]
            elif column in _RAW_COLUMNS:
                self._segments[key] = list(raw)
            else:
                self._segments[key] = [tuple(_tags(value)) for value in raw]
        return self._segments[key]

    def count(self, searcher: Searcher, fieldname: str, docnums: Iterable[int], top: int) -> list[FacetValue]:
        counts: Counter = Counter()
        if fieldname in _DATE_FACETS:
            days = self.values(searcher, "date")
            fmt = _DATE_FACETS[fieldname]
            for day, n in Counter(map(days.__getitem__, docnums)).items():
                if day:
                    counts[day_from_number(day).strftime(fmt)] += n
        else:
            values = self.values(searcher, fieldname)
            # One C-level pass (map/chain/Counter) instead of a Counter.update call per document.
            counts = Counter(chain.from_iterable(map(values.__getitem__, docnums)))
        return rank_facet(fieldname, counts, top)


def rank_facet(fieldname: str, counts: Counter, top: int) -> list[FacetValue]:
    """The `top` values by count (ties alphabetical); year and month facets then in time order."""
    # Ties: alphabetical regardless of case, then by exact spelling (so the order never depends
    # on the order values were counted in).
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold(), kv[0]))[:top or None]
    if fieldname in _DATE_FACETS:
        ranked.sort()  # periods read best in time order
    return [FacetValue(v, n) for v, n in ranked]


class SnippetFormatter(highlight.Formatter):
    """Returns (text, [Span]) instead of markup, so each output format can render highlights."""

    between = " … "

    def format(self, fragments, replace=False):
        text_parts: list[str] = []
        spans: list[Span] = []
        length = 0
        for i, fragment in enumerate(fragments):
            if i:
                text_parts.append(self.between)
                length += len(self.between)
            source = fragment.text
            index = fragment.startchar
            for t in sorted(fragment.matches, key=lambda tok: (tok.startchar, -tok.endchar)):
                if t.startchar is None or t.startchar < index:
                    continue
                before = source[index:t.startchar]
                word = source[t.startchar:t.endchar]
                text_parts.append(before)
                length += len(before)
                spans.append(Span(length, length + len(word)))
                text_parts.append(word)
                length += len(word)
                index = t.endchar
            rest = source[index:fragment.endchar]
            text_parts.append(rest)
            length += len(rest)
        return _collapse_whitespace("".join(text_parts), spans)


def _collapse_whitespace(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Collapse runs of whitespace (Reuters bodies are wrapped) while keeping spans aligned."""
    out: list[str] = []
    mapping: list[int] = []  # old index -> new index
    prev_space = False
    for ch in text:
        mapping.append(len(out))
        if ch.isspace():
            if not prev_space:
                out.append(" ")
            prev_space = True
        else:
            out.append(ch)
            prev_space = False
    mapping.append(len(out))
    return "".join(out).strip(), [Span(mapping[s.start], mapping[s.end]) for s in spans]


def _lead(text: str, chars: int = 240) -> str:
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text.rfind(" ", 0, chars)
    return text[:cut if cut > 0 else chars] + " …"


def _parse_published(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def stored_to_article(fields: dict) -> Article:
    return Article(
        id=fields["id"], headline=fields.get("headline", ""), body=fields.get("body", ""),
        published=_parse_published(fields.get("published")), source=fields.get("source", ""),
        section=fields.get("section", ""), url=fields.get("url", ""), dateline=fields.get("dateline", ""),
        authors=list(fields.get("authors") or []), people=_tags(fields.get("people")),
        orgs=_tags(fields.get("orgs")), places=_tags(fields.get("places")),
        countries=_tags(fields.get("countries")),
        mentioned_periods=list(fields.get("mentioned_periods") or []),
        extracted={k: list(v) for k, v in (fields.get("extracted") or {}).items()},
        topics=_tags(fields.get("topics")), exchanges=_tags(fields.get("exchanges")),
        companies=_tags(fields.get("companies")),
        mentioned=[day_from_number(n) for n in fields.get("mentioned") or []],
        origin=fields.get("origin", ""))


def sort_facet(sort: str):
    if sort == "relevance":
        return None
    if sort == "newest":
        return sorting.MultiFacet([sorting.FieldFacet("date", reverse=True), sorting.FieldFacet("id")])
    undated_last = sorting.TranslateFacet(lambda day: day if day > 0 else _NO_DATE_LAST, sorting.FieldFacet("date"))
    return sorting.MultiFacet([undated_last, sorting.FieldFacet("id")])


def _date_sorted(searcher: Searcher, q: query.Query, docset: set[int], facet_columns: FacetColumns,
                 sort: str, wanted: int) -> Results:
    """The first `wanted` of `docset` in date order, then by id (the order of `sort_facet(sort)`),
    from the cached date and id columns: Whoosh's sorting collector reads both columns for every
    match on every search."""
    days = facet_columns.values(searcher, "date")
    ids = facet_columns.values(searcher, "id")
    if sort == "newest":
        top = heapq.nsmallest(wanted, docset, key=lambda d: (-days[d], ids[d]))
    else:
        top = heapq.nsmallest(wanted, docset, key=lambda d: (days[d] or _NO_DATE_LAST, ids[d]))
    return Results(searcher, q, [(0.0, d) for d in top], docset=docset)


def _hit(hit, article: Article, sort: str, snippets: bool) -> Hit:
    snippet, spans = "", []
    if snippets and article.body:
        snippet, spans = hit.highlights("body", text=article.body, top=2)
    return make_hit(article, hit.score if sort == "relevance" else None, snippet, spans)


def make_hit(article: Article, score: float | None, snippet: str, spans: list[Span]) -> Hit:
    """A hit of `article`; without a snippet, the lead of its body stands in."""
    if not snippet:
        snippet, spans = _lead(article.body), []
    return Hit(
        id=article.id, headline=article.headline, published=article.published,
        source=article.source, section=article.section, people=article.people,
        orgs=article.orgs, places=article.places, topics=article.topics,
        score=round(float(score), 4) if score is not None else None,
        snippet=snippet, highlights=spans)


def run(searcher: Searcher, q: query.Query, *, filter_q: query.Query | None, facets: Iterable[str],
        facet_columns: FacetColumns, sort: str, limit: int, page: int, facet_top: int = 10,
        snippets: bool = True, facet_filters: dict[str, query.Query | None] | None = None,
        collapse: bool = False) -> tuple[int, list[Hit], dict[str, list[FacetValue]]]:
    """Total, the hits of one page, and facet counts over every match.

    `facet_filters` maps a facet to the filter to count it under instead of `filter_q` (for
    multi-select facets: every filter but the facet's own). With `collapse`, one hit per wire-copy
    cluster is listed and `total` counts clusters.
    """
    matched = query.And([q, filter_q]) if filter_q is not None else q
    docset = matching_docs(searcher, matched)
    total = len(docset)
    facet_counts = {}
    for name in facets:
        docs = docset
        if facet_filters and name in facet_filters:
            own = facet_filters[name]
            docs = matching_docs(searcher, query.And([q, own]) if own is not None else q)
        facet_counts[name] = facet_columns.count(searcher, name, docs, facet_top)
    clusters = copies = None
    if collapse:
        clusters = facet_columns.values(searcher, "cluster")
        copies = Counter(clusters[d] for d in docset)
        total = len(copies)
    hits: list[Hit] = []
    start = (page - 1) * limit
    if total and limit and start < total:
        wanted = start + limit
        if collapse:
            # Skipped copies can push at most (articles - clusters) hits down the ranking.
            wanted += len(docset) - total
        # Without a filter every match of q is in docset: checking each against it is wasted work.
        # Except with NOT: Whoosh's AndNotMatcher can let through the first match of its positive
        # side (see `_matcher_ids`), which docset rightly leaves out.
        needs_filter = filter_q is not None or any(isinstance(n, query.Not) for n in _walk(q))
        if sort == "relevance":
            results = searcher.search(q, filter=docset if needs_filter else None, limit=wanted,
                                      terms=False)  # snippets highlight the query's (expanded) words
        else:
            results = _date_sorted(searcher, q, docset, facet_columns, sort, wanted)
        results.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
        results.formatter = SnippetFormatter()
        if collapse:
            shown: set[str] = set()
            ranked = []
            for hit in results:
                if clusters[hit.docnum] not in shown:
                    shown.add(clusters[hit.docnum])
                    ranked.append(hit)
        else:
            # Not list(results): list() asks len(results) for a size hint, and Whoosh answers
            # that by counting every match again (docs_for_query) after a top-N search.
            ranked = list(iter(results))
        for hit in ranked[start:start + limit]:
            out = _hit(hit, stored_to_article(hit.fields()), sort, snippets)
            if collapse:
                out.cluster = clusters[hit.docnum]
                out.copies = copies[out.cluster]
            hits.append(out)
    return total, hits, facet_counts


# ------------------------------------------------------------ timeline

PERIODS = ("year", "month", "week", "day")


def period_of(day: date, by: str) -> str:
    """`1987`, `1987-03`, `1987-W10` (ISO week and its ISO year) or `1987-03-02`."""
    if by == "year":
        return f"{day.year:04d}"
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if by == "week":
        iso = day.isocalendar()
        return f"{iso[0]:04d}-W{iso[1]:02d}"
    return day.isoformat()


def timeline(searcher: Searcher, docset: Iterable[int], facet_columns: FacetColumns,
             by: str) -> tuple[list[TimelineBucket], int]:
    """Buckets from the first matching period to the last (empty periods included), and the number
    of undated matches."""
    days = facet_columns.values(searcher, "date")
    matched = Counter(days[d] for d in docset)
    undated = matched.pop(0, 0)
    return timeline_buckets(matched, Counter(days[d] for d in all_docnums(searcher)), by), undated


def timeline_buckets(matched: Counter, everything: Counter, by: str) -> list[TimelineBucket]:
    """Buckets from counts of matching and of all articles per day number (undated ones left
    out): every period from the first match to the last."""
    if not matched:
        return []
    first, last = day_from_number(min(matched)), day_from_number(max(matched))
    counts: Counter = Counter()
    for day, n in matched.items():
        counts[period_of(day_from_number(day), by)] += n
    totals: Counter = Counter()
    for day, n in everything.items():
        if day:
            totals[period_of(day_from_number(day), by)] += n
    periods: list[str] = []
    day = first
    while day <= last:
        label = period_of(day, by)
        if not periods or periods[-1] != label:
            periods.append(label)
        day += timedelta(days=1)
    return [TimelineBucket(p, counts[p], totals[p]) for p in periods]


# ------------------------------------------------------------ related entities

def g2(k: int, n: int, background: int, documents: int) -> float:
    """Dunning's log-likelihood ratio G² for a value in `k` of `n` matches and `background` of all
    `documents` articles (the 2x2 table: matches / the rest of the archive, with / without it)."""
    table = ((k, n - k), (background - k, documents - n - background + k))
    rows = [sum(r) for r in table]
    cols = [table[0][0] + table[1][0], table[0][1] + table[1][1]]
    score = 0.0
    for i in range(2):
        for j in range(2):
            observed = table[i][j]
            if observed > 0:
                expected = rows[i] * cols[j] / documents
                score += observed * math.log(observed / expected)
    return 2 * score


def related(searcher: Searcher, docset: set[int], facet_columns: FacetColumns, field: str,
            top: int, min_count: int = 2) -> list[RelatedEntity]:
    """Values of `field` over-represented among the matches, by G² (highest first)."""
    values = facet_columns.values(searcher, field)
    everything = all_docnums(searcher)
    background: Counter = Counter()
    for d in everything:
        background.update(values[d])
    counts: Counter = Counter()
    for d in docset:
        counts.update(values[d])
    return related_entities(counts, background, len(docset), len(everything), top, min_count)


def related_entities(counts: Counter, background: Counter, n: int, documents: int, top: int,
                     min_count: int = 2) -> list[RelatedEntity]:
    """Ranked over-represented values from their counts among `n` matches and among all
    `documents` articles."""
    out = []
    for value, k in counts.items():
        b = background[value]
        if k < min_count or k * documents <= b * n:  # only values more frequent among matches
            continue
        out.append(RelatedEntity(value, k, b, round(g2(k, n, b, documents), 3)))
    out.sort(key=lambda e: (-e.score, -e.count, e.value.casefold()))
    return out[:top or None]


# ------------------------------------------------------------ similar articles

ENTITY_FIELDS = ("people", "orgs", "places")


def more_like_query(searcher: Searcher, article: Article, numterms: int = 12) -> query.Query | None:
    """An OR query of the article's key terms (Bo1 weights against the body's vocabulary) in headline
    and body, and of its people, organisations and places, each weighted by its idf."""
    clauses = []
    text = f"{article.headline}\n{article.body}"
    if text.strip():
        for term, weight in searcher.key_terms_from_text("body", text, numterms=numterms):
            clauses.append(query.Term("body", term, boost=weight))
            clauses.append(query.Term("headline", term, boost=weight))
    for name in ENTITY_FIELDS:
        for value in getattr(article, name):
            term = value.lower()
            if searcher.doc_frequency(name, term):
                clauses.append(query.Term(name, term, boost=searcher.idf(name, term)))
    return query.Or(clauses) if clauses else None


# ------------------------------------------------------------ did you mean

_WORD = re.compile(r"\w+")


def _surface(searcher: Searcher, stem: str) -> str | None:
    """The commonest spelling in article bodies of a word whose stem is `stem`."""
    analyzer = searcher.schema["body"].analyzer
    spellings: Counter = Counter()
    for fields in searcher.search(query.Term("body", stem), limit=5):
        body = fields.get("body", "")
        for token in analyzer(body, chars=True):
            if token.text == stem:
                spellings[body[token.startchar:token.endchar].lower()] += 1
    return spellings.most_common(1)[0][0] if spellings else None


def suggest(searcher: Searcher, q: query.Query, text: str, rare: int = 5) -> str | None:
    """`text` with each rare word (in at most `rare` articles) replaced by the closest spelling
    (Damerau-Levenshtein distance at most 2, same first letter) of an indexed word that is in at
    least 10 times as many articles (ties: the commonest); None if no word changes."""
    reader = searcher.reader()
    corrector = reader.corrector("body")
    edits: dict[tuple[int, int], str] = {}
    for token in q.all_tokens():
        if token.fieldname != "body" or token.startchar is None or token.endchar is None:
            continue
        span = (token.startchar, token.endchar)
        word = text[token.startchar:token.endchar]
        if span in edits or not _WORD.fullmatch(word):
            continue
        freq = reader.doc_frequency("body", token.text)
        if freq > rare:
            continue
        candidates = [c for c in corrector.suggest(token.text, limit=1000, maxdist=2, prefix=1)
                      if reader.doc_frequency("body", c) >= max(1, 10 * freq)]
        candidates.sort(key=lambda c: (distance(token.text, c), -reader.doc_frequency("body", c)))
        best = None
        for stem in candidates[:8]:
            spelling = _surface(searcher, stem)
            if spelling:
                # Closest to what was typed (as spelled, not as stemmed), then the commonest.
                key = (distance(word.lower(), spelling), -reader.doc_frequency("body", stem))
                if best is None or key < best[0]:
                    best = (key, spelling)
        if best is not None and best[0][0] <= 2 and best[1] != word.lower():
            edits[span] = best[1]
    if not edits:
        return None
    out, index = [], 0
    for (start, end), spelling in sorted(edits.items()):
        out.append(text[index:start])
        out.append(spelling)
        index = end
    out.append(text[index:])
    return "".join(out)


# ------------------------------------------------------------ export

def in_date_order(searcher: Searcher, docset: Iterable[int], facet_columns: FacetColumns) -> list[int]:
    """Document numbers oldest first, then by id; undated articles last (by id)."""
    days = facet_columns.values(searcher, "date")
    ids = facet_columns.values(searcher, "id")
    return sorted(docset, key=lambda d: (days[d] or _NO_DATE_LAST, ids[d]))


def articles(searcher: Searcher, docnums: Iterable[int]) -> Iterator[Article]:
    for d in docnums:
        yield stored_to_article(searcher.stored_fields(d))


def all_docnums(searcher: Searcher) -> list[int]:
    return list(searcher.docs_for_query(query.Every()))

