"""Fixes to whoosh-reloaded 2.7.5, applied on import: two to its per-document reader
(`W3PerDocReader`), one to its NOT matcher (`AndNotMatcher`, at the end).

Whoosh looks up a document's field length once per posting: when a segment is written (BM25 block
statistics) and when it is scored. Two costs, measured by cProfile of `Archive.add`:
- for a field without a lengths column (tags, ids, dates) `_cached_reader` remembers nothing and
  asks the file system again each time: a `stat` call per posting;
- for a field with one, each lookup reads one byte through the column reader's Python calls.
Here a missing column is remembered as missing, and a lengths column is read once as a byte array.
The values returned are exactly the same (same bytes, same `byte_to_length`).
"""
from __future__ import annotations

from whoosh.codec import whoosh3
from whoosh.matching import binary
from whoosh.util.numeric import byte_to_length

_Reader = whoosh3.W3PerDocReader


def _cached_reader(self, fieldname, column):
    readers = self._readers
    if fieldname in readers:
        return readers[fieldname]
    reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    readers[fieldname] = reader  # segments are immutable: a missing column stays missing
    return reader


def length_bytes(perdoc, fieldname: str):
    """A per-document reader's length bytes of `fieldname` (one per document; None without a
    lengths column), read once; a column reader if its layout is not the expected one."""
    cache = perdoc.__dict__.get("_searchkit_lengths")
    if cache is None:
        cache = perdoc.__dict__["_searchkit_lengths"] = {}
    try:
        return cache[fieldname]
    except KeyError:
        pass
    reader = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    lengths = None
    if reader is not None:
        if getattr(reader, "_typecode", None) == "B" and getattr(reader, "_default", None) == 0:
            count = min(reader._count, reader._doccount)
            lengths = reader._dbfile.get(reader._basepos, count) + bytes(reader._doccount - count)
        else:
            lengths = reader  # an unexpected layout: per-document reads as before
    cache[fieldname] = lengths
    return lengths


def _doc_field_length(self, docnum, fieldname, default=0):
    if docnum > self._doccount:
        raise IndexError("Asked for docnum %r of %d" % (docnum, self._doccount))
    lengths = length_bytes(self, fieldname)
    if lengths is None:
        return default
    lbyte = lengths[docnum] if docnum < len(lengths) else 0
    if lbyte:
        return byte_to_length(lbyte)
    return None  # as Whoosh: a zero length byte reads as None


def segment_lengths(segment_reader, fieldname: str) -> bytes | None:
    """A segment's length bytes of `fieldname`, one per document (`byte_to_length` decodes one), or
    None when they are not available as one byte string."""
    perdoc = getattr(segment_reader, "_perdoc", None)
    lengths = length_bytes(perdoc, fieldname) if isinstance(perdoc, _Reader) else None
    return lengths if isinstance(lengths, bytes) else None


_Reader._cached_reader = _cached_reader
_Reader.doc_field_length = _doc_field_length


_and_not_find_next = binary.AndNotMatcher._find_next


def _and_not_find_next_if_active(self):
    # `skip_to` and `skip_to_quality` move the positive side and then call `_find_next`, which asks
    # that side for its document even when the move took it past its end: an IndexError (or a stale
    # document) whenever `a -b` is intersected with something (a date filter) and `a` runs out
    # before the other side while `b` has not.
    if not self.a.is_active():
        return False
    return _and_not_find_next(self)


binary.AndNotMatcher._find_next = _and_not_find_next_if_active
