"""One segment built in a worker process: documents analysed by the schema's own fields, postings
kept in memory and written at `finish` (`postings.write_postings`)."""
from __future__ import annotations

from collections import Counter, defaultdict
from operator import sub
from pickle import dumps
from typing import Any, Iterator

from whoosh.codec import default_codec
from whoosh.fields import Schema
from whoosh.formats import Frequency, Positions
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_uint

from ...schema import bulk_words
from .postings import write_postings

Document = dict[str, Any]


class SegmentBuilder:
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
        # fields: checked by `check_schema`).
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
        write_postings(self._storage, self._schema, self.segment,
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


def check_schema(schema: Schema) -> None:
    for name, field in schema.items():
        if field.vector or field.separate_spelling():
            raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported "
                             f"by the segment writer")
