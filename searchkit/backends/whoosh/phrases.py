"""Phrase matches and scores in bulk: the words' positions read a posting block at a time and
checked by Whoosh's own span check (or, for two words in order, over every position at once)."""
from __future__ import annotations

import sys
from itertools import accumulate, chain, compress, count, repeat
from operator import add, itemgetter, methodcaller, sub
from pickle import loads
from types import SimpleNamespace
from typing import Iterator, Sequence

from whoosh import formats, query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, wrappers
from whoosh.query.spans import Span as WordSpan
from whoosh.scoring import WeightLengthScorer
from whoosh.system import _INT_SIZE

from .bm25f import Among, SortedIds, bm25_arrays, candidate_blocks, leaf_scorer, numpy_module, posting_arrays


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
    docs = passed // _DOC_SPAN  # increasing: unique by comparing neighbours (no hashing)
    return docs[numpy.concatenate(([True], docs[1:] != docs[:-1]))].tolist() if len(docs) else []


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
    bodies = b"".join(map(itemgetter(_PICKLED_BODY), values))
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
        flat = loads(_FLAT_START + b"".join(map(itemgetter(_LIST_ITEMS), values)) + b".")
    except Exception:  # not values of that form  # noqa: BLE001
        return None
    return flat if type(flat) is list else None


_LIST_ITEMS = slice(_INT_SIZE + 5, -1)  # after the count, PROTO 2, EMPTY_LIST, BINPUT 0; before STOP
_FLAT_START = b"\x80\x02]"


def _matched(m, leaves: list, values: list[list[bytes]], weights: list[list[float]]) -> list[int]:
    """The indexes of the documents whose words' positions satisfy the phrase, given each word's
    posting list (`leaves`), values and weights aligned by document (two words in order by
    `_two_words_near`, other phrases by Whoosh's own span check)."""
    if len(leaves) == 2 and m.ordered and m.mindist == 1:
        first, second = (_deltas_and_counts(v, w, leaf.format) for v, w, leaf in zip(values, weights, leaves))
        return _two_words_near(first, second, m.slop)
    return list(compress(count(), _spans_near([_positions(v, leaf.format) for v, leaf in zip(values, leaves)], m)))


def _kept_postings(leaf: W3LeafMatcher, among: Among | None) -> tuple[list[int], list[float], list[bytes]]:
    """The ids, weights and encoded values of a leaf's postings of the documents in `among` (all
    if None), in document order."""
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    for block_ids, block_weights, block_values in _block_postings(leaf, among):
        kept = list(map(among.set.__contains__, block_ids)) if among is not None else repeat(True)
        ids += compress(block_ids, kept)
        weights += compress(block_weights, kept)
        values += compress(block_values, kept)
    return ids, weights, values


def _block_postings(leaf: W3LeafMatcher, among: Among | SortedIds | None) -> Iterator[tuple]:
    """The ids, weights and encoded values of each of a leaf's posting blocks with a candidate."""
    for i, end in candidate_blocks(leaf, among, values=True):
        if leaf._values is None:
            leaf._read_values()
        yield leaf._ids[i:end], leaf._weights[i:end], leaf._values[i:end]


def _postings_size(leaf: W3LeafMatcher) -> int:
    """The bytes of a leaf's posting list (Whoosh leaves `_length` a 1-tuple when it reads the
    term info from bytes)."""
    size = leaf._length
    return size[0] if type(size) is tuple else size


def phrase_scores(m, among: Among | None, reader) -> dict[int, float] | None:
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
    postings: dict[int, tuple[Sequence[int], list[float], list[bytes]]] = {}  # leaf index ->
    candidates = among
    for k in sorted(range(len(leaves)), key=lambda k: _postings_size(leaves[k])):
        postings[k] = _kept_postings(leaves[k], candidates)
        if not postings[k][0]:
            return {}
        candidates = Among(postings[k][0], presorted=True)
    # The word read last has the documents with every word; the others are narrowed to them.
    assert candidates is not None  # a phrase has words
    docs = candidates.sorted
    for k, (ids, kept_weights, kept_values) in postings.items():
        if len(ids) != len(docs):
            kept = list(map(candidates.set.__contains__, ids))
            postings[k] = (docs, list(compress(kept_weights, kept)), list(compress(kept_values, kept)))
    weights = {id(leaf): postings[k][1] for k, leaf in enumerate(leaves)}  # id(leaf) -> weights
    matched = _matched(m, leaves, [postings[k][2] for k in range(len(leaves))],
                       [postings[k][1] for k in range(len(leaves))])

    def scores(node) -> list[float]:
        """The node's score of each matched document, summed in Whoosh's matcher tree order."""
        if type(node) is binary.IntersectionMatcher:
            return [a + b for a, b in zip(scores(node.a), scores(node.b))]
        memo, length_of = leaf_scorer(node, reader)
        return list(map(memo.__getitem__, zip(map(weights[id(node)].__getitem__, matched),
                                              map(length_of, matched_docs))))

    matched_docs = list(map(docs.__getitem__, matched))
    return dict(zip(matched_docs, map(float(m.boost).__mul__, scores(m.child))))


def _kept_posting_arrays(leaf: W3LeafMatcher, among: SortedIds | None):
    """`_kept_postings` with the ids and weights as numpy arrays (the values a list)."""
    np = numpy_module()
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    for block_ids, block_weights, block_values in _block_postings(leaf, among):
        ids += block_ids
        weights += block_weights
        values += block_values
    docs, tf = posting_arrays(np, ids, weights)
    if among is not None:
        kept = among.members(docs)
        if not kept.all():
            return docs[kept], tf[kept], list(compress(values, kept.tolist()))
    return docs, tf, values


def filter_mask(np, m: wrappers.FilterMatcher, ids):
    """Which of `ids` (an array) a FilterMatcher lets through."""
    kept = np.fromiter(map(m._ids.__contains__, ids.tolist()), dtype=bool, count=len(ids))
    return ~kept if m._exclude else kept


def phrase_arrays(m, among: SortedIds | None, reader):
    """`phrase_scores` as numpy arrays (matched document numbers increasing, their scores), or
    None if a word is not a plain BM25F posting list (or one filtered, as a segment with
    deleted documents filters them): the words' postings are narrowed to the documents with
    every word by array operations, and the matches scored by `bm25_arrays`."""
    np = numpy_module()
    words = []  # (posting list, its filter or None) of each word
    for word in m.ms:
        if type(word) is wrappers.FilterMatcher and word.boost == 1.0:
            words.append((word.child, word))
        else:
            words.append((word, None))
    leaves = [leaf for leaf, _filter in words]
    scorers = {}
    for leaf in leaves:
        if type(leaf) is not W3LeafMatcher:
            return None
        scorers[id(leaf)] = bm25_arrays(leaf, reader)
        if scorers[id(leaf)] is None:
            return None
    postings = {}  # leaf index -> (ids, weights, values)
    candidates = among
    for k in sorted(range(len(leaves)), key=lambda k: _postings_size(leaves[k])):
        postings[k] = _kept_posting_arrays(leaves[k], candidates)
        word_filter = words[k][1]
        if word_filter is not None:
            kept = filter_mask(np, word_filter, postings[k][0])
            ids, kept_weights, kept_values = postings[k]
            postings[k] = (ids[kept], kept_weights[kept], list(compress(kept_values, kept.tolist())))
        if not len(postings[k][0]):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        candidates = SortedIds(postings[k][0])
    # The word read last has the documents with every word; the others are narrowed to them.
    assert candidates is not None  # a phrase has words
    docs = candidates.ids
    for k, (ids, kept_weights, kept_values) in postings.items():
        if len(ids) != len(docs):
            kept = candidates.members(ids)
            postings[k] = (docs, kept_weights[kept], list(compress(kept_values, kept.tolist())))
    weights = {id(leaf): postings[k][1] for k, leaf in enumerate(leaves)}
    matched = np.array(_matched(m, leaves, [postings[k][2] for k in range(len(leaves))],
                                [postings[k][1].tolist() for k in range(len(leaves))]), dtype=np.intp)
    matched_docs = docs[matched]

    def scores(node):
        """The node's score of each matched document, summed in Whoosh's matcher tree order."""
        if type(node) is binary.IntersectionMatcher:
            return scores(node.a) + scores(node.b)
        if type(node) is wrappers.FilterMatcher:
            return scores(node.child) * node.boost
        return scorers[id(node)](matched_docs, weights[id(node)][matched])

    return matched_docs, scores(m.child) * float(m.boost)
