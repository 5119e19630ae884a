"""Every match of a query with its score, as Whoosh's matcher tree would give it, computed in bulk
(`bm25f`, `phrases`): the exact set and the ranking at once."""
from __future__ import annotations

import sys

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, wrappers
from whoosh.reading import TermNotFound
from whoosh.scoring import WeightLengthScorer
from whoosh.searching import Searcher

from .bm25f import AllowedSet, Among, SortedIds, leaf_arrays, leaf_scores, numpy_module
from .matching import matcher_ids, segment_matches
from .phrases import filter_mask, phrase_arrays, phrase_scores


def matcher_scores(m, reader, among: Among | None = None) -> dict[int, float]:
    """The documents a fresh matcher on segment `reader` matches (only those in `among`, if given),
    with the score Whoosh's matcher gives each.

    Whoosh's top-N collector calls ~10 methods per match and walks the tree once more for the exact
    total; here each leaf's posting blocks are scored in bulk (BM25F of a block's weights and
    lengths, memoised per (weight, length)) and the scores combined as Whoosh's matchers combine
    them (sums for OR and AND, the positive side for NOT, in the same tree order, so the floats are
    the same). An AND scores its second side only among the first side's matches (Whoosh puts the
    smaller side first), skipping posting blocks without candidates unread. Matchers not known here
    (phrases, ...) are walked once.
    """
    t = type(m)
    if t is binary.UnionMatcher or t is binary.AndMaybeMatcher:
        a = matcher_scores(m.a, reader, among)
        if t is binary.AndMaybeMatcher:
            b = matcher_scores(m.b, reader, Among(a)) if a else {}
            return {d: a[d] + b[d] if d in b else a[d] for d in a}
        b = matcher_scores(m.b, reader, among)
        both = {d: a[d] + b[d] for d in (a.keys() & b.keys())}
        a.update(b)
        a.update(both)
        return a
    if t is binary.IntersectionMatcher:
        a = matcher_scores(m.a, reader, among)
        if not a:
            return a
        b = matcher_scores(m.b, reader, Among(a))
        return {d: a[d] + b[d] for d in a if d in b}
    if t is binary.AndNotMatcher:
        # Set difference, not Whoosh's walk, which can let through one excluded document.
        a = matcher_scores(m.a, reader, among)
        excluded = matcher_ids(m.b) if a else ()
        return {d: score for d, score in a.items() if d not in excluded}
    if t is wrappers.WrappingMatcher:
        boost = m.boost
        return {d: score * boost for d, score in matcher_scores(m.child, reader, among).items()}
    if t is W3LeafMatcher and isinstance(getattr(m, "scorer", None), WeightLengthScorer):
        return leaf_scores(m, among, reader)
    if t is query.SpanNear2.SpanNear2Matcher:
        phrase = phrase_scores(m, among, reader)
        if phrase is not None:
            return phrase
    out: dict[int, float] = {}
    if among is None:
        while m.is_active():
            out[m.id()] = m.score()
            m.next()
        return out
    for d in among.sorted:  # only the candidates: a phrase checks positions only there
        if m.is_active() and m.id() < d:
            m.skip_to(d)
        if not m.is_active():
            break
        if m.id() == d:
            out[d] = m.score()
    return out


def _allowed(sub: Searcher, q: query.Query, filter_q: query.Query | None) -> tuple[set[int] | None, bool]:
    """The segment's documents `filter_q` lets through (None: no filter), and whether scoring
    should skip posting blocks without one: only when the filter is much smaller than q's matches
    (skipping needs them sorted); a larger one (a date window of years) is a membership test."""
    if filter_q is None:
        return None, False
    allowed = segment_matches(sub, filter_q)
    return allowed, bool(allowed) and len(allowed) * 4 < q.estimate_size(sub.reader())


# Whether this process has scored a search already: the first search of a process is scored
# through Python dicts, later ones with numpy arrays. numpy's import (~0.1 s) is paid by processes
# that search again (a server, a batch, a notebook: as facet counting does, `columns.TagValues`),
# not by a one-off `searchkit search`, whose cold start is a benchmark target.
_searched_before = False


def arrays_pay() -> bool:
    """Whether to score this search with numpy arrays (`scored_arrays`): when numpy is imported
    already, or from the second search of this process on."""
    global _searched_before
    searched, _searched_before = _searched_before, True
    return searched or "numpy" in sys.modules


def scored_docs(searcher: Searcher, q: query.Query, filter_q: query.Query | None) -> dict[int, float]:
    """Global document number -> score for every match of `q` that `filter_q` (if any) lets
    through: the exact set and the ranking at once."""
    context = searcher.context()
    out: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        allowed, skip_blocks = _allowed(sub, q, filter_q)
        if allowed is not None and not allowed:
            continue
        # Only the allowed documents are scored.
        among = Among(allowed, skip_blocks=skip_blocks) if allowed is not None else None
        try:
            scores = matcher_scores(q.matcher(sub, context), sub.reader(), among)
        except TermNotFound:
            continue
        if offset:
            out.update(zip(map(offset.__add__, scores), scores.values()))
        else:
            out.update(scores)
    return out


# ------------------------------------------------------------ the same as numpy arrays

def matcher_arrays(m, reader, among: SortedIds | None = None):
    """`matcher_scores` as two numpy arrays, the matched document numbers (increasing) and their
    scores: the same documents and the same floats (sums in the same order), with no Python
    object per posting. Leaves and nodes it does not know go through `matcher_scores`."""
    np = numpy_module()
    t = type(m)
    if t is binary.UnionMatcher:
        a_ids, a_scores = matcher_arrays(m.a, reader, among)
        b_ids, b_scores = matcher_arrays(m.b, reader, among)
        ids = _union(np, a_ids, b_ids)
        scores = np.zeros(len(ids), dtype=np.float64)
        scores[ids.searchsorted(a_ids)] = a_scores
        at = ids.searchsorted(b_ids)
        scores[at] += b_scores  # a + b where both match; 0.0 + b is b
        return ids, scores
    if t is binary.IntersectionMatcher or t is binary.AndMaybeMatcher:
        a_ids, a_scores = matcher_arrays(m.a, reader, among)
        if not len(a_ids):
            return a_ids, a_scores
        b_ids, b_scores = matcher_arrays(m.b, reader, SortedIds(a_ids))
        at = a_ids.searchsorted(b_ids)
        if t is binary.AndMaybeMatcher:
            scores = a_scores.copy()
            scores[at] += b_scores
            return a_ids, scores
        return b_ids, a_scores[at] + b_scores
    if t is binary.AndNotMatcher:
        # Set difference, not Whoosh's walk, which can let through one excluded document.
        a_ids, a_scores = matcher_arrays(m.a, reader, among)
        if not len(a_ids):
            return a_ids, a_scores
        excluded = matcher_ids(m.b)
        if not excluded:
            return a_ids, a_scores
        kept = ~SortedIds(np.array(sorted(excluded), dtype=np.int64)).members(a_ids)
        return a_ids[kept], a_scores[kept]
    if t is wrappers.WrappingMatcher:
        ids, scores = matcher_arrays(m.child, reader, among)
        return ids, scores * m.boost
    if t is wrappers.FilterMatcher:  # (a segment's deleted documents left out of a term's)
        ids, scores = matcher_arrays(m.child, reader, among)
        kept = filter_mask(np, m, ids)
        return ids[kept], scores[kept] * m.boost
    if t is W3LeafMatcher and isinstance(getattr(m, "scorer", None), WeightLengthScorer):
        arrays = leaf_arrays(m, among, reader)
        if arrays is not None:
            return arrays
    if t is query.SpanNear2.SpanNear2Matcher:
        arrays = phrase_arrays(m, among, reader)
        if arrays is not None:
            return arrays
    scores = matcher_scores(m, reader, among.as_among() if among is not None else None)
    ids = np.array(sorted(scores), dtype=np.int64)
    return ids, np.array([scores[d] for d in ids.tolist()], dtype=np.float64)


def _union(np, a, b):
    """The sorted union of two increasing arrays of unique numbers (`numpy.union1d` hashes them:
    several times slower than merging two sorted runs)."""
    if not len(a):
        return b
    if not len(b):
        return a
    both = np.concatenate((a, b))
    both.sort(kind="stable")  # two sorted runs: merged
    if len(both) > 1:
        both = both[np.concatenate(([True], both[1:] != both[:-1]))]
    return both


def scored_arrays(searcher: Searcher, q: query.Query, filter_q: query.Query | None):
    """`scored_docs` as two numpy arrays: global document numbers (increasing) and their scores."""
    np = numpy_module()
    context = searcher.context()
    all_ids, all_scores = [], []
    for sub, offset in searcher.leaf_searchers():
        allowed, skip_blocks = _allowed(sub, q, filter_q)
        if allowed is not None and not allowed:
            continue
        among: SortedIds | None = None
        if allowed is not None and not skip_blocks:
            among = AllowedSet(allowed)
        elif allowed is not None:
            allowed_ids = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            allowed_ids.sort()  # (numpy's sort: a fraction of `sorted` on a large set)
            among = SortedIds(allowed_ids, skip_blocks=skip_blocks)
        try:
            ids, scores = matcher_arrays(q.matcher(sub, context), sub.reader(), among)
        except TermNotFound:
            continue
        all_ids.append(ids + offset if offset else ids)
        all_scores.append(scores)
    if not all_ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(all_ids), np.concatenate(all_scores)
