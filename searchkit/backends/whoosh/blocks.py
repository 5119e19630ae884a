"""Posting blocks whose ids and weights can be read without their positions.

Whoosh pickles each posting block as one tuple (deltas of the ids, weights, values); for a field
with positions the values, a pickled position list per document, are most of the block and of the
time it takes to unpickle (benchmarks/RESULTS.md).
`block_pickle` writes the same tuple (any unpickler, Whoosh's included, reads it unchanged) but
first pushes and pops an int saying where the values start, so `load_ids_weights` can decompress
and unpickle only the part before them; and it pickles the values' bytes in a form much faster
to unpickle, for the searches that need positions (phrases). Blocks without that prefix (written
by Whoosh's own writer) are read whole, as Whoosh reads them.
"""
from __future__ import annotations

import pickle
import zlib
from array import array
from itertools import accumulate

# PROTO 2, then BININT <where the values start> and POP: how `block_pickle`'s blocks begin.
_PREFIX = pickle.PROTO + b"\x02" + pickle.BININT
_PREFIX_SIZE = len(_PREFIX) + 4 + len(pickle.POP)


def plain_block_pickle(deltas: tuple, weights, values) -> bytes:
    """A block's (deltas, weights, values) as Whoosh pickles it."""
    return pickle.dumps((deltas, weights, values), 2)


def block_pickle(deltas: tuple, weights, values) -> bytes:
    """The same tuple as `plain_block_pickle`, prefixed with where its values start, and with
    the values' bytes as protocol 3 writes them (SHORT_BINBYTES). Protocol 2 has no opcode for
    bytes: each value becomes a call of `_codecs.encode(text, "latin1")`, and unpickling a body
    block took ~64 µs instead of ~9 (its pickle is also a third smaller). Every Python 3
    unpickler reads any protocol's opcodes, whatever the PROTO header says."""
    ids_part = pickle.dumps(deltas, 2)[2:-1]  # without PROTO and STOP
    weights_part = pickle.dumps(weights, 2)[2:-1]
    values_at = _PREFIX_SIZE + len(ids_part) + len(weights_part)
    return (_prefix(values_at) + ids_part + weights_part + pickle.dumps(values, 3)[2:-1]
            + pickle.TUPLE3 + pickle.STOP)


def _prefix(values_at: int) -> bytes:
    return _PREFIX + values_at.to_bytes(4, "little", signed=True) + pickle.POP


def values_at(data: bytes) -> int | None:
    """Where the values start in a block's pickle (None if it has no prefix)."""
    if data[:3] == _PREFIX and data[7:8] == pickle.POP:
        return int.from_bytes(data[3:7], "little", signed=True)
    return None


def moved_values(data: bytes, change: int) -> bytes:
    """A prefixed block's pickle after its ids part grew by `change` bytes (see `values_at`)."""
    at = values_at(data)
    assert at is not None, "only a prefixed block has values to move"
    return _prefix(at + change) + data[_PREFIX_SIZE:]


def deltas_weights(m) -> tuple:
    """A `W3LeafMatcher`'s current block as stored: its ids' deltas (the first one the first id)
    and its weights (None, one float, or a float per posting), unpickling only the ids and
    weights of a prefixed block (its values are read whole if asked for later)."""
    data = m._data
    if data is None:
        data = _ids_weights(m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset),
                            m._compression)
        if len(data) == 3:  # a block without the prefix: read whole, kept as Whoosh keeps it
            m._data = data
    return data[0], data[1]


def weight_of_all(weights) -> float | None:
    """The weight of every posting of a block stored with one weight (None or a float) as
    `_read_weights` gives it (a 32-bit float); None for a weight per posting."""
    if weights is None or isinstance(weights, float):
        return array("f", [1.0 if weights is None else weights])[0]
    return None


def load_ids_weights(m) -> None:
    """Sets a `W3LeafMatcher`'s ids (decoded) and weights for its current block (`deltas_weights`)."""
    deltas, weights = deltas_weights(m)
    m._ids = tuple(accumulate(deltas))
    weight = weight_of_all(weights)
    m._weights = array("f", [weight]) * m._blocklength if weight is not None else weights


def _ids_weights(raw: bytes, compressed: bool) -> tuple:
    """(deltas, weights) of a prefixed block; the whole (deltas, weights, values) of another."""
    if compressed:
        stream = zlib.decompressobj()
        head = stream.decompress(raw, _PREFIX_SIZE)
        end = values_at(head)
        if end is None:
            return pickle.loads(head + stream.decompress(stream.unconsumed_tail) + stream.flush())
        head += stream.decompress(stream.unconsumed_tail, end - _PREFIX_SIZE)
    else:
        head, end = raw, values_at(raw)
        if end is None:
            return pickle.loads(raw)
    return pickle.loads(head[:end] + pickle.TUPLE2 + pickle.STOP)
