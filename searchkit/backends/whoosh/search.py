"""Running a query on a Whoosh searcher: exact totals, sorting, paging, facets and snippets."""
from __future__ import annotations

import heapq
import marshal
import math
import os
import re
import sys
import threading
from array import array
from bisect import bisect_left
from collections import Counter
from itertools import accumulate, chain, compress, islice, repeat, takewhile
from operator import add, getitem, methodcaller, sub
from datetime import date, datetime, timedelta
from pathlib import Path
from pickle import loads
from types import SimpleNamespace
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from whoosh import formats, highlight, query, sorting
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, wrappers
from whoosh.reading import TermNotFound
from whoosh.query.spans import Span as WordSpan
from whoosh.scoring import BM25FScorer, WeightLengthScorer, bm25
from whoosh.searching import Results, Searcher
from whoosh.support.levenshtein import distance
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

from .blocks import load_ids_weights
from ...querylang.spelling import can_suggest, max_edits, spelling_distance
from .snippets import named_snippet
from .timeorder import NO_DATE_LAST, TIME_COLUMN, date_order_key, day_bound, times
from ...model import Article, FacetValue, Hit, RelatedEntity, Span, TimelineBucket
from ...schema import day_from_number
from .whoosh_patches import segment_lengths



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
        a, b = _matcher_ids(m.a), _matcher_ids(m.b)  # new sets: the larger takes the smaller in
        if len(a) < len(b):
            a, b = b, a
        a |= b
        return a
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
                load_ids_weights(m)
            out.update(m._ids[m._i:m._blocklength])
            m._i = m._blocklength
            m._next_block()
        return out
    id_set = getattr(m, "id_set", None)  # a matcher that gives its set at once (days in a range)
    return id_set() if id_set is not None else set(m.all_ids())


def segment_matches(sub: Searcher, q: query.Query) -> set[int]:
    """The segment-local document numbers of leaf searcher `sub` that match `q`."""
    if type(q).docs is not query.Query.docs:  # a query with its own way (Every, ...)
        return set(sub.docs_for_query(q))
    try:
        return _matcher_ids(q.matcher(sub, sub.boolean_context()))
    except TermNotFound:
        return set()


def matching_docs(searcher: Searcher, q: query.Query) -> set[int]:
    """Global document numbers matching `q`: the same set as `set(searcher.docs_for_query(q))`."""
    out: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        ids = segment_matches(sub, q)
        if offset:
            ids = [d + offset for d in ids]  # (faster than map(offset.__add__, ids))
        if out:
            out.update(ids)
        else:
            out = ids if isinstance(ids, set) else set(ids)
    return out


def _tags(value: str | None) -> list[str]:
    """Tag values as indexed, stored and kept in the column: one comma-joined string."""
    return [v for v in value.split(",") if v] if value else []


class TagValues:
    """Each document's tag values (a tuple) of one column, stored as a code per document into the
    column's distinct tuples: a segment's places are ~37,000 distinct tuples for 100,000 articles,
    so the saved form loads faster than a list of tuples and takes less memory (4 bytes per
    document)."""

    __slots__ = ("distinct", "codes", "_counted", "_arrays")

    def __init__(self, distinct: list, codes: array) -> None:
        self.distinct, self.codes = distinct, codes
        self._counted = 0
        self._arrays: _TagArrays | None = None

    @classmethod
    def of(cls, tuples: Iterable[tuple]) -> TagValues:
        index: dict[tuple, int] = {}
        codes = array("i", (index.setdefault(t, len(index)) for t in tuples))
        return cls(list(index), codes)

    @classmethod
    def joined(cls, parts: list[TagValues]) -> TagValues:
        distinct: list = []
        codes = array("i")
        for part in parts:
            base = len(distinct)
            distinct += part.distinct
            codes.extend(map(base.__add__, part.codes) if base else part.codes)
        return cls(distinct, codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, docnum: int) -> tuple:
        return self.distinct[self.codes[docnum]]

    def value_counts(self, docnums: Iterable[int]) -> Counter:
        """How many of `docnums` have each value: one C-level pass (map, chain, Counter), about
        twice as fast as counting the codes first and spreading each code's count in Python."""
        return Counter(chain.from_iterable(map(self.distinct.__getitem__,
                                               map(self.codes.__getitem__, docnums))))

    def top_counts(self, docs: DocSet, top: int) -> Counter:
        """The counts of `value_counts` for every value that can rank among the `top` most
        frequent in `docs` (every value found, when `top` is 0).

        The pass over every (document, value) pair costs ~0.1-0.2 µs per pair in Python. A
        process that counts this column again (a server, a notebook) counts with numpy instead:
        the documents' codes (a gather and a bincount), then each code's count spread over its
        values (a weighted bincount over the column's distinct (code, value) pairs). numpy is
        imported only then, so a one-off search (the CLI) does not pay for its import.
        """
        self._counted += 1
        if len(docs.docs) * _ARRAYS_WORTH < len(self.codes) or (
                self._arrays is None and (self._counted < 2 or len(self.codes) < _ARRAYS_FROM)):
            return self.value_counts(docs.docs)
        if self._arrays is None:
            self._arrays = _TagArrays(self)
        return self._arrays.top_counts(docs.array(), top)


# A tag column of at least `_ARRAYS_FROM` documents is counted with numpy from its second count on,
# when at least 1 in `_ARRAYS_WORTH` of its documents is counted (for fewer, the Python pass is
# cheaper than the bincount over all its codes).
_ARRAYS_FROM = 20_000
_ARRAYS_WORTH = 200


class DocSet:
    """Matching document numbers, also as a numpy array made on first use (shared by the facets
    counted over them)."""

    __slots__ = ("docs", "_array")

    def __init__(self, docs: Iterable[int]) -> None:
        self.docs = docs
        self._array = None

    def array(self):
        if self._array is None:
            import numpy
            self._array = numpy.fromiter(self.docs, dtype=numpy.int64, count=len(self.docs))
        return self._array


class _TagArrays:
    """A tag column as numpy arrays: each document's code, and the (code, value) pairs of its
    distinct tuples."""

    def __init__(self, column: TagValues) -> None:
        import numpy
        self._np = numpy
        self.codes = numpy.frombuffer(column.codes, dtype=numpy.dtype(f"i{column.codes.itemsize}"))
        index: dict[str, int] = {}
        # The values of code c are values[starts[c]:starts[c + 1]], as numbers (names[number]).
        values = numpy.fromiter((index.setdefault(value, len(index))
                                 for value in chain.from_iterable(column.distinct)), dtype=numpy.intp)
        self.values = values
        self.starts = numpy.zeros(len(column.distinct) + 1, dtype=numpy.intp)
        numpy.cumsum(numpy.fromiter(map(len, column.distinct), dtype=numpy.intp,
                                    count=len(column.distinct)), out=self.starts[1:])
        self.names = list(index)

    def top_counts(self, docs, top: int) -> Counter:
        np = self._np
        per_code = np.bincount(self.codes[docs], minlength=len(self.starts) - 1)
        found = np.flatnonzero(per_code)
        if not len(found):
            return Counter()
        # The value numbers of the codes found, each code's count repeated over its values.
        starts, sizes = self.starts[found], self.starts[found + 1] - self.starts[found]
        ends = np.cumsum(sizes)
        if not ends[-1]:
            return Counter()
        at = np.arange(ends[-1]) + np.repeat(starts - ends + sizes, sizes)
        per_value = np.bincount(self.values[at], weights=np.repeat(per_code[found], sizes),
                                minlength=len(self.names))
        floor = 1
        if top and len(per_value) > top:  # ties with the last of the top are kept
            floor = max(floor, np.partition(per_value, len(per_value) - top)[len(per_value) - top])
        found = np.flatnonzero(per_value >= floor)
        return Counter(dict(zip(map(self.names.__getitem__, found.tolist()),
                                per_value[found].astype(np.int64).tolist())))


class PackedStrings:
    """Strings (ids, cluster names) as one UTF-8 blob and their end offsets: ~30 bytes per string
    at 1M articles instead of ~95 for a list of str objects. Read one at a time (sort keys)."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: array) -> None:
        self.blob, self.ends = blob, ends

    @classmethod
    def of(cls, strings: Iterable[str]) -> PackedStrings:
        encoded = [text.encode() for text in strings]
        return cls(b"".join(encoded), array("q", accumulate(map(len, encoded))))

    @classmethod
    def joined(cls, parts: list[PackedStrings]) -> PackedStrings:
        ends, base = array("q"), 0
        for part in parts:
            ends.extend(map(base.__add__, part.ends) if base else part.ends)
            base += len(part.blob)
        return cls(b"".join(part.blob for part in parts), ends)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        return self.blob[self.ends[index - 1] if index else 0:self.ends[index]].decode()


def _load_saved(path: Path) -> Sequence | TagValues | None:
    try:
        kind, data = marshal.loads(path.read_bytes())
        if kind == "tag-codes":  # ("tags": an older version's, without shared strings)
            return TagValues(data[0], array("i", data[1]))
        if kind == "strings":
            return PackedStrings(data[0], array("q", data[1]))
    except (OSError, ValueError, EOFError, TypeError, IndexError):
        return None  # not saved yet, or unreadable: read the column instead
    return array("i", data) if kind == "array" else data


def _save(path: Path, values: Sequence | TagValues) -> None:
    """Save atomically; an index folder that is read-only (or full) just keeps nothing."""
    if isinstance(values, TagValues):
        payload = ("tag-codes", (values.distinct, values.codes.tobytes()))
    elif isinstance(values, PackedStrings):
        payload = ("strings", (values.blob, values.ends.tobytes()))
    else:
        payload = ("array", values.tobytes())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        temporary.write_bytes(marshal.dumps(payload))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


_DATE_FACETS = {"year": "%Y", "month": "%Y-%m"}
# Columns read as whole strings (never split at commas).
_RAW_COLUMNS = ("id", "cluster")


def _is_tags(column: str) -> bool:
    """Whether a column's values are tag tuples (`TagValues`): not ids, clusters or days."""
    return column not in _RAW_COLUMNS and not column.startswith("date")  # date, date_order, ...


def _kind(column: str) -> type:
    """How a column's values are kept: days (date, date_order, ...) in an array."""
    return TagValues if _is_tags(column) else PackedStrings if column in _RAW_COLUMNS else array


class FacetColumns:
    """Per-document facet values, read once per segment from the index's columns and kept.

    Whoosh's `groupedby` rebuilds a document -> values map from all postings on every query; reading
    the sortable column once per segment and counting over the matched documents is ~10x cheaper.
    Reading a column is still the main cost of a new process's first search (~100 ms per 50k
    articles), so each segment's values are also saved beside it (`<segment>.skc_<column>`,
    marshal, ~15x faster to load). Segments never change once written, so the saved values stay
    valid; Whoosh deletes the files with their segment (they match its segment file pattern).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder  # where to save and find per-segment values (None: memory only)
        self._segments: dict[tuple[str, str], Sequence] = {}
        self._global: dict[tuple[str, tuple], Sequence] = {}
        self._lock = threading.Lock()  # searches from several threads share the cache
        self._labelled_values: dict[tuple[int, int], tuple] = {}  # see `labelled`

    def values(self, searcher: Searcher, column: str) -> Sequence | TagValues:
        """A sequence indexed by global document number: a tuple of tag values (`TagValues`), for
        the `date` column the day number (0 when undated), for `id` and `cluster` the string."""
        # An empty index has one leaf without a segment (and without columns).
        leaves = [r for r, _ in searcher.reader().leaf_readers() if r.segment() is not None]
        segment_ids = tuple(r.segment().segment_id() for r in leaves)
        key = (column, segment_ids)
        with self._lock:
            if key not in self._global:
                # Forget what belonged to segments that merges have since removed.
                self._segments = {k: v for k, v in self._segments.items() if k[0] in segment_ids}
                self._global = {k: v for k, v in self._global.items() if k[1] == segment_ids}
                parts = [self._segment_values(reader, column) for reader in leaves]
                if len(parts) == 1:
                    self._global[key] = parts[0]
                elif _kind(column) is array:
                    joined = array("i")
                    for part in parts:
                        joined.extend(part)
                    self._global[key] = joined
                else:
                    self._global[key] = _kind(column).joined(parts)
            return self._global[key]

    def retain(self, segment_ids: tuple) -> None:
        """Forget the values of segments other than these (merged away since)."""
        with self._lock:
            self._segments = {k: v for k, v in self._segments.items() if k[0] in segment_ids}
            self._global = {k: v for k, v in self._global.items() if k[1] == segment_ids}

    def segment_values(self, reader, column: str) -> Sequence:
        """The values of one segment (a leaf reader), indexed by its own document numbers."""
        with self._lock:
            return self._segment_values(reader, column)

    def segment_day_order(self, reader, column: str = "date") -> tuple[Sequence, Sequence]:
        """A segment's days in ascending order and the document numbers in that order (a range of
        days is then two bisections)."""
        with self._lock:
            days = self._segment_values(reader, column)
            order = self._cached(reader, column + "_order",
                                 lambda: array("i", sorted(range(len(days)), key=days.__getitem__)))
            sorted_days = self._cached(reader, column + "_sorted",
                                       lambda: array("i", map(days.__getitem__, order)))
            return sorted_days, order

    def _segment_values(self, reader, column: str) -> Sequence:
        def read():
            raw = reader.column_reader(column, translate=True)
            if _kind(column) is array:  # days (0 when undated), seconds of the day
                return array("i", (day if day > 0 else 0 for day in raw))
            if column in _RAW_COLUMNS:
                return PackedStrings.of(raw)
            # Equal tag lists are one tuple, equal tags one string (saved once: marshal writes
            # an object seen before as a reference): at 1M articles the places went 160 -> ~35 MB.
            tuples: dict = {}
            strings: dict = {}
            return TagValues.of(tuples.setdefault(value, tuple(strings.setdefault(tag, tag)
                                                               for tag in _tags(value)))
                                for value in raw)

        return self._cached(reader, column, read)

    def _cached(self, reader, name: str, build: Callable[[], Sequence | TagValues]) -> Sequence:
        segment_id = reader.segment().segment_id()
        key = (segment_id, name)
        if key not in self._segments:
            path = self._folder / f"{segment_id}.skc_{name}" if self._folder else None
            values = _load_saved(path) if path else None
            if (values is None or len(values) != reader.doc_count_all()
                    or type(values) is not _kind(name)):  # (an older version's)
                values = build()
                if path:
                    _save(path, values)
            self._segments[key] = values
        return self._segments[key]

    def count(self, searcher: Searcher, fieldname: str, docs: DocSet | Iterable[int],
              top: int, labels: Callable[[tuple], tuple] | None = None) -> list[FacetValue]:
        """The `top` values of a facet among `docs` (all values if `top` is 0); with `labels`,
        of each document's values as `labels` gives them (`canonical`: entities, each once)."""
        if not isinstance(docs, DocSet):
            docs = DocSet(docs)
        docnums = docs.docs
        counts: Counter = Counter()
        if fieldname in _DATE_FACETS:
            days = self.values(searcher, "date")
            fmt = _DATE_FACETS[fieldname]
            for day, n in Counter(map(days.__getitem__, docnums)).items():
                if day:
                    counts[day_from_number(day).strftime(fmt)] += n
        else:
            values = self.values(searcher, fieldname)
            if labels is not None:
                values = self.labelled(values, labels)
            counts = values.top_counts(docs, top)
        return rank_facet(fieldname, counts, top)

    def labelled(self, values: TagValues, labels: Callable[[tuple], tuple]) -> TagValues:
        """`values` with each distinct tuple relabelled: the documents' codes are shared, so this
        costs one call per distinct tuple, and is kept while both stay the same objects."""
        key = (id(values), id(labels))
        with self._lock:
            kept = self._labelled_values.get(key)
            if kept is None or kept[0] is not values or kept[1] is not labels:
                if len(self._labelled_values) > 8:
                    self._labelled_values.clear()
                kept = (values, labels, TagValues(list(map(labels, values.distinct)), values.codes))
                self._labelled_values[key] = kept
            return kept[2]


def rank_facet(fieldname: str, counts: Counter, top: int) -> list[FacetValue]:
    """The `top` values by count (ties alphabetical); year and month facets then in time order."""
    items = counts.items()
    if top and len(counts) > top:
        # Only values that can make the top need the (slow, keyed) sort.
        threshold = heapq.nlargest(top, counts.values())[-1]
        items = [kv for kv in items if kv[1] >= threshold]
    # Ties: alphabetical regardless of case, then by exact spelling (so the order never depends
    # on the order values were counted in).
    ranked = sorted(items, key=lambda kv: (-kv[1], kv[0].casefold(), kv[0]))[:top or None]
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
    """The first `chars` characters of `text`, whitespace collapsed, cut at a word."""
    # Collapsing a prefix of the text gives a prefix of the collapsed text: when it is longer than
    # `chars`, the rest of a long body need not be collapsed.
    head = " ".join(text[:chars * 2].split())
    text = head if len(head) > chars else " ".join(text.split())
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
        return sorting.MultiFacet([sorting.FieldFacet("date", reverse=True),
                                   sorting.FieldFacet(TIME_COLUMN, reverse=True), sorting.FieldFacet("id")])
    undated_last = sorting.TranslateFacet(lambda day: day if day > 0 else NO_DATE_LAST, sorting.FieldFacet("date"))
    return sorting.MultiFacet([undated_last, sorting.FieldFacet(TIME_COLUMN), sorting.FieldFacet("id")])


class _Among:
    """Candidate documents (of one segment) that scoring may restrict itself to: the matches of the
    other side of an AND, or the documents a filter lets through.

    With `skip_blocks=False` (candidates in nearly every posting block: a filter that lets through
    a large part of the segment) they are only tested for membership, and no sorted copy is made.
    """

    def __init__(self, docs: Iterable[int], presorted: bool = False, skip_blocks: bool = True):
        self.set = docs if isinstance(docs, (set, frozenset, dict)) else set(docs)
        self._sorted = docs if presorted else None
        self._skip_blocks = skip_blocks

    @property
    def sorted(self) -> list[int]:
        if self._sorted is None:
            self._sorted = sorted(self.set)
        return self._sorted

    def any_in(self, lo: int, hi: int) -> bool:
        """Whether a candidate may lie in lo..hi (always, without block skipping)."""
        if not self._skip_blocks:
            return True
        i = bisect_left(self.sorted, lo)
        return i < len(self.sorted) and self.sorted[i] <= hi


def _matcher_scores(m, reader, among: _Among | None = None) -> dict[int, float]:
    """The documents a fresh matcher on segment `reader` matches (only those in `among`, if given),
    with the score Whoosh's matcher gives each.

    Whoosh's top-N collector calls ~10 methods per match and walks the tree once more for the exact
    total; here each leaf's posting blocks are scored in bulk (BM25F of a block's weights and
    lengths, memoised per (weight, length)) and the scores combined as Whoosh's matchers combine
    them (sums for OR and AND, the positive side for NOT, in the same tree order, so the floats are
    the same). An AND scores its second side only among the first side's matches (Whoosh puts the
    smaller side first), skipping posting blocks without candidates unread. Matchers not known here
    (phrases, ...) are walked once.
    """
    t = type(m)
    if t is binary.UnionMatcher or t is binary.AndMaybeMatcher:
        a = _matcher_scores(m.a, reader, among)
        if t is binary.AndMaybeMatcher:
            b = _matcher_scores(m.b, reader, _Among(a)) if a else {}
            return {d: a[d] + b[d] if d in b else a[d] for d in a}
        b = _matcher_scores(m.b, reader, among)
        both = {d: a[d] + b[d] for d in (a.keys() & b.keys())}
        a.update(b)
        a.update(both)
        return a
    if t is binary.IntersectionMatcher:
        a = _matcher_scores(m.a, reader, among)
        if not a:
            return a
        b = _matcher_scores(m.b, reader, _Among(a))
        return {d: a[d] + b[d] for d in a if d in b}
    if t is binary.AndNotMatcher:
        # Set difference, not Whoosh's walk, which can let through one excluded document.
        a = _matcher_scores(m.a, reader, among)
        excluded = _matcher_ids(m.b) if a else ()
        return {d: score for d, score in a.items() if d not in excluded}
    if t is wrappers.WrappingMatcher:
        boost = m.boost
        return {d: score * boost for d, score in _matcher_scores(m.child, reader, among).items()}
    if t is W3LeafMatcher and isinstance(getattr(m, "scorer", None), WeightLengthScorer):
        return _leaf_scores(m, among, reader)
    if t is query.SpanNear2.SpanNear2Matcher:
        phrase = _phrase_scores(m, among, reader)
        if phrase is not None:
            return phrase
    out: dict[int, float] = {}
    if among is None:
        while m.is_active():
            out[m.id()] = m.score()
            m.next()
        return out
    for d in among.sorted:  # only the candidates: a phrase checks positions only there
        if m.is_active() and m.id() < d:
            m.skip_to(d)
        if not m.is_active():
            break
        if m.id() == d:
            out[d] = m.score()
    return out


def _candidate_blocks(m: W3LeafMatcher, among: _Among | None,
                      values: bool = False) -> Iterator[tuple[int, int]]:
    """Walks a leaf matcher's posting blocks, yielding (first, end) postings of each block with a
    candidate in it (ids and weights loaded, and with `values` the whole block); blocks without
    one are skipped unread."""
    previous_max = -1
    while m.is_active():
        if among is not None and not among.any_in(previous_max + 1, m._maxid):
            previous_max = m._maxid
            m._next_block()
            continue
        previous_max = m._maxid
        if values and m._data is None:
            m._read_data()
        if m._ids is None or m._weights is None:  # Whoosh may have read the ids alone
            load_ids_weights(m)
        yield m._i, m._blocklength
        m._i = m._blocklength
        m._next_block()


class _ScoreMemo(dict):
    """Score per (weight, length byte) key, computed on first use."""

    def __init__(self, compute: Callable) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key):
        score = self[key] = self._compute(*key)
        return score


# BM25F score memos shared by a term's leaves in every segment (and by later searches): the
# scorer takes its statistics from the whole index, so the key holds them all. With 10 segments
# a per-leaf memo computed each (weight, length) up to 10 times per field.
_SHARED_MEMOS: dict[tuple, _ScoreMemo] = {}
_SHARED_MEMOS_MAX = 512


def _by_length_byte(score_of: Callable[[float, int | None], float]) -> _ScoreMemo:
    """A memo of `score_of(weight, length)` keyed by (weight, length byte): the length decoded
    as the scorer's own lookup decodes it."""
    return _ScoreMemo(lambda weight, length_byte: score_of(
        weight, byte_to_length(length_byte) if length_byte else None))


def _leaf_scorer(m: W3LeafMatcher, reader) -> tuple[_ScoreMemo, Callable[[int], object]]:
    """A leaf's scores as memo[(weight, length_of(docnum))]: the score depends on the weight and
    the length byte only."""
    scorer = m.scorer
    lengths = segment_lengths(reader, m._term[0]) if m._term else None
    if lengths is None:
        return _ScoreMemo(scorer._score), scorer.dfl
    if type(scorer) is not BM25FScorer:
        return _by_length_byte(scorer._score), lengths.__getitem__
    key = (m._term, scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
    memo = _SHARED_MEMOS.get(key)
    if memo is None:
        if len(_SHARED_MEMOS) >= _SHARED_MEMOS_MAX:
            _SHARED_MEMOS.clear()
        # BM25FScorer._score's own computation, over the key's numbers only: a memo kept for
        # later searches must not hold a scorer (and through it a segment's open reader).
        idf, avgfl, b, k1 = key[1:]
        memo = _SHARED_MEMOS[key] = _by_length_byte(
            lambda weight, length: bm25(idf, weight, length, avgfl, b, k1))
    return memo, lengths.__getitem__


def _leaf_scores(m: W3LeafMatcher, among: _Among | None, reader) -> dict[int, float]:
    memo, length_of = _leaf_scorer(m, reader)  # looked up at C speed below
    out: dict[int, float] = {}
    wanted = among.set if among is not None else None
    for i, end in _candidate_blocks(m, among):
        ids, weights = m._ids[i:end], m._weights[i:end]
        if wanted is not None:
            kept = list(map(wanted.__contains__, ids))
            ids, weights = list(compress(ids, kept)), list(compress(weights, kept))
        out.update(zip(ids, map(memo.__getitem__, zip(weights, map(length_of, ids)))))
    return out


class _KnownSpans:
    """Stands in for a term matcher in Whoosh's span check: the spans of one document."""

    def __init__(self) -> None:
        self.current: list = []

    def spans(self) -> list:
        return self.current


def _spans_near(positions: list, m) -> Iterator[bool]:
    """Whether each document's word positions (`positions`: a list per word, aligned by
    document) satisfy the phrase, by Whoosh's own span check."""
    words = [_KnownSpans() for _ in positions]
    check = SimpleNamespace(ms=words, slop=m.slop, mindist=m.mindist, ordered=m.ordered)
    get_spans = query.SpanNear2.SpanNear2Matcher._get_spans
    for per_word in zip(*positions):
        for word, found in zip(words, per_word):
            word.current = [WordSpan(p) for p in found]
        yield bool(get_spans(check))


def _two_words_near(first: tuple[list[int], list[int]], second: tuple[list[int], list[int]],
                    slop: int) -> list[int]:
    """The span check for two words in order (the common phrase), which comes down to: the second
    word 1..slop positions after the first. `first` and `second` are each word's position deltas
    and counts per document (`_deltas_and_counts`); the result is the indexes of the documents
    that pass, in order. Operations over every position at once, instead of a check per document:
    sets of position keys in Python, or, once this process has checked enough positions to pay
    for importing numpy (as a server or a notebook does), sorted key arrays searched with numpy."""
    if _with_numpy(len(first[0]) + len(second[0])):
        return _two_words_near_numpy(first, second, slop)
    firsts, seconds = _position_keys(*first), set(_position_keys(*second))
    passed: set[int] = set()
    for gap in range(1, slop + 1):
        passed.update(seconds.intersection(map(gap.__add__, firsts)))
    return sorted({key // _DOC_SPAN for key in passed})


def _with_numpy(positions: int) -> bool:
    """Whether to check these positions with numpy: when it is imported already, or once this
    process has checked more positions than make up for importing it."""
    global _positions_checked
    _positions_checked += positions
    return _positions_checked > _NUMPY_AFTER or "numpy" in sys.modules


# Positions checked by a process before numpy is worth importing (its import takes ~0.1 s, the
# time of checking about a million positions in Python).
_NUMPY_AFTER = 1_000_000
_positions_checked = 0


def _two_words_near_numpy(first: tuple[list[int], list[int]], second: tuple[list[int], list[int]],
                          slop: int) -> list[int]:
    """`_two_words_near` with numpy: each second-word key against the nearest first-word key
    before it (both key arrays are sorted: documents in order, positions increasing)."""
    import numpy
    before = _position_key_array(numpy, *first)
    after = _position_key_array(numpy, *second)
    nearest = numpy.searchsorted(before, after) - 1
    passed = after[(nearest >= 0) & (after - before[numpy.maximum(nearest, 0)] <= slop)]
    return numpy.unique(passed // _DOC_SPAN).tolist()


# More than any position: document i's position p is the key i * _DOC_SPAN + p.
_DOC_SPAN = 1 << 32


def _deltas_and_counts(values: list[bytes], weights: list[float], format_) -> tuple[list[int], list[int]]:
    """Every value's position deltas in one list, and each value's count of positions.
    `weights` are the postings' weights, which for Positions are the counts."""
    if type(format_) is formats.Positions:
        flat = _flat_deltas(values)
        counts = list(map(int, weights)) if format_.field_boost == 1.0 else None
        if flat is not None and counts is not None and sum(counts) == len(flat):
            return flat, counts
        lists = _delta_lists(values)
    else:
        lists = [[found[0], *map(sub, found[1:], found)] for found in _positions(values, format_)]
    return list(chain.from_iterable(lists)), list(map(len, lists))


def _position_keys(deltas: list[int], counts: list[int]) -> list[int]:
    """Each document's positions as keys (document i's position p as i * _DOC_SPAN + p), in one
    list: one running sum over every document's deltas, plus i * _DOC_SPAN minus the sum reached
    before document i (no object per document but a repeat)."""
    running = list(accumulate(deltas))
    before = [0, *map(running.__getitem__, map((-1).__add__, accumulate(counts[:-1])))]
    bases = map(sub, range(0, len(counts) * _DOC_SPAN, _DOC_SPAN), before)
    return list(map(add, running, chain.from_iterable(map(repeat, bases, counts))))


def _position_key_array(numpy, deltas: list[int], counts: list[int]):
    """`_position_keys` as a numpy array."""
    running = numpy.cumsum(numpy.array(deltas, dtype=numpy.int64))
    counts_array = numpy.array(counts, dtype=numpy.int64)
    before = numpy.zeros(len(counts), dtype=numpy.int64)
    before[1:] = running[numpy.cumsum(counts_array)[:-1] - 1]
    bases = numpy.arange(len(counts), dtype=numpy.int64) * _DOC_SPAN - before
    return running + numpy.repeat(bases, counts_array)


def _positions(values: list[bytes], format_) -> list[list[int]]:
    """Each value's positions."""
    if type(format_) is not formats.Positions:
        return list(map(format_.decoder("positions"), values))
    return list(map(list, map(accumulate, _delta_lists(values))))


def _delta_lists(values: list[bytes]) -> list[list[int]]:
    """The position deltas of Whoosh's Positions values (a count, then the pickled deltas): all
    the values unpickled at once, their pickles joined into one list (one `loads` per document
    cost more than the phrase check itself)."""
    if not all(map(methodcaller("endswith", b"."), values)):  # older values without a stop
        values = [value if value.endswith(b".") else value + b"." for value in values]
    bodies = b"".join(map(getitem, values, repeat(_PICKLED_BODY)))
    return loads(_JOINED_START + bodies + _JOINED_END)


# A value's pickle without its PROTO and STOP; the bodies joined between MARK and LIST.
_PICKLED_BODY = slice(_INT_SIZE + 2, -1)
_JOINED_START, _JOINED_END = b"\x80\x02(", b"l."


def _flat_deltas(values: list[bytes]) -> list[int] | None:
    """Every value's position deltas in one list, for values as Whoosh's Positions writes them
    (a count, then a protocol 2 pickle of the list: PROTO, EMPTY_LIST, BINPUT 0, the items with
    APPEND or MARK...APPENDS, STOP): the items of every value appended to one list by one
    unpickling. None if that does not unpickle to a list of ints (the caller checks the count)."""
    try:
        flat = loads(_FLAT_START + b"".join(map(getitem, values, repeat(_LIST_ITEMS))) + b".")
    except Exception:  # not values of that form  # noqa: BLE001
        return None
    return flat if type(flat) is list else None


_LIST_ITEMS = slice(_INT_SIZE + 5, -1)  # after the count, PROTO 2, EMPTY_LIST, BINPUT 0; before STOP
_FLAT_START = b"\x80\x02]"


def _kept_postings(leaf: W3LeafMatcher, among: _Among | None) -> tuple[list[int], list[float], list[bytes]]:
    """The ids, weights and encoded values of a leaf's postings of the documents in `among` (all
    if None), in document order."""
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    for i, end in _candidate_blocks(leaf, among, values=True):
        if leaf._values is None:
            leaf._read_values()
        block_ids = leaf._ids[i:end]
        kept = list(map(among.set.__contains__, block_ids)) if among is not None else repeat(True)
        ids += compress(block_ids, kept)
        weights += compress(leaf._weights[i:end], kept)
        values += compress(leaf._values[i:end], kept)
    return ids, weights, values


def _postings_size(leaf: W3LeafMatcher) -> int:
    """The bytes of a leaf's posting list (Whoosh leaves `_length` a 1-tuple when it reads the
    term info from bytes)."""
    size = leaf._length
    return size[0] if type(size) is tuple else size


def _phrase_scores(m, among: _Among | None, reader) -> dict[int, float] | None:
    """A phrase (`SpanNear2Matcher` over its words' posting lists): the documents with every word,
    the words' positions and weights for those documents, Whoosh's own span check on the
    positions, and for each match the score Whoosh gives it (the sum of the words' scores, added
    in its matcher tree's order). None if a word is not a plain posting list.

    The word with the shortest posting list is read first, each other word then only in its
    blocks with a document still in the running: every block needed is read once, with its
    positions (reading the ids alone first and the blocks again for positions cost more).
    """
    leaves = m.ms
    if not all(type(leaf) is W3LeafMatcher and isinstance(getattr(leaf, "scorer", None),
                                                        WeightLengthScorer) for leaf in leaves):
        return None
    postings: dict[int, tuple[list[int], list[float], list[bytes]]] = {}  # leaf index ->
    candidates = among
    for k in sorted(range(len(leaves)), key=lambda k: _postings_size(leaves[k])):
        postings[k] = _kept_postings(leaves[k], candidates)
        if not postings[k][0]:
            return {}
        candidates = _Among(postings[k][0], presorted=True)
    # The word read last has the documents with every word; the others are narrowed to them.
    docs = candidates.sorted
    for k, (ids, kept_weights, kept_values) in postings.items():
        if len(ids) != len(docs):
            kept = list(map(candidates.set.__contains__, ids))
            postings[k] = (docs, list(compress(kept_weights, kept)), list(compress(kept_values, kept)))
    weights = {id(leaf): postings[k][1] for k, leaf in enumerate(leaves)}  # id(leaf) -> weights
    values = [postings[k][2] for k in range(len(leaves))]
    if len(leaves) == 2 and m.ordered and m.mindist == 1:
        matched = _two_words_near(
            *(_deltas_and_counts(v, weights[id(leaf)], leaf.format) for v, leaf in zip(values, leaves)),
            m.slop)
    else:
        matched = list(compress(range(len(docs)), _spans_near(
            [_positions(v, leaf.format) for v, leaf in zip(values, leaves)], m)))

    def scores(node) -> list[float]:
        """The node's score of each matched document, summed in Whoosh's matcher tree order."""
        if type(node) is binary.IntersectionMatcher:
            return [a + b for a, b in zip(scores(node.a), scores(node.b))]
        memo, length_of = _leaf_scorer(node, reader)
        return list(map(memo.__getitem__, zip(map(weights[id(node)].__getitem__, matched),
                                              map(length_of, matched_docs))))

    matched_docs = list(map(docs.__getitem__, matched))
    return dict(zip(matched_docs, map(float(m.boost).__mul__, scores(m.child))))


def scored_docs(searcher: Searcher, q: query.Query, filter_q: query.Query | None) -> dict[int, float]:
    """Global document number -> score for every match of `q` that `filter_q` (if any) lets
    through: the exact set and the ranking at once."""
    context = searcher.context()
    out: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        among = None
        if filter_q is not None:
            allowed = segment_matches(sub, filter_q)
            if not allowed:
                continue
            # Only the allowed documents are scored. A filter much smaller than q's matches also
            # skips posting blocks without an allowed document unread (that needs them sorted);
            # a larger one (a date window of years) is only a membership test.
            among = _Among(allowed, skip_blocks=len(allowed) * 4 < q.estimate_size(sub.reader()))
        try:
            scores = _matcher_scores(q.matcher(sub, context), sub.reader(), among)
        except TermNotFound:
            continue
        if offset:
            out.update(zip(map(offset.__add__, scores), scores.values()))
        else:
            out.update(scores)
    return out


def _first(items: Iterable, wanted: int, bound: Callable, key: Callable) -> list:
    """The first `wanted` of `items` by `key`, where `bound(item)` is the first part of the key:
    the `wanted` smallest bounds are found at C speed, and only items that reach them are sorted
    by the full (Python) key."""
    items = list(items)
    if len(items) > wanted:
        threshold = heapq.nsmallest(wanted, map(bound, items))[-1]
        items = [item for item in items if bound(item) <= threshold]
    items.sort(key=key)
    return items[:wanted]


def _ranked(searcher: Searcher, q: query.Query, scores: dict[int, float], docset: set[int],
            wanted: int) -> Results:
    """The first `wanted` documents by score, ties by document number (Whoosh's order)."""
    if len(scores) > wanted:
        threshold = heapq.nlargest(wanted, scores.values())[-1]
        top = [(-score, d) for d, score in scores.items() if score >= threshold]
    else:
        top = [(-score, d) for d, score in scores.items()]
    top.sort()
    return Results(searcher, q, [(-score, d) for score, d in top[:wanted]], docset=docset)


def _date_sorted(searcher: Searcher, q: query.Query, docset: set[int], facet_columns: FacetColumns,
                 sort: str, wanted: int) -> Results:
    """The first `wanted` of `docset` in date order, then by time of day and id (the order of
    `sort_facet(sort)`), from the cached date, time and id columns: Whoosh's sorting collector
    reads the columns for every match on every search."""
    days = facet_columns.values(searcher, "date")
    day = day_bound(days, sort)
    leaves = [(r, offset) for r, offset in searcher.reader().leaf_readers() if r.segment() is not None]
    # Walking each segment's date order until `wanted` matches turn up reads ~wanted * size /
    # matches documents: far fewer than the matches when they are many (a common word).
    if len(docset) ** 2 > wanted * len(leaves) * len(days):
        candidates = []
        for reader, offset in leaves:
            sorted_days, order = facet_columns.segment_day_order(reader)
            dated = bisect_left(sorted_days, 1)  # undated articles (day 0) come last either way
            if sort == "newest":
                walk = chain(reversed(order[dated:]), reversed(order[:dated]))
            else:
                walk = chain(order[dated:], order[:dated])
            candidates += _first_walked(filter(docset.__contains__, map(offset.__add__, walk)),
                                        wanted, day)
    else:
        candidates = docset
    key = date_order_key(days, times(searcher, facet_columns), facet_columns.values(searcher, "id"), sort)
    top = _first(candidates, wanted, bound=day, key=key)
    return Results(searcher, q, [(0.0, d) for d in top], docset=docset)


def _first_walked(walk: Iterator[int], wanted: int, bound: Callable) -> list[int]:
    """The first `wanted` items of a walk in `bound` order, and every later one that ties with
    the last of them."""
    taken = list(islice(walk, wanted))
    if len(taken) == wanted:
        last = bound(taken[-1])
        taken += takewhile(lambda d: bound(d) == last, walk)
    return taken


def _hit(hit, article: Article, sort: str, snippets: bool) -> Hit:
    snippet, spans = "", []
    if snippets and article.body:
        snippet, spans = hit.highlights("body", text=article.body, top=2)
        if not snippet:  # a query on other fields (people:, headline:): where the body names them
            results = hit.results
            snippet, spans = named_snippet(results.q, article.body, results.searcher.schema["body"].analyzer,
                                           results.fragmenter, results.formatter)
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
        collapse: bool = False, facet_labels: Mapping[str, Callable[[tuple], tuple]] | None = None,
        stories: Sequence[int] | None = None,
        ) -> tuple[int, list[Hit], dict[str, list[FacetValue]]]:
    """Total, the hits of one page, and facet counts over every match.

    `facet_filters` maps a facet to the filter to count it under instead of `filter_q` (for
    multi-select facets: every filter but the facet's own). With `collapse`, one hit per wire-copy
    cluster is listed and `total` counts clusters. `facet_labels` relabels a facet's values
    (`FacetColumns.count`). Given each document's cluster number (`stories`), facets count
    stories instead of articles.
    """
    start = (page - 1) * limit
    scores = None
    if sort == "relevance":
        scores = scored_docs(searcher, q, filter_q)
        docset = set(scores)
    else:
        docset = matching_docs(searcher, query.And([q, filter_q]) if filter_q is not None else q)
    total = len(docset)
    facet_counts = {}
    matches = DocSet(docset)
    for name in facets:
        docs = matches
        if facet_filters and name in facet_filters:
            own = facet_filters[name]
            docs = DocSet(matching_docs(searcher, query.And([q, own]) if own is not None else q))
        labels = (facet_labels or {}).get(name)
        if stories is not None:
            from .summaries import story_facet  # noqa: PLC0415  (it builds on this module)
            facet_counts[name] = story_facet(searcher, facet_columns, stories, name, docs, facet_top,
                                             labels)
        else:
            facet_counts[name] = facet_columns.count(searcher, name, docs, facet_top, labels)
    clusters = copies = None
    if collapse:
        clusters = facet_columns.values(searcher, "cluster")
        copies = Counter(clusters[d] for d in docset)
        total = len(copies)
    hits: list[Hit] = []
    if total and limit and start < total:
        wanted = start + limit
        if collapse:
            # Skipped copies can push at most (articles - clusters) hits down the ranking.
            wanted += len(docset) - total
        if scores is not None:
            results = _ranked(searcher, q, scores, docset, wanted)
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
            top: int, min_count: int = 2,
            labels: Callable[[tuple], tuple] | None = None) -> list[RelatedEntity]:
    """Values of `field` over-represented among the matches, by G² (highest first); with `labels`,
    of the values as `labels` gives them (`FacetColumns.count`)."""
    values = facet_columns.values(searcher, field)
    if labels is not None:
        values = facet_columns.labelled(values, labels)
    everything = all_docnums(searcher)
    return related_entities(values.value_counts(docset), values.value_counts(everything),
                            len(docset), len(everything), top, min_count)


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
    (`querylang.spelling`: an edit distance where sound-alike letters cost half, at most 1 for a
    word of 3-5 letters and 2 for a longer one; same first letter; never a stop word) of an
    indexed word that is in at least 10 times as many articles (ties: the commonest); None if no
    word changes."""
    reader = searcher.reader()
    corrector = reader.corrector("body")
    edits: dict[tuple[int, int], str] = {}
    # Ranges have no word to correct (and Whoosh's TermRange.tokens fails on them).
    words = (leaf for leaf in q.leaves() if not isinstance(leaf, query.RangeMixin))
    for token in chain.from_iterable(leaf.tokens() for leaf in words):
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
                      if can_suggest(c) and reader.doc_frequency("body", c) >= max(1, 10 * freq)]
        candidates.sort(key=lambda c: (distance(token.text, c), -reader.doc_frequency("body", c)))
        best = None
        for stem in candidates[:8]:
            spelling = _surface(searcher, stem)
            if spelling and can_suggest(spelling):
                # Closest to what was typed (as spelled, not as stemmed), then the commonest.
                key = (spelling_distance(word, spelling), -reader.doc_frequency("body", stem))
                if best is None or key < best[0]:
                    best = (key, spelling)
        if best is not None and best[0][0] <= max_edits(word) and best[1] != word.lower():
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
    """Document numbers oldest first, then by time of day and id; undated articles last (by id)."""
    return sorted(docset, key=date_order_key(facet_columns.values(searcher, "date"), times(searcher, facet_columns),
                                             facet_columns.values(searcher, "id"), "oldest"))


def articles(searcher: Searcher, docnums: Iterable[int]) -> Iterator[Article]:
    for d in docnums:
        yield stored_to_article(searcher.stored_fields(d))


def all_docnums(searcher: Searcher) -> list[int]:
    return list(searcher.docs_for_query(query.Every()))

