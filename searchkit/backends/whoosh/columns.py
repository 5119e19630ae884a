"""Per-document facet values read once per segment from the index's columns, kept in memory and
saved beside each segment (`FacetColumns`), and counted over a query's matches."""
from __future__ import annotations

import marshal
import os
import threading
from array import array
from collections import Counter
from itertools import accumulate, chain
from pathlib import Path
from typing import Callable, Iterable, Sequence

from whoosh.searching import Searcher

from ..counting import DATE_FACETS, rank_facet
from ..documents import split_tags
from ...model import FacetValue
from ...schema import day_from_number


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

    def preset_array(self, array) -> None:
        """Gives the array of `docs` (int64) when the caller has it already (scoring's)."""
        self._array = array


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
                                                               for tag in split_tags(value)))
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
        if fieldname in DATE_FACETS:
            days = self.values(searcher, "date")
            fmt = DATE_FACETS[fieldname]
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
