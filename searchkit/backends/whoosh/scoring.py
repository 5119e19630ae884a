"""Every match of a query with its score, as Whoosh's matcher tree would give it, computed in bulk
(`bm25f`, `phrases`): the exact set and the ranking at once."""
from __future__ import annotations

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import binary, wrappers
from whoosh.reading import TermNotFound
from whoosh.scoring import WeightLengthScorer
from whoosh.searching import Searcher

from .bm25f import Among, leaf_scores
from .matching import matcher_ids, segment_matches
from .phrases import phrase_scores


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


def scored_docs(searcher: Searcher, q: query.Query, filter_q: query.Query | None) -> dict[int, float]:
    """Global document number -> score for every match of `q` that `filter_q` (if any) lets
    through: the exact set and the ranking at once."""
    context = searcher.context()
    out: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        among = None
        if filter_q is not None:
            allowed = segment_matches(sub, filter_q)
            if not allowed:
                continue
            # Only the allowed documents are scored. A filter much smaller than q's matches also
            # skips posting blocks without an allowed document unread (that needs them sorted);
            # a larger one (a date window of years) is only a membership test.
            among = Among(allowed, skip_blocks=len(allowed) * 4 < q.estimate_size(sub.reader()))
        try:
            scores = matcher_scores(q.matcher(sub, context), sub.reader(), among)
        except TermNotFound:
            continue
        if offset:
            out.update(zip(map(offset.__add__, scores), scores.values()))
        else:
            out.update(scores)
    return out
