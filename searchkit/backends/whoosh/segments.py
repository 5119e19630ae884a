"""Fast indexing: worker processes write whole Whoosh segments through Whoosh's own codec.

Whoosh's default writer spends most of an indexing run merging segments at each commit and sorting
postings through temporary run files. Here a batch of articles is cut into runs of `segment_size`
consecutive articles; run k goes to worker k % workers, which analyses each document with the
schema's own fields (`field.index`, as `SegmentWriter.add_document` does), keeps the postings in
memory and writes the run as one segment: the same bytes as Whoosh's own flush, with posting blocks
filled at once (`_write_postings`). The parent holds the index's WRITELOCK for the whole
run, marks replaced articles as deleted in their old segments, and makes each batch visible at
once by writing the next table of contents (TOC) listing the old segments and the new ones in run
order. So documents are numbered in reading order, as with the default writer, and relevance ties
come out in the same order. At the end of a run, adjacent segments of about the same size are
merged ten at a time, in the workers (`plan_merges`, `merge`): a 200k-article run ends with 2
segments, not 20, and many small runs do not pile up segments.

Crash safety is Whoosh's: segment files are written first and the TOC last, so a killed or failed
batch or merge leaves the previous commit; its stray files are removed by the next commit
(`clean_files`). Workers are forked when indexing starts, before the WRITELOCK is taken (a forked
child would share the lock's open file and keep it after its parent's death), and end with the run
or when their parent dies.
"""
from __future__ import annotations

import gc
import heapq
import io
import math
import multiprocessing
import pickle
import struct
import zlib
from array import array
from collections import Counter, defaultdict
from itertools import accumulate, groupby, takewhile
from operator import sub
from pickle import dumps, loads
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

from whoosh import index
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import (LENGTHS_COLUMN, STORED_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo,
                                  _lenfield)
from whoosh.columns import VarBytesColumn
from whoosh.fields import Schema
from whoosh.formats import Frequency, Positions
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort, unpack_int
from whoosh.util.filelock import try_for
from whoosh.util.numeric import byte_to_length, length_to_byte

from .blocks import block_pickle, moved_values, values_at
from ...schema import bulk_words
from ...workers import answer_from, close_queues, messages_from, start_worker
from .whoosh_patches import length_bytes

# Documents per message to a worker: fewer, larger pickles.
_CHUNK = 200

Document = dict[str, Any]


class WorkerError(Exception):
    """A worker failed; `cause` is its exception (an OSError for a full disk)."""

    def __init__(self, cause: BaseException):
        super().__init__(repr(cause))
        self.cause = cause


class _SegmentBuilder:
    """One segment being built in a worker: stored fields and columns written as documents come,
    postings kept in memory (field -> term bytes -> [(docnum, weight, value bytes)]) until `finish`."""

    def __init__(self, storage: FileStorage, schema: Schema, indexname: str):
        self._storage, self._schema = storage, schema
        self._codec = default_codec()
        self.segment = self._codec.new_segment(storage, indexname)
        self._perdoc = self._codec.per_document_writer(storage, self.segment)
        self._postings: dict[str, dict[bytes, list]] = defaultdict(lambda: defaultdict(list))
        self._docnum = 0
        # Fields analysed in bulk (`schema.bulk_words`): name -> (the method that adds their
        # postings for their format, the analysis, the field boost).
        by_format = {Positions: self._add_positions, Frequency: self._add_frequencies}
        self._bulk = {name: (by_format[type(field.format)], words, field.format.field_boost)
                      for name, field in schema.items()
                      if field.indexed and type(field.format) in by_format
                      and (words := bulk_words(field.analyzer)) is not None}

    def add(self, doc: Document) -> None:
        # As SegmentWriter.add_document, for what this schema uses (no boosts, vectors or spelling
        # fields: checked by `_check_schema`).
        docnum, schema, perdoc = self._docnum, self._schema, self._perdoc
        perdoc.start_doc(docnum)
        for name in sorted(doc):
            value = doc[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if name in self._bulk and type(value) is str:
                add_postings, analyse, boost = self._bulk[name]
                length = add_postings(self._postings[name], analyse(value), boost, docnum)
                if not field.scorable:
                    length = 0
            elif field.indexed:
                terms = self._postings[name]
                scorable = field.scorable
                for tbytes, freq, weight, vbytes in field.index(value):
                    if scorable:
                        length += freq
                    # `* 1.0`: the default writer multiplies by the (unit) field boost.
                    terms[tbytes].append((docnum, weight * 1.0, vbytes))
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._docnum += 1

    @staticmethod
    def _add_positions(terms: dict, words: list[str], boost: float, docnum: int) -> int:
        """Postings of a document's analysed words as `Positions.word_values` makes them (weight:
        the frequency times the field boost; value: the count and the pickled position deltas);
        returns the field's length in tokens."""
        positions: dict[str, list[int]] = defaultdict(list)
        for pos, word in enumerate(words):
            positions[word].append(pos)
        once = _ONCE
        for word, found in positions.items():
            count = len(found)
            if count == 1:  # most terms of a document
                value = once.get(found[0]) or once.setdefault(found[0], _positions_value(found))
            else:
                value = _positions_value(found)
            terms[word.encode()].append((docnum, count * boost, value))
        return len(words)

    @staticmethod
    def _add_frequencies(terms: dict, words: list[str], boost: float, docnum: int) -> int:
        """The same as `Frequency.word_values` makes them (value: the packed count)."""
        for word, count in Counter(words).items():
            terms[word.encode()].append((docnum, count * boost, pack_uint(count)))
        return len(words)

    def finish(self):
        """Write the postings and close the segment's files; returns the Segment."""
        self._perdoc.close()
        # Before any reader opens the segment (the BM25 block statistics read the lengths back).
        self.segment.set_doc_count(self._docnum)
        _write_postings(self._storage, self._schema, self.segment,
                        ((name, self._terms(name)) for name in sorted(self._postings)))
        self._postings.clear()
        return self.segment

    def _terms(self, name: str) -> Iterator[tuple]:
        terms = self._postings[name]
        for tbytes in sorted(terms):
            ids, weights, values = zip(*terms[tbytes])
            yield tbytes, ids, weights, values


# Value bytes of a posting at a single position, by position (shared by every such posting).
_ONCE: dict[int, bytes] = {}


def _positions_value(positions: list[int]) -> bytes:
    """`Positions.encode`: the count, then the pickled deltas between positions."""
    deltas = [positions[0], *map(sub, positions[1:], positions)]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def _write_postings(storage: FileStorage, schema: Schema, segment, fields: Iterable[tuple]) -> None:
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
_LENGTH = [byte_to_length(b) for b in range(256)]
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
                low, high = _LENGTH[min(known)], _LENGTH[max(known)]
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


# ------------------------------------------------------------ merging segments

# The merge policy: Lucene's TieredMergePolicy, for runs of adjacent segments (documents keep their
# order, so relevance ties keep coming out in reading order). A segment of at least half of
# MERGE_MAX_DOCS is full: never merged again (a merge costs ~0.8 ms of one process per article,
# while a query gains little from fewer segments once they are this large). The others may number
# SEGMENTS_PER_TIER per tier: tiers of MERGE_FLOOR articles (or the smallest segment's size, if
# larger), then MERGE_AT_ONCE times that, and so on; while there are more, the most balanced runs
# of 2 to MERGE_AT_ONCE adjacent segments are merged. So the count of segments stays about
# log10(articles / MERGE_FLOOR) after any sequence of runs, whatever sizes they come in, and an
# article is merged about as many times.
MERGE_AT_ONCE = 10
SEGMENTS_PER_TIER = 1
MERGE_FLOOR = 2_000
MERGE_MAX_DOCS = 250_000


def allowed_segments(total: int, smallest: int) -> int:
    """How many segments (not full) `total` articles may be in (Lucene's allowedSegCount)."""
    tier, allowed = max(MERGE_FLOOR, smallest), 0
    while total > tier * SEGMENTS_PER_TIER:
        allowed += SEGMENTS_PER_TIER
        total -= tier * SEGMENTS_PER_TIER
        tier *= MERGE_AT_ONCE
    return allowed + math.ceil(total / tier)


def plan_merges(sizes: Sequence[int], at_once: int = MERGE_AT_ONCE,
                max_docs: int = MERGE_MAX_DOCS) -> list[tuple[int, int]]:
    """The runs [start, end) of adjacent segments to merge now (at once, in parallel), given the
    segments' live document counts in index order; none when the segments not full are no more
    than `allowed_segments`. A run's score is Lucene's: its skew (largest segment / total, sizes
    under MERGE_FLOOR counted as MERGE_FLOOR) times total ** 0.05, the lowest first. A run is
    taken only if it is no larger than those taken before it in this round: a large merge waits
    for the small ones to be done, as they may be enough (the caller plans again after each)."""
    full = [size >= max_docs // 2 for size in sizes]
    open_sizes = [size for size, is_full in zip(sizes, full) if not is_full]
    excess = len(open_sizes) - allowed_segments(sum(open_sizes), min(open_sizes, default=0))
    if excess <= 0:
        return []
    candidates = []
    for start in range(len(sizes)):
        total = 0
        for end in range(start + 1, min(len(sizes), start + at_once) + 1):
            if full[end - 1] or total + sizes[end - 1] > max_docs:
                break
            total += sizes[end - 1]
            if end - start >= 2:
                floored = [max(size, MERGE_FLOOR) for size in sizes[start:end]]
                candidates.append((max(floored) / sum(floored) * total ** 0.05, start, end, total))
    runs: list[tuple[int, int]] = []
    largest = None
    for _score, start, end, total in sorted(candidates):
        if excess <= 0:
            break
        if (largest is not None and total > largest) or any(start < e and s < end for s, e in runs):
            continue
        runs.append((start, end))
        largest = total if largest is None else largest
        excess -= end - start - 1
    return sorted(runs)


def merge(storage: FileStorage, schema: Schema, indexname: str, segments: list):
    """A new segment holding the live documents of `segments`, in order: stored fields, columns
    and lengths copied, postings decoded a block at a time and written as Whoosh writes them (a
    merge gives the same files as building its documents at once, which the tests check). The
    field-length totals (BM25's average lengths) are the sum of the segments' exact totals."""
    codec = default_codec()
    merged = codec.new_segment(storage, indexname)
    perdocs = [codec.per_document_reader(storage, segment) for segment in segments]
    terms = [codec.terms_reader(storage, segment) for segment in segments]
    try:
        renumber = _copy_documents(codec, storage, schema, merged, segments, perdocs)
        _write_postings(storage, schema, merged, (
            (name, _merged_terms(name, schema[name].format, terms, renumber, codec._compression))
            for name in sorted(schema.names()) if schema[name].indexed))
    finally:
        for reader in perdocs + terms:
            reader.close()
    return merged


def optimize(ix: index.FileIndex, timeout: float) -> tuple[int, int, int, bool]:
    """Merges every segment of the index into one, without the deleted documents (`searchkit
    optimize`), in this process, holding the WRITELOCK; returns (segments before, segments after,
    articles, whether it merged anything). As every merge: the new segment's files are written
    first and the TOC that lists it instead of the old segments last, so an interrupted or failed
    optimize leaves the previous commit whole; its partial files are removed at once (after a
    kill, by the next commit)."""
    lock = ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=timeout, delay=0.1):
        raise LockError
    try:
        toc = ix._read_toc()
        old = toc.segments
        if len(old) <= 1 and not any(segment.has_deletions() for segment in old):
            return len(old), len(old), sum(segment.doc_count() for segment in old), False
        try:
            merged = merge(ix.storage, toc.schema, ix.indexname, old)
            kept = [merged] if merged.doc_count_all() else []
            index.TOC(toc.schema, kept, toc.generation + 1).write(ix.storage, ix.indexname)
        except BaseException:
            index.clean_files(ix.storage, ix.indexname, toc.generation, old)
            raise
        index.clean_files(ix.storage, ix.indexname, toc.generation + 1, kept)
        return len(old), len(kept), merged.doc_count_all(), True
    finally:
        lock.release()


def _copy_documents(codec, storage: FileStorage, schema: Schema, merged, segments: list,
                    perdocs: list) -> list:
    """Copies the live documents' per-document data into `merged`; returns for each segment its
    first new document number (no deletions) or a list old -> new number (-1: deleted)."""
    writer = codec.per_document_writer(storage, merged)
    stored_out = writer._colwriters["_stored"]._child  # below the pickling and the compression
    scored = list(schema.scorable_names())
    columns = [(name, schema[name].column_type) for name in schema.names()
               if schema[name].column_type]
    totals: dict[str, int] = defaultdict(int)
    renumber: list = []
    docnum = 0
    for segment, perdoc in zip(segments, perdocs):
        lengths = [(name, _lenfield(name), length_bytes(perdoc, name)) for name in scored]
        lengths = [entry for entry in lengths if entry[2] is not None]
        stored_in = perdoc._cached_reader("_stored", STORED_COLUMN)._child
        readers = [(name, column, perdoc.column_reader(name, column))
                   for name, column in columns if perdoc.has_column(name)]
        for name in scored:
            totals[name] += perdoc.field_length(name)
        remap = [-1] * segment.doc_count_all() if segment.has_deletions() else None
        renumber.append(docnum if remap is None else remap)
        for old in range(segment.doc_count_all()):
            if remap is not None:
                if segment.is_deleted(old):
                    for name, _, column_lengths in lengths:  # no longer part of the totals
                        totals[name] -= _LENGTH[column_lengths[old]]
                    continue
                remap[old] = docnum
            writer.start_doc(docnum)
            # The stored fields' compressed pickle, copied as it is (not unpickled, pickled and
            # compressed again: ~60 µs a document).
            VarBytesColumn.Writer.add(stored_out, docnum, VarBytesColumn.Reader.__getitem__(stored_in, old))
            for _, lenfield, column_lengths in lengths:
                if column_lengths[old]:
                    writer.add_column_value(lenfield, LENGTHS_COLUMN, column_lengths[old])
            for name, column, reader in readers:
                writer.add_column_value(name, column, reader[old])
            writer.finish_doc()
            docnum += 1
    writer._fieldlengths = totals  # what `close` gives the segment
    writer.close()
    merged.set_doc_count(docnum)
    return renumber


def _merged_terms(name: str, format_, readers: list, renumber: list, level: int) -> Iterator[tuple]:
    """The field's terms across the segments' terms readers, in byte order, each with its
    postings renumbered into the merged segment. A term found in one segment without deletions
    (most terms: ids, rare words) keeps its blocks, only renumbered (`_shift_term`); the others are
    decoded and written anew."""
    fixed = format_.fixed_value_size()

    def field_terms(i: int, reader) -> Iterator[tuple]:
        if name not in reader._fieldmap:
            return iter(())
        prefix = pack_ushort(reader._fieldmap[name])
        items = takewhile(lambda item: item[0][:2] == prefix, reader._tindex.items_from(prefix))
        return ((key[2:], i, info) for key, info in items)

    streams = [field_terms(i, reader) for i, reader in enumerate(readers)]
    for tbytes, group in groupby(heapq.merge(*streams), key=lambda entry: entry[0]):
        found = list(group)
        if len(found) == 1 and isinstance(renumber[found[0][1]], int):
            _, i, info = found[0]
            shifted = _shift_term(readers[i]._postfile, info, renumber[i], level)
            if shifted is not None:
                yield tbytes, shifted, None, None
                continue
        ids: list[int] = []
        weights: list[float] = []
        values: list = []
        for _, i, info in found:
            old_ids, old_weights, old_values = _postings(readers[i]._postfile, info, fixed)
            new = renumber[i]
            if isinstance(new, int):
                ids += map(new.__add__, old_ids)
                weights += old_weights
                values += old_values
            else:
                for docnum, weight, value in zip(old_ids, old_weights, old_values):
                    if new[docnum] >= 0:
                        ids.append(new[docnum])
                        weights.append(weight)
                        values.append(value)
        if ids:  # a term of deleted documents only is dropped, as in Whoosh's merge
            yield tbytes, ids, weights, values


_EXTENT = struct.Struct("!qi")  # where W3TermInfo's postings are: offset, length


class _Shifted(NamedTuple):
    """A term's postings ready to copy: the posting bytes and the term info's header."""
    postings: bytes
    header: bytes


def _shift_term(postfile, info: bytes, shift: int, level: int) -> _Shifted | None:
    """A term's blocks with every document number plus `shift`: the bytes `_write_field` gives
    the same postings (blocks keep their boundaries and statistics, and only the first id of a
    block is stored whole: the rest are deltas). None if a block is not as expected."""
    if info[0]:
        return None  # inlined postings
    chunks = [WHOOSH3_HEADER_MAGIC]
    for (count, last_id, heaviest, _, low, high), data, last in _read_blocks(postfile, info):
        data = _shift_first_int(data, shift)
        if data is None:
            return None
        chunks.append(_block(data, count, last_id + shift, heaviest, low, high, level, last))
    flags, weight, df, low, high, heaviest, first, last = _TERM_INFO.unpack_from(info)
    return _Shifted(b"".join(chunks), _TERM_INFO.pack(flags, weight, df, low, high, heaviest,
                                                       first + shift, last + shift))


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


def _postings(postfile, info: bytes, fixed: int | None) -> tuple[list, list, list]:
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


def _check_schema(schema: Schema) -> None:
    for name, field in schema.items():
        if field.vector or field.separate_spelling():
            raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported "
                             f"by the segment writer")


def _worker(folder: str, indexname: str, schema: Schema, inbox, outbox) -> None:
    """Builds segments from ("docs", run, [documents]) messages. At ("flush", batch) it finishes
    its segment and answers ("flushed", batch, {run: Segment}); an error is answered ("error",
    exception) at the next flush. ("merge", job, [Segment]) is answered ("merged", job, Segment)
    or ("error", exception). Runs until ("stop",) or until its caller has died."""
    start_worker()
    # Indexing makes millions of small objects and almost no reference cycles (see Archive._write).
    gc.disable()
    storage = FileStorage(folder)
    builder: _SegmentBuilder | None = None
    done: dict[int, Any] = {}
    run = -1
    error: Exception | None = None
    for message in messages_from(inbox):
        if message[0] == "stop":
            return
        try:
            if message[0] == "merge":
                _, job, segments = message
                outbox.put(("merged", job, merge(storage, schema, indexname, segments)))
            elif message[0] == "flush":
                if builder is not None and error is None:
                    done[run] = builder.finish()
                outbox.put(("error", error) if error is not None else ("flushed", message[1], done))
                builder, done, error = None, {}, None
            elif error is None:
                if builder is not None and message[1] != run:
                    done[run] = builder.finish()
                    builder = None
                if builder is None:
                    builder, run = _SegmentBuilder(storage, schema, indexname), message[1]
                for doc in message[2]:
                    builder.add(doc)
        except Exception as exc:  # the rest of the batch is skipped; the caller cancels it
            if message[0] == "merge":
                outbox.put(("error", exc))
            else:
                error = exc


class Workers:
    """Worker processes, forked once per `Archive.add` run (before the caller's memory grows, so
    they share little with it) and reused for each batch."""

    def __init__(self, folder: str, indexname: str, schema: Schema, count: int):
        _check_schema(schema)
        # fork, not spawn or forkserver: those re-run the caller's main module in each worker.
        ctx = multiprocessing.get_context("fork")
        self._outbox = ctx.Queue()
        self._inboxes = [ctx.Queue() for _ in range(count)]
        self._procs = [ctx.Process(target=_worker, daemon=True,
                                   args=(folder, indexname, schema, inbox, self._outbox))
                       for inbox in self._inboxes]
        for proc in self._procs:
            proc.start()
        self.closed = False

    def __len__(self) -> int:
        return len(self._procs)

    def send(self, worker: int, run: int, docs: list[Document]) -> None:
        self._inboxes[worker].put(("docs", run, docs))

    def flush(self, batch: int) -> None:
        """Asks every worker to finish its segments of `batch` (answers come through `receive`)."""
        for inbox in self._inboxes:
            inbox.put(("flush", batch))

    def merge(self, worker: int, job: int, segments: list) -> None:
        """Asks a worker to merge `segments` into one (the answer comes through `receive`)."""
        self._inboxes[worker].put(("merge", job, segments))

    def receive(self, block: bool) -> tuple[int, Any] | None:
        """One worker's answer: (batch, {run: Segment}) for a flush, (job, Segment) for a merge;
        None if none is ready and not `block`."""
        try:
            message = answer_from(self._outbox, self._procs, block)
        except ChildProcessError:
            raise WorkerError(ChildProcessError("an indexing process died")) from None
        if message is None:
            return None
        if message[0] == "error":
            raise WorkerError(message[1])
        return message[1], message[2]

    def stop(self) -> None:
        for inbox in self._inboxes:
            inbox.put(("stop",))
        for proc in self._procs:
            proc.join()
        self._close_queues()

    def kill(self) -> None:
        for proc in self._procs:
            proc.kill()
            proc.join()
        self._close_queues()

    def _close_queues(self) -> None:
        self.closed = True
        close_queues(self._inboxes + [self._outbox])


class SegmentsWriter:
    """Writes batches of documents as new segments in the workers' processes, holding the
    WRITELOCK until `close`. `commit` ends a batch without waiting: the batch becomes visible
    (its segments and the deletions of the documents it replaces, in one new TOC) as soon as every
    worker has finished it, while the next batch is being read; batches become visible in order.
    At most two batches are in progress, so memory stays bounded when reading outpaces indexing."""

    def __init__(self, ix: index.FileIndex, timeout: float, workers: Workers, segment_size: int):
        self._storage, self._indexname = ix.storage, ix.indexname
        self._workers = workers
        self._segment_size = max(1, segment_size)
        self._lock = ix.lock("WRITELOCK")
        if not try_for(self._lock.acquire, timeout=timeout, delay=0.1):
            raise LockError
        self._closed = False
        try:
            toc = ix._read_toc()
        except BaseException:
            self._finish()
            raise
        self._schema, self._segments, self._generation = toc.schema, toc.segments, toc.generation
        self._replaced: list[str] = []
        self._added = 0  # documents of the current batch
        self._first_run = 0  # runs are numbered across batches: the TOC lists them in order
        self._pending: list[Document] = []  # of the current run, not sent yet
        self._batch = 0
        # batch -> [ids it replaces, {run: Segment}, workers that have answered]
        self._in_progress: dict[int, list] = {}

    def _run(self, n: int) -> int:
        return self._first_run + n // self._segment_size

    def add(self, doc: Document, replace: bool) -> None:
        if replace:
            self._replaced.append(doc["id"])
        run = self._run(self._added)
        self._pending.append(doc)
        self._added += 1
        if len(self._pending) >= _CHUNK or self._run(self._added) != run:
            self._send()

    def _send(self) -> None:
        if self._pending:
            run = self._run(self._added - 1)
            self._workers.send(run % len(self._workers), run, self._pending)
            self._pending = []
        self._collect(block=False)

    def commit(self) -> None:
        """Ends the current batch (it is committed in the background; see `close`)."""
        if not self._added:
            return
        self._send()
        self._workers.flush(self._batch)
        self._in_progress[self._batch] = [self._replaced, {}, 0]
        self._first_run = self._run(self._added - 1) + 1
        self._batch += 1
        self._replaced, self._added = [], 0
        while len(self._in_progress) > 2:
            self._collect(block=True)

    def close(self) -> None:
        """Commits the current batch, waits until every batch is visible, releases the lock."""
        self.commit()
        while self._in_progress:
            self._collect(block=True)
        self._merge()
        # Only now: `clean_files` deletes every segment file that the TOC does not list, such as
        # those of a batch still being written (and the leftovers of a killed run).
        index.clean_files(self._storage, self._indexname, self._generation, self._segments)
        self._finish()

    def _collect(self, block: bool) -> None:
        """Takes in finished segments; writes the TOC of each batch that is complete, in order."""
        while self._in_progress:
            answer = self._workers.receive(block)
            if answer is None:
                return
            batch, segments = answer
            entry = self._in_progress[batch]
            entry[1].update(segments)
            entry[2] += 1
            oldest = min(self._in_progress)
            while oldest in self._in_progress and self._in_progress[oldest][2] == len(self._workers):
                replaced, new, _ = self._in_progress.pop(oldest)
                self._write_toc(replaced, [new[k] for k in sorted(new)])
                oldest += 1
            if block:
                return

    def _merge(self) -> None:
        """Merges runs of adjacent small segments (`plan_merges`), in parallel in the workers,
        until none is left to merge; each round becomes visible in one new TOC."""
        while True:
            runs = plan_merges([segment.doc_count() for segment in self._segments])
            if not runs:
                return
            for job, (start, end) in enumerate(runs):
                self._workers.merge(job % len(self._workers), job, self._segments[start:end])
            merged: dict[int, Any] = {}
            while len(merged) < len(runs):
                job, segment = self._workers.receive(block=True)
                merged[job] = segment
            segments, kept = [], 0
            for job, (start, end) in enumerate(runs):
                segments += self._segments[kept:start] + [merged[job]]
                kept = end
            self._write_segments(segments + self._segments[kept:])

    def _write_toc(self, replaced: list[str], new: list) -> None:
        self._delete(replaced)
        self._write_segments(self._segments + new)

    def _write_segments(self, segments: list) -> None:
        generation = self._generation + 1
        index.TOC(self._schema, segments, generation).write(self._storage, self._indexname)
        self._segments, self._generation = segments, generation

    def _delete(self, replaced: list[str]) -> None:
        """Marks the earlier versions of replaced articles deleted in their segments (saved with
        the TOC, as Whoosh's own `delete_by_term` + commit do)."""
        if not replaced:
            return
        ids = sorted(replaced)
        for segment in self._segments:
            reader = SegmentReader(self._storage, self._schema, segment)
            try:
                for article_id in ids:
                    if ("id", article_id) in reader:
                        for docnum in reader.postings("id", article_id).all_ids():
                            segment.delete_document(docnum)
            finally:
                reader.close()

    def cancel(self) -> None:
        """Drops the batches not yet visible: the workers are killed (the caller starts new ones
        if it goes on); files already written are removed by the next commit."""
        if not self._closed:
            self._workers.kill()
            self._finish()

    def _finish(self) -> None:
        self._closed = True
        self._lock.release()
