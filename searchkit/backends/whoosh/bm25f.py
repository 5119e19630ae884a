"""Bulk BM25F: a term's posting blocks scored at once, memoised per (weight, length byte), with the
floats Whoosh's own scorer gives; only among candidate documents when scoring may skip blocks."""
from __future__ import annotations

from bisect import bisect_left
from itertools import compress
from typing import Callable, Iterable, Iterator, Sequence

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.scoring import BM25FScorer, bm25
from whoosh.util.numeric import byte_to_length

from .blocks import deltas_weights, load_ids_weights, weight_of_all
from .whoosh_patches import segment_lengths


class Among:
    """Candidate documents (of one segment) that scoring may restrict itself to: the matches of the
    other side of an AND, or the documents a filter lets through.

    With `skip_blocks=False` (candidates in nearly every posting block: a filter that lets through
    a large part of the segment) they are only tested for membership, and no sorted copy is made.
    """

    def __init__(self, docs: Iterable[int], presorted: bool = False, skip_blocks: bool = True):
        self.set = docs if isinstance(docs, (set, frozenset, dict)) else set(docs)
        self._sorted: Sequence[int] | None = docs if presorted and isinstance(docs, Sequence) else None
        self._skip_blocks = skip_blocks

    @property
    def sorted(self) -> Sequence[int]:
        if self._sorted is None:
            self._sorted = sorted(self.set)
        return self._sorted

    def any_in(self, lo: int, hi: int) -> bool:
        """Whether a candidate may lie in lo..hi (always, without block skipping)."""
        if not self._skip_blocks:
            return True
        i = bisect_left(self.sorted, lo)
        return i < len(self.sorted) and self.sorted[i] <= hi


def candidate_blocks(m: W3LeafMatcher, among: Among | SortedIds | None,
                     values: bool = False, load: bool = True) -> Iterator[tuple[int, int]]:
    """Walks a leaf matcher's posting blocks, yielding (first, end) postings of each block with a
    candidate in it (ids and weights loaded unless not `load`, and with `values` the whole
    block); blocks without one are skipped unread."""
    previous_max = -1
    while m.is_active():
        if among is not None and not among.any_in(previous_max + 1, m._maxid):
            previous_max = m._maxid
            m._next_block()
            continue
        previous_max = m._maxid
        if values and m._data is None:
            m._read_data()
        if load and (m._ids is None or m._weights is None):  # Whoosh may have read the ids alone
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


def leaf_scorer(m: W3LeafMatcher, reader) -> tuple[_ScoreMemo, Callable[[int], object]]:
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


def leaf_scores(m: W3LeafMatcher, among: Among | None, reader) -> dict[int, float]:
    memo, length_of = leaf_scorer(m, reader)  # looked up at C speed below
    out: dict[int, float] = {}
    wanted = among.set if among is not None else None
    for i, end in candidate_blocks(m, among):
        ids, weights = m._ids[i:end], m._weights[i:end]
        if wanted is not None:
            kept = list(map(wanted.__contains__, ids))
            ids, weights = list(compress(ids, kept)), list(compress(weights, kept))
        out.update(zip(ids, map(memo.__getitem__, zip(weights, map(length_of, ids)))))
    return out


# ------------------------------------------------------------ the same scores as numpy arrays

class SortedIds:
    """Candidate documents of one segment as a sorted numpy array of unique document numbers:
    `Among` for the array path (`scoring.matcher_arrays`)."""

    def __init__(self, ids, skip_blocks: bool = True) -> None:
        self.ids = ids
        self._skip_blocks = skip_blocks

    def any_in(self, lo: int, hi: int) -> bool:
        """Whether a candidate may lie in lo..hi (always, without block skipping)."""
        if not self._skip_blocks:
            return True
        ids = self.ids
        i = int(ids.searchsorted(lo))
        return i < len(ids) and int(ids[i]) <= hi

    def members(self, docs):
        """Which of `docs` (a numpy array) are candidates, as a boolean array."""
        ids = self.ids
        if not len(ids):
            return numpy_module().zeros(len(docs), dtype=bool)
        at = ids.searchsorted(docs)
        at[at == len(ids)] = 0
        return ids[at] == docs

    def as_among(self) -> Among:
        return Among(self.ids.tolist(), presorted=True, skip_blocks=self._skip_blocks)


class AllowedSet(SortedIds):
    """Candidates as a set, only tested for membership: a filter letting through many more
    documents than a query matches (a date window of years), which would cost more to sort
    into an array than the few postings cost to look up."""

    def __init__(self, docs: set[int]) -> None:
        super().__init__(None, skip_blocks=False)
        self.set = docs

    def members(self, docs):
        np = numpy_module()
        return np.fromiter(map(self.set.__contains__, docs.tolist()), dtype=bool, count=len(docs))

    def as_among(self) -> Among:
        return Among(self.set, skip_blocks=False)


def numpy_module():
    import numpy
    return numpy


# The field length each length byte stands for, as floats (an array made on first use).
_LENGTHS_OF_BYTES: list = []


def _length_of_byte_array(np):
    if not _LENGTHS_OF_BYTES:
        _LENGTHS_OF_BYTES.append(np.array([byte_to_length(b) for b in range(256)], dtype=np.float64))
    return _LENGTHS_OF_BYTES[0]


def posting_arrays(np, ids: list[int], weights: list[float]):
    """Postings' ids and weights as int64 and float64 arrays (`fromiter` over a list: about
    twice as fast as `array.extend` a block at a time, or `numpy.array` of the list)."""
    return (np.fromiter(ids, dtype=np.int64, count=len(ids)),
            np.fromiter(weights, dtype=np.float64, count=len(weights)))


def bm25_arrays(m: W3LeafMatcher, reader):
    """A function of (document numbers, weights) arrays giving a BM25F leaf's scores, or None for
    a leaf scored otherwise (another scorer, no length bytes). The scores are BM25FScorer's floats:
    `bm25`'s operations in its order, on float64 arrays (each operation rounds as Python's does)."""
    scorer = m.scorer
    if type(scorer) is not BM25FScorer or not m._term:
        return None
    lengths = segment_lengths(reader, m._term[0])
    if lengths is None:
        return None
    np = numpy_module()
    length_bytes_of = np.frombuffer(lengths, dtype=np.uint8)
    idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1

    def scores(docs, tf):
        length_bytes = length_bytes_of[docs]
        if not length_bytes.all():  # no length: the scorer's own function (as the memo calls it)
            return np.array([scorer._score(w, byte_to_length(n) if n else None)
                             for w, n in zip(tf.tolist(), length_bytes.tolist())], dtype=np.float64)
        fl = _length_of_byte_array(np)[length_bytes]
        # bm25(): idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))

    return scores


def leaf_arrays(m: W3LeafMatcher, among: SortedIds | None, reader):
    """A BM25F leaf's matches (only those in `among`, if given) and their scores as numpy arrays
    (document numbers increasing), or None for a leaf this does not score (`bm25_arrays`)."""
    scores = bm25_arrays(m, reader)
    if scores is None:
        return None
    np = numpy_module()
    # Each block's id deltas in one list, summed at once: the running sum is made absolute
    # where a block starts (its first delta is its first id) by taking off the last id before.
    deltas: list[int] = []
    weights: list[float] = []
    starts: list[int] = []
    lasts: list[int] = []
    last = 0
    for i, end in candidate_blocks(m, among, load=False):
        block_deltas, block_weights = deltas_weights(m)
        if i:  # the block Whoosh moved the matcher into (an AND aligns its sides): from there on
            block_deltas = [sum(block_deltas[:i + 1]), *block_deltas[i + 1:end]]
        starts.append(len(deltas))
        lasts.append(last)
        last = m._maxid
        deltas += block_deltas
        weight = weight_of_all(block_weights)
        weights += [weight] * (end - i) if weight is not None else block_weights[i:end]
    docs, tf = posting_arrays(np, deltas, weights)
    if len(starts) > 1:
        docs[starts[1:]] -= lasts[1:]
    docs = docs.cumsum()
    if among is not None:
        kept = among.members(docs)
        docs, tf = docs[kept], tf[kept]
    return docs, scores(docs, tf)
