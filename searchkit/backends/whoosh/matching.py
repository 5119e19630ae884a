"""The set of documents a query matches, from posting blocks (exact totals, facet counts)."""
from __future__ import annotations

import weakref

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, wrappers
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from .blocks import load_ids_weights
from .phrases import phrase_scores


def matcher_ids(m, reader=None) -> set[int]:
    """The document numbers a fresh matcher would yield from all_ids(), as a set.

    Whoosh walks unions and intersections one posting at a time in Python (`id()`, `next()` on
    every level: a two-field word query calls ~6 methods per match); set operations on the leaves'
    posting blocks give the same set several times faster. Phrases are matched in bulk
    (`phrases.phrase_scores`) given the segment's `reader`. Matchers not known here fall back to
    their own all_ids().
    """
    t = type(m)
    if t is binary.UnionMatcher or t is binary.DisjunctionMaxMatcher:
        a, b = matcher_ids(m.a, reader), matcher_ids(m.b, reader)  # new sets: the larger takes the smaller in
        if len(a) < len(b):
            a, b = b, a
        a |= b
        return a
    if t is binary.IntersectionMatcher:
        a = matcher_ids(m.a, reader)
        return a & matcher_ids(m.b, reader) if a else a
    if t is binary.AndNotMatcher:
        # Also a fix: Whoosh's own all_ids() here yields the positive side's first document without
        # checking it when the negative side starts on an earlier document (`_find_first`).
        a = matcher_ids(m.a, reader)
        return a - matcher_ids(m.b, reader) if a else a
    if t is binary.AndMaybeMatcher:
        return matcher_ids(m.a, reader)
    if t is wrappers.FilterMatcher:
        ids = matcher_ids(m.child, reader)
        return ids - m._ids if m._exclude else ids & m._ids
    if t is wrappers.ConstantScoreWrapperMatcher:
        return matcher_ids(m.child, reader)
    if t is query.SpanNear2.SpanNear2Matcher and reader is not None:
        # Whoosh's own walk checks a phrase's positions a document at a time (~50 ms for a
        # common phrase at 50,000 articles, where scoring the same phrase in bulk took ~11).
        phrase = phrase_scores(m, None, reader)
        if phrase is not None:
            return set(phrase)
    if t is W3LeafMatcher:
        out: set[int] = set()
        while m.is_active():  # one posting block at a time
            if m._ids is None:
                load_ids_weights(m)
            out.update(m._ids[m._i:m._blocklength])
            m._i = m._blocklength
            m._next_block()
        return out
    id_set = getattr(m, "id_set", None)  # a matcher that gives its set at once (days in a range)
    return id_set() if id_set is not None else set(m.all_ids())


def segment_matches(sub: Searcher, q: query.Query) -> set[int]:
    """The segment-local document numbers of leaf searcher `sub` that match `q`."""
    if type(q).docs is not query.Query.docs:  # a query with its own way (Every, ...)
        return set(sub.docs_for_query(q))
    try:
        return matcher_ids(q.matcher(sub, sub.boolean_context()), sub.reader())
    except TermNotFound:
        return set()


def matching_docs(searcher: Searcher, q: query.Query) -> set[int]:
    """Global document numbers matching `q`: the same set as `set(searcher.docs_for_query(q))`."""
    out: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        local = segment_matches(sub, q)
        ids = [d + offset for d in local] if offset else local  # (faster than map(offset.__add__, ...))
        if out:
            out.update(ids)
        else:
            out = ids if isinstance(ids, set) else set(ids)
    return out


# Every live document of a searcher, kept while the searcher is: timelines, related values and
# stats compare their matches with the whole archive, and walking it costs most of a timeline.
_EVERY_DOCNUM: "weakref.WeakKeyDictionary[Searcher, list[int]]" = weakref.WeakKeyDictionary()


def all_docnums(searcher: Searcher) -> list[int]:
    """The numbers of the searcher's live documents (shared: callers do not change the list)."""
    docnums = _EVERY_DOCNUM.get(searcher)
    if docnums is None:
        docnums = _EVERY_DOCNUM[searcher] = list(searcher.docs_for_query(query.Every()))
    return docnums
