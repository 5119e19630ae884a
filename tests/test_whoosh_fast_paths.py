"""Fast paths give exactly the results of the plain Whoosh queries they replace."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from whoosh import query as wq

from searchkit import Archive
from searchkit.model import Article
from searchkit.querylang.query import DayColumnRange, day_ranges_from_columns

from .conftest import keep_segments

WORDS = "oil gas coffee bank rates trade brazil shares markets gold".split()


def _articles(n: int, seed: int, id_prefix: str = "a") -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        published = None
        if rng.random() > 0.1:  # some undated
            published = datetime(1990, 1, 1) + timedelta(days=rng.randrange(0, 4000))
        out.append(Article(id=f"{id_prefix}{i}", headline=f"story {i} {rng.choice(WORDS)}",
                           body=" ".join(rng.choice(WORDS) for _ in range(12)), published=published,
                           places=[rng.choice(["usa", "uk", "brazil"])]))
    return out


def _archive(tmp_path) -> Archive:
    archive = Archive(tmp_path / "index", batch_size=70)  # several commits -> several segments
    with keep_segments():
        archive.add(_articles(300, 1))
        archive.add(_articles(60, 2))  # same ids: replaced, so segments have deleted documents
    return archive


def _plain_ids(archive, q) -> set[str]:
    engine = archive._engine
    return engine._on_snapshot(lambda s: {s.stored_fields(d)["id"] for d in s.docs_for_query(q)})


def test_day_column_range_matches_numeric_range(tmp_path):
    archive = _archive(tmp_path)
    engine = archive._engine
    rng = random.Random(7)
    base = date(1990, 1, 1).toordinal()
    spans = [(None, base + 100), (base + 3000, None), (None, None)]
    spans += [tuple(sorted((base + rng.randrange(-50, 4100), base + rng.randrange(-50, 4100))))
              for _ in range(30)]
    # The fast range inside And, Or and Not gives the set operations on what the plain range
    # matches (each plain range is evaluated once: it is the slow side).
    words = {word: _plain_ids(archive, wq.Term("body", word)) for word in ("oil", "gold")}
    for lo, hi in spans:
        for excl in ((False, False), (True, False), (False, True)):
            plain = wq.NumericRange("date", lo, hi, startexcl=excl[0], endexcl=excl[1],
                                    constantscore=True)
            fast = day_ranges_from_columns(plain, engine._facets)
            assert isinstance(fast, DayColumnRange)
            expected = _plain_ids(archive, plain)
            assert _plain_ids(archive, fast) == expected, (lo, hi, excl)
            for word, having in words.items():
                text = wq.Term("body", word)
                assert _plain_ids(archive, wq.And([text, fast])) == having & expected, (lo, hi, word)
                assert _plain_ids(archive, wq.Or([text, fast])) == having | expected
                assert _plain_ids(archive, wq.And([text, wq.Not(fast)])) == having - expected


def test_date_searches_agree_with_a_count_over_the_articles(tmp_path):
    archive = _archive(tmp_path)
    latest = {a.id: a for a in _articles(300, 1)}
    latest.update({a.id: a for a in _articles(60, 2)})
    for lo, hi in [("1991", "1993"), ("1995-03", "1995-06"), (None, "1990-06"), ("1999", None)]:
        lo_d = date(int(lo[:4]), int(lo[5:7]) if len(lo) > 4 else 1, 1) if lo else date.min
        found = archive.search("*", date_from=lo, date_to=hi, limit=0, facets=["places"])
        expected = {a.id for a in latest.values() if a.published and a.published.date() >= lo_d
                    and (hi is None or a.published.date().isoformat()[:len(hi)] <= hi)}
        assert found.total == len(expected), (lo, hi)
        assert sum(f.count for f in found.facets["places"]) == len(expected)
        query = f"oil date:[{lo or ''} TO {hi or ''}]"
        words = {i for i in expected if "oil" in latest[i].body.split() + latest[i].headline.split()}
        assert archive.search(query, limit=0).total == len(words), query


def test_matching_docs_is_docs_for_query(tmp_path):
    from searchkit.querylang import query as queries
    from searchkit.backends.whoosh.matching import matching_docs

    archive = _archive(tmp_path)
    engine = archive._engine
    def docs(text):
        q = queries.day_ranges_from_columns(queries.parse_query(engine._planner.parser, text), engine._facets)
        return engine._on_snapshot(lambda s: set(s.docs_for_query(q)))

    # Whoosh's AndNotMatcher yields the first match of its positive side unchecked when the negative
    # side starts on an earlier document (`_find_first`): its all_ids() is wrong there, the set
    # difference is right.
    for pos, neg in [("oil", "gas"), ("(oil OR gas)", "bank"), ("story", "date:[1991 TO 1999]")]:
        q = queries.day_ranges_from_columns(queries.parse_query(engine._planner.parser, f"{pos} NOT {neg}"),
                                            engine._facets)
        fast = engine._on_snapshot(lambda s: matching_docs(s, q))
        assert fast == docs(pos) - docs(neg), (pos, neg)
    texts = ["oil", "oil gas", "oil OR gold OR bank", '"oil gas"', '"oil gas"~3', "headline:story",
             "places:usa", "go*", "nothingatall", "*", "oil date:[1992 TO 1996]",
             "date:[1992 TO 1996]", "date:[TO 1991-06]", "date:[1999 TO]", "date:1995-03"]
    for text in texts:
        q = queries.day_ranges_from_columns(queries.parse_query(engine._planner.parser, text), engine._facets)
        plain = engine._on_snapshot(lambda s: set(s.docs_for_query(q)))
        fast = engine._on_snapshot(lambda s: matching_docs(s, q))
        assert fast == plain, text
        assert plain or text == "nothingatall", text


def test_date_order_is_whoosh_sort_order(tmp_path):
    from searchkit.backends.whoosh.collecting import sort_facet

    archive = _archive(tmp_path)
    archive.add([Article(id=f"same-day-{i}", headline="oil", body="oil story",
                         published=datetime(1995, 5, 5)) for i in (3, 1, 2)])
    engine = archive._engine
    for text in ("oil", "*", "oil -gas", "story"):
        q = engine._planner.parse(archive._options(text, None, None, None))[0]
        for sort in ("newest", "oldest"):
            plain = engine._on_snapshot(lambda s: [h["id"] for h in s.search(
                q, limit=None, sortedby=sort_facet(sort))])
            ours = [h.id for h in archive.search(text, sort=sort, limit=1000, snippets=False).hits]
            for page in (1, 2, 3):  # a few from many: found by walking each segment's date order
                few = archive.search(text, sort=sort, limit=7, page=page, snippets=False)
                assert [h.id for h in few.hits] == ours[7 * page - 7:7 * page], (text, sort, page)
            if "-" not in text:  # Whoosh's NOT can let one wrong match through (see matching.py)
                assert ours == plain, (text, sort)
            else:
                assert ours == [i for i in plain if i in set(ours)]


def test_ranked_search_with_a_date_term(tmp_path):
    """Top-N scoring skips blocks by quality: the date matcher must take part (it failed with a
    TypeError once)."""
    archive = _archive(tmp_path)
    for text in ("oil date:[1990 TO 2000]", "date:[1991 TO 1995] OR oil", "oil gas date:1993"):
        full = archive.search(text, limit=1000, snippets=False)
        top = archive.search(text, limit=3, snippets=False)
        assert [h.id for h in top.hits] == [h.id for h in full.hits[:3]]
        assert top.total == full.total


def test_two_indexing_processes_give_the_same_matches(tmp_path):
    """Archive(procs=2), segments written by 2 processes, and procs=0, Whoosh's own writer: the
    same totals, facets and date order (see also test_whoosh_segments)."""
    one = Archive(tmp_path / "one", batch_size=150, procs=0)
    two = Archive(tmp_path / "two", batch_size=150, procs=2)
    for archive in (one, two):
        archive.add(_articles(400, 3))
        archive.add(_articles(50, 4))  # replacements
    for text in ("oil", "oil gas", "gold OR bank", '"oil gas"', "*", "oil date:[1992 TO 1996]"):
        a = one.search(text, facets=["places", "year"], limit=0)
        b = two.search(text, facets=["places", "year"], limit=0)
        assert (a.total, a.facets) == (b.total, b.facets), text
        assert [h.id for h in one.search(text, sort="newest", limit=30).hits] == \
            [h.id for h in two.search(text, sort="newest", limit=30).hits]


def test_every_document_is_listed_once_per_searcher_and_again_after_a_commit(tmp_path):
    """Timelines, related values and stats share one list of a searcher's documents; a commit
    gives a new searcher, so the next call counts the new articles."""
    from searchkit.backends.whoosh.matching import all_docnums

    def articles(ids: range) -> list[Article]:
        return [Article(id=f"a{i}", headline=f"oil {i}", body="oil", published=datetime(2021, 3, 1 + i))
                for i in ids]

    with Archive(tmp_path / "index", procs=0) as archive:
        archive.add(articles(range(3)))
        assert archive.stats().documents == 3 and archive.timeline("oil").buckets[0].total == 3
        with archive._engine._ix.searcher() as searcher:
            assert all_docnums(searcher) is all_docnums(searcher)
        archive.add(articles(range(3, 5)))
        assert archive.stats().documents == 5 and archive.timeline("oil").buckets[0].total == 5
        assert archive.related("oil", field="places").total == 5
