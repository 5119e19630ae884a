"""Posting blocks that say where their values start (`searchkit.blocks`): Whoosh reads them as its
own, and reading only the ids and weights gives exactly what Whoosh's full read gives."""
from __future__ import annotations

import pickle

import pytest
from whoosh import index

from searchkit import Archive
from searchkit.backends.whoosh import blocks, postings

from .conftest import EXAMPLES

SHAPES = [
    ((5,), None, (b"\x01",)),
    ((70_000,), 2.0, None),
    ((1, 2, 3), (1.0, 2.0, 3.0), b"abcdef"),
    (tuple(range(1, 200)), None, tuple(pickle.dumps([i]) for i in range(199))),
    ((300, 1, 1, 1), 3.5, (b"x",) * 4),  # repeated values: pickle's memo
]


@pytest.mark.parametrize("deltas, weights, values", SHAPES)
def test_a_prefixed_block_unpickles_as_whooshs_pickle(deltas, weights, values):
    data = blocks.block_pickle(deltas, weights, values)
    assert pickle.loads(data) == pickle.loads(blocks.plain_block_pickle(deltas, weights, values))
    end = blocks.values_at(data)
    assert pickle.loads(data[:end] + pickle.TUPLE2 + pickle.STOP) == (deltas, weights)
    assert blocks.values_at(blocks.plain_block_pickle(deltas, weights, values)) is None


@pytest.mark.parametrize("shift", [0, 1, 200, 70_000, 2**30])
@pytest.mark.parametrize("deltas", [(5,), (5, 1, 1, 1), (250, 3), (60_000,) + (1,) * 130])
def test_shifting_a_blocks_first_id_keeps_the_values_offset(deltas, shift):
    data = postings._shift_first_int(blocks.block_pickle(deltas, None, (b"v",) * len(deltas)), shift)
    moved = (deltas[0] + shift,) + deltas[1:]
    assert pickle.loads(data) == (moved, None, (b"v",) * len(deltas))
    end = blocks.values_at(data)
    assert pickle.loads(data[:end] + pickle.TUPLE2 + pickle.STOP) == (moved, None)


def _blocks_of(reader, fieldname: str, text: str, fast: bool) -> list:
    m = reader.postings(fieldname, text)
    out = []
    while m.is_active():
        if fast:
            blocks.load_ids_weights(m)
        else:
            m._read_ids()
            m._read_weights()
        out.append((m._ids, list(m._weights), list(m._values or m._read_values() or m._values)))
        m._next_block()
    return out


@pytest.mark.parametrize("procs", [0, 1])  # Whoosh's own blocks (no prefix) and searchkit's
def test_ids_and_weights_read_alone_are_whooshs(tmp_path, procs):
    archive = Archive(tmp_path / "ix", procs=procs)
    archive.add([EXAMPLES])
    with index.open_dir(str(archive.path)).reader() as reader:
        terms = [(f, t) for f, t in reader.all_terms() if f in ("body", "headline", "places")]
        assert len(terms) > 100
        for fieldname, text in terms:
            assert (_blocks_of(reader, fieldname, text, fast=True)
                    == _blocks_of(reader, fieldname, text, fast=False)), (fieldname, text)
