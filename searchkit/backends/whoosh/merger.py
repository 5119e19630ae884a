"""Merging segments into one: per-document data copied, postings renumbered (`optimize`, and the
merges `merge_policy` plans at the end of a run)."""
from __future__ import annotations

import heapq
import struct
from collections import defaultdict
from itertools import groupby, takewhile
from typing import Iterator

from whoosh import index
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, _lenfield
from whoosh.columns import VarBytesColumn
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.system import pack_ushort
from whoosh.util.filelock import try_for

from .postings import LENGTH_OF_BYTE, copy_term, read_postings, write_postings
from .whoosh_patches import length_bytes

_TERM_DF = struct.Struct("!I")  # a W3TermInfo's document frequency, at byte 5


def merge(storage: FileStorage, schema: Schema, indexname: str, segments: list):
    """A new segment holding the live documents of `segments`, in order: stored fields, columns
    and lengths copied, posting blocks copied with their document numbers shifted (`copy_term`;
    a merge gives the same terms, statistics and postings as building its documents at once, which
    the tests check). The field-length totals (BM25's average lengths) are the sum of the
    segments' exact totals."""
    codec = default_codec()
    merged = codec.new_segment(storage, indexname)
    perdocs = [codec.per_document_reader(storage, segment) for segment in segments]
    terms = [codec.terms_reader(storage, segment) for segment in segments]
    try:
        renumber = _copy_documents(codec, storage, schema, merged, segments, perdocs)
        write_postings(storage, schema, merged, (
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
                        totals[name] -= LENGTH_OF_BYTE[column_lengths[old]]
                    continue
                remap[old] = docnum
            writer.start_doc(docnum)
            # The stored fields' compressed pickle, copied as it is (not unpickled, pickled and
            # compressed again: work per document that gives the same bytes).
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
    postings renumbered into the merged segment. The blocks of a term in segments without
    deletions are copied, only renumbered (`copy_term`), unless the term is in several segments
    and fits in one block; those, and a term in a segment with deletions, are decoded and
    written anew."""
    fixed = format_.fixed_value_size()
    limit = default_codec()._blocklimit

    def field_terms(i: int, reader) -> Iterator[tuple]:
        if name not in reader._fieldmap:
            return iter(())
        prefix = pack_ushort(reader._fieldmap[name])
        items = takewhile(lambda item: item[0][:2] == prefix, reader._tindex.items_from(prefix))
        return ((key[2:], i, info) for key, info in items)

    streams = [field_terms(i, reader) for i, reader in enumerate(readers)]
    for tbytes, group in groupby(heapq.merge(*streams), key=lambda entry: entry[0]):
        found = list(group)
        # A term in one block built at once stays one block (small blocks cost their overhead
        # in size and reading): its postings are decoded; longer ones have their blocks copied.
        if (all(isinstance(renumber[i], int) for _, i, _ in found)
                and (len(found) == 1 or sum(_TERM_DF.unpack_from(info, 5)[0] for _, _, info in found) > limit)):
            copied = copy_term([(readers[i]._postfile, info, renumber[i]) for _, i, info in found], level)
            if copied is not None:
                yield tbytes, copied, None, None
                continue
        ids: list[int] = []
        weights: list[float] = []
        values: list = []
        for _, i, info in found:
            old_ids, old_weights, old_values = read_postings(readers[i]._postfile, info, fixed)
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
