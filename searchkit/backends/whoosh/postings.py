"""A segment's terms and postings in the bytes of Whoosh's own flush: written a term at a time, read
back a block at a time, and copied with their document numbers shifted (merges)."""
from __future__ import annotations

import io
import pickle
import struct
import zlib
from array import array
from itertools import accumulate
from operator import sub
from pickle import dumps, loads
from typing import Iterable, Iterator, NamedTuple

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_int, pack_long, pack_ushort, unpack_int
from whoosh.util.numeric import byte_to_length, length_to_byte

from .blocks import block_pickle, moved_values, values_at
from .whoosh_patches import length_bytes


def write_postings(storage: FileStorage, schema: Schema, segment, fields: Iterable[tuple]) -> None:
    """Writes a segment's terms and postings: `fields` yields (field name, terms) in name order and
    terms yield (term bytes, ids, weights, values) in byte order, ids increasing."""
    codec = default_codec()
    perdoc = codec.per_document_reader(storage, segment)
    writer = codec.field_writer(storage, segment)
    try:
        for name, terms in fields:
            _write_field(writer, name, schema[name].format, terms, length_bytes(perdoc, name))
    finally:
        writer.close()
        perdoc.close()


# Posting blocks whose pickle is shorter are stored uncompressed (see `_write_field`).
COMPRESS_FROM = 100


def _compress(data: bytes, level: int) -> bytes:
    """zlib with a 4 KB window and a small hash table: ~15 µs a block against ~70 µs for
    `zlib.compress`, which sets up and clears 256 KB of state per call for blocks of a few hundred
    bytes. Any zlib reader decompresses it (the window size is in the stream's header)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 12, 4)
    return compressor.compress(data) + compressor.flush()

# The field length each length byte stands for (`byte_to_length`, increasing with the byte).
LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]
_TERM_INFO = struct.Struct("!BfIBBfII")  # W3TermInfo's header


def _write_field(writer, name: str, format_, terms: Iterable[tuple], lengths) -> None:
    """One field's terms through `writer` (a W3FieldWriter): the bytes of Whoosh's own flush
    (`FieldWriter.add_postings` -> `W3PostingsWriter` -> `W3TermInfo.to_bytes`), which the tests
    compare file for file, encoded a term at a time instead of through ~40 calls per term and 4
    per posting. Two differences, both in compression (see `_compress`). A small block is not
    compressed: Whoosh means to skip blocks under 20 bytes, but a slip (`comp` is set again right
    after) compresses every block, and one zlib call costs 20-60 µs, more than the rest of a small
    block's encoding, for nothing (a 61-byte pickle compresses to 63). Most blocks are small: a
    term's postings in one segment. Readers look at each block's compression flag, so the index
    stays a normal Whoosh index. A term given as `_Shifted` postings (from a merge) is copied."""
    codec = writer._codec
    assert codec._inlinelimit <= 1  # never inlined: postings always go to the postings file
    limit, level = codec._blocklimit, codec._compression
    postfile, table, fieldmap = writer._postfile, writer._tindex, writer._fieldmap
    fixed = format_.fixed_value_size()
    prefix = None
    for tbytes, ids, weights, values in terms:
        if prefix is None:  # a field without terms gets no entry, as in Whoosh's flush
            fieldmap.setdefault(name, len(fieldmap))
            prefix = pack_ushort(fieldmap[name])
        if type(ids) is _Shifted:
            start = postfile.tell()
            postfile.write(ids.postings)
            table.add(prefix + tbytes, ids.header + pack_long(start) + pack_int(len(ids.postings)))
            continue
        count = len(ids)
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        total, minlength, maxlength, maxweight = 0, None, 0, 0
        for first in range(0, count, limit):
            end = first + limit
            block = ids[first:end]
            given = weights[first:end]
            stored = array("f", given)
            total += sum(stored)
            heaviest = max(given)
            heaviest = heaviest if heaviest > 0 else 0
            maxweight = max(maxweight, heaviest)
            known = list(filter(None, map(lengths.__getitem__, block))) if lengths is not None else None
            if known:
                low, high = LENGTH_OF_BYTE[min(known)], LENGTH_OF_BYTE[max(known)]
                minlength = low if minlength is None else min(minlength, low)
                maxlength = max(maxlength, high)
            else:
                low, high = None, 0
            if all(w == 1.0 for w in stored):
                mini_weights = None
            elif all(w == stored[0] for w in stored):
                mini_weights = stored[0]
            else:
                mini_weights = tuple(stored)
            kept = list(filter(None, values[first:end]))
            if fixed is None or fixed < 0:
                mini_values = tuple(kept)
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = b"".join(kept)
            deltas = (block[0],) + tuple(map(sub, block[1:], block)) if len(block) > 1 else (block[0],)
            postfile.write(_block(block_pickle(deltas, mini_weights, mini_values), len(block),
                                  block[-1], heaviest, length_to_byte(low), length_to_byte(high),
                                  level, last=end >= count))
        term_info = _TERM_INFO.pack(0, total, count, length_to_byte(minlength),
                                    length_to_byte(maxlength), maxweight, ids[0], ids[-1])
        table.add(prefix + tbytes, term_info + pack_long(start) + pack_int(postfile.tell() - start))


def _block(data: bytes, count: int, last_id: int, heaviest: float, low: int, high: int,
           level: int, last: bool) -> bytes:
    """One posting block as `W3PostingsWriter._write_block` lays it out: its signed size (negative
    for a term's last block), the pickled block info, then `data` (the pickled ids, weights and
    values), compressed unless short. `low` and `high` are length bytes."""
    compression = level if len(data) >= COMPRESS_FROM else 0
    if compression:
        data = _compress(data, compression)
    info = dumps((count, last_id, heaviest, compression, low, high), 2)
    size = len(info) + len(data)
    return pack_int(-size if last else size) + info + data


def _read_blocks(postfile, info: bytes) -> Iterator[tuple[tuple, bytes, bool]]:
    """A term's blocks in one segment, from its (not inlined) W3TermInfo bytes: (block info,
    pickled data, whether it is the last block), the data decompressed."""
    offset, length = _EXTENT.unpack_from(info, _TERM_INFO.size)
    source = io.BytesIO(postfile.get(offset, length))
    source.seek(len(WHOOSH3_HEADER_MAGIC))
    while True:
        size = unpack_int(source.read(4))[0]
        end = source.tell() + abs(size)
        block_info = pickle.load(source)
        data = source.read(end - source.tell())
        yield block_info, zlib.decompress(data) if block_info[3] else data, size < 0
        if size < 0:
            return


_EXTENT = struct.Struct("!qi")  # where W3TermInfo's postings are: offset, length


class _Shifted(NamedTuple):
    """A term's postings ready to copy: the posting bytes and the term info's header."""
    postings: bytes
    header: bytes


def copy_term(parts: list[tuple], level: int) -> _Shifted | None:
    """A term's postings in a merged segment from its postings in several segments without
    deletions, `parts` of (postings file, W3TermInfo bytes, first new document number), in
    document order: each segment's blocks copied one after the other, a block's first id (the
    others are deltas) and last id shifted, so no posting is decoded. A block of the first
    segment is copied byte for byte, the others are decompressed to be shifted. The term's
    statistics are the segments' combined (total weight, documents, shortest and longest length,
    heaviest weight, first and last id). The same postings as building the merged documents at
    once; only the blocks where a segment ends hold fewer than a full block's postings. None if a
    posting list is inlined or a block is not as expected (the caller decodes the postings)."""
    chunks = [WHOOSH3_HEADER_MAGIC]
    total, count, low, high, heaviest = 0.0, 0, 0, 0, 0.0
    final = len(parts) - 1
    for k, (postfile, info, shift) in enumerate(parts):
        if info[0]:
            return None  # inlined postings
        _, weight, df, min_byte, max_byte, max_weight, first_id, last_id = _TERM_INFO.unpack_from(info)
        total += weight
        count += df
        if min_byte and (not low or min_byte < low):
            low = min_byte
        high, heaviest = max(high, max_byte), max(heaviest, max_weight)
        if k == 0:
            first = first_id + shift
        if shift == 0:
            blocks = _raw_blocks(postfile, info, last=k == final)
        else:
            blocks = _shifted_blocks(postfile, info, shift, level, last=k == final)
        if blocks is None:
            return None
        chunks.append(blocks)
    return _Shifted(b"".join(chunks), _TERM_INFO.pack(0, total, count, low, high, heaviest,
                                                       first, last_id + shift))


def _raw_blocks(postfile, info: bytes, last: bool) -> bytes:
    """A term's blocks in one segment as they are, the last one marked last only if `last`."""
    offset, length = _EXTENT.unpack_from(info, _TERM_INFO.size)
    raw = postfile.get(offset, length)
    if last:
        return raw[len(WHOOSH3_HEADER_MAGIC):]
    at = len(WHOOSH3_HEADER_MAGIC)
    while True:  # to the last block: its size is negative
        size = unpack_int(raw[at:at + 4])[0]
        if size < 0:
            return raw[len(WHOOSH3_HEADER_MAGIC):at] + pack_int(-size) + raw[at + 4:]
        at += 4 + size


def _shifted_blocks(postfile, info: bytes, shift: int, level: int, last: bool) -> bytes | None:
    """A term's blocks in one segment with every document number plus `shift` (see `copy_term`)."""
    chunks = []
    for (count, last_id, heaviest, _, low, high), data, is_last in _read_blocks(postfile, info):
        data = _shift_first_int(data, shift)
        if data is None:
            return None
        chunks.append(_block(data, count, last_id + shift, heaviest, low, high, level,
                             is_last and last))
    return b"".join(chunks)


def _shift_first_int(data: bytes, shift: int) -> bytes | None:
    """A block's pickled (deltas, weights, values), protocol 2, with the first delta (the block's
    first id) plus `shift`, in the bytes pickle itself writes for the new number; None if the
    pickle does not start as expected."""
    hinted = values_at(data) is not None
    at = 8 if hinted else 2  # after PROTO 2 (and the prefix of `block_pickle`)
    at += data[at:at + 1] == b"("  # and after MARK when the ids are more than 3
    opcode = data[at:at + 1]
    width = _INT_WIDTH.get(opcode)
    if width is None:
        return None
    value = int.from_bytes(data[at + 1:at + 1 + width], "little", signed=opcode == b"J") + shift
    if value <= 0xFF:
        encoded = b"K" + value.to_bytes(1, "little")
    elif value <= 0xFFFF:
        encoded = b"M" + value.to_bytes(2, "little")
    elif value <= 0x7FFFFFFF:
        encoded = b"J" + value.to_bytes(4, "little", signed=True)
    else:
        return None
    data = data[:at] + encoded + data[at + 1 + width:]
    return moved_values(data, len(encoded) - 1 - width) if hinted else data


# pickle's opcodes for a non-negative int: BININT1, BININT2, BININT, and their widths.
_INT_WIDTH = {b"K": 1, b"M": 2, b"J": 4}


def read_postings(postfile, info: bytes, fixed: int | None) -> tuple[list, list, list]:
    """A term's postings in one segment, from its W3TermInfo bytes: ids, weights and values,
    decoded a block at a time as `W3LeafMatcher` decodes them."""
    if info[0]:  # inlined in the term info (not written by this codec's settings, but valid)
        ids, weights, values = W3TermInfo.from_bytes(info).inlined_postings()
        return list(ids), list(weights), list(values)
    ids, weights, values = [], [], []
    for (count, *_), data, _last in _read_blocks(postfile, info):
        block_ids, block_weights, block_values = loads(data)
        ids += accumulate(block_ids)
        if block_weights is None:
            weights += [1.0] * count
        elif isinstance(block_weights, float):
            weights += [block_weights] * count
        else:
            weights += block_weights
        if fixed is None or fixed < 0:
            values += block_values
        elif fixed == 0:
            values += [None] * count
        else:
            values += [block_values[i:i + fixed] for i in range(0, len(block_values), fixed)]
    return ids, weights, values
