"""Query-path shortcuts (bulk scoring of posting blocks, facet values saved beside segments) give
exactly the results of the slower paths they replace."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from whoosh import query as wq

from searchkit import Archive
from searchkit.backends.whoosh import phrases
from searchkit.model import Article
from searchkit.backends.whoosh.engine import WhooshEngine
from searchkit.backends.whoosh.matching import matching_docs

from .conftest import keep_segments, needs_corpora

WORDS = "oil gas coffee bank rates trade brazil shares markets gold".split()


def _articles(n: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    return [Article(id=f"a{i}", headline=f"story {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    body=" ".join(rng.choice(WORDS) for _ in range(15)),
                    places=rng.sample(["usa", "uk", "brazil", "japan"], rng.randrange(0, 3)),
                    published=datetime(1985, 1, 1) + timedelta(days=rng.randrange(0, 8000)))
            for i in range(n)]


@pytest.fixture(params=[False, True], ids=["python", "numpy"])
def phrase_check(request, monkeypatch):
    """Two-word phrases checked in Python (a process's first searches) or with numpy (later)."""
    monkeypatch.setattr(phrases, "_with_numpy", lambda positions: request.param)
    return request.param


def _exact_and_plain_top(archive: Archive, text: str, date_from=None, date_to=None):
    """The exact number of matches by set operations, and Whoosh's own exact top 10 (ids, scores):
    what ranking `plain` gives."""
    engine = archive._engine
    assert isinstance(engine, WhooshEngine)
    q, filter_q = engine._planner.parse(archive._options(text, date_from, date_to, None))

    def read(searcher):
        exact = matching_docs(searcher, wq.And([q, filter_q]) if filter_q is not None else q)
        # limit=None: every match scored and sorted. With a limit, Whoosh's collector skips blocks
        # by an estimate of their best score and can drop a document that ties with the 10th.
        everything = searcher.search(q, filter=exact, limit=None, terms=False)
        return len(exact), [(hit["id"], round(hit.score, 4)) for hit in everything[:10]]

    return engine._on_snapshot(read)


def test_scores_totals_and_order_are_whooshs(tmp_path, phrase_check):
    """Every query form: the same total as the set operations and the same top 10, scores included,
    as Whoosh's own collector."""
    archive = Archive(tmp_path / "index", batch_size=200)  # several segments
    with keep_segments():
        archive.add(_articles(400, 1))
        archive.add(_articles(80, 2))  # replacements: deleted documents in old segments
    forms = ['oil', 'oil gas', 'oil OR gold OR bank', 'oil -gas', '(oil OR gas) NOT bank',
             'headline:story^3 oil', 'go*', 'places:usa coffee', '"oil gas"', '"oil gas"~3',
             '"bank rates" OR "gold oil"', '"oil gas" places:usa', 'headline:"story oil"',
             '"trade brazil" coffee', 'oil^2 OR gas^0.5', '"oil gas oil"', '"oil bank gold"~4',
             '"gas oil"~1', '"oil oil"', '"oil gas"^2 -"gas oil"']
    # A wide date window is tested for membership while scoring; a narrow one also skips posting
    # blocks without a document in it.
    narrow = ("1990-01", "1991-06")
    narrow_matches = 0
    for text in forms:
        for dates in ((None, None), ("1990", "2000"), narrow):
            result = archive.search(text, limit=10, snippets=False, date_from=dates[0],
                                    date_to=dates[1], ranking="plain")
            exact, top = _exact_and_plain_top(archive, text, *dates)
            assert result.total == exact, (text, dates)
            assert [(h.id, h.score) for h in result.hits] == top, (text, dates)
            if dates == narrow:
                narrow_matches += exact > 0
            else:
                assert exact > 0, (text, dates)
    assert narrow_matches > len(forms) // 2
    # Scores memoised by earlier searches must not outlive the statistics they were computed
    # from: more articles change every word's idf and the average field lengths.
    archive.add(_articles(150, 3)[100:])
    for text in forms:
        result = archive.search(text, limit=10, snippets=False, ranking="plain")
        exact, top = _exact_and_plain_top(archive, text)
        assert result.total == exact, text
        assert [(h.id, h.score) for h in result.hits] == top, text
        assert exact > 0, text


def test_not_phrase_in_a_date_window_on_small_segments(tmp_path):
    """A NOT intersected with a date window: Whoosh's NOT matcher, moved by the window past its
    positive side's last posting in a segment, asked that side for its document (IndexError in
    the timeline and in the exact total, with segments of ~45 articles)."""
    archive = Archive(tmp_path / "index", batch_size=90)
    articles = _articles(400, 1)
    with keep_segments():
        archive.add(articles)
    text, dates = '"oil gas"^2 -"gas oil"', ("1990", "2000")

    def has(article: Article, phrase: str) -> bool:
        return any(f" {phrase} " in f" {field} " for field in (article.headline, article.body))

    expected = sorted(a.id for a in articles if 1990 <= a.published.year <= 2000
                      and has(a, "oil gas") and not has(a, "gas oil"))
    exact, top = _exact_and_plain_top(archive, text, *dates)
    result = archive.search(text, limit=len(articles), snippets=False, date_from=dates[0],
                            date_to=dates[1], ranking="plain")
    assert exact == result.total == len(expected) > 0
    assert sorted(h.id for h in result.hits) == expected
    assert [(h.id, h.score) for h in result.hits[:10]] == top
    timeline = archive.timeline(text, by="year", date_from=dates[0], date_to=dates[1])
    assert sum(b.count for b in timeline.buckets) == len(expected)


@needs_corpora
def test_phrase_totals_on_reuters_are_exact(corpus, phrase_check):
    """On real text with a common phrase the top 10 scores rise fast: a ranking walk that skipped
    low scores (as Whoosh's collector does) would miss matches in the total."""
    for text, dates in [('"mln dlrs"', (None, None)), ('"interest rates"~3', (None, None)),
                        ('"oil prices"', ("1987-03", "1987-04")), ('"last year"', (None, None))]:
        result = corpus.search(text, limit=10, snippets=False, date_from=dates[0], date_to=dates[1],
                               ranking="plain")
        exact, top = _exact_and_plain_top(corpus, text, *dates)
        assert result.total == exact > 10, text
        assert [h.score for h in result.hits] == [score for _id, score in top], text


def _saved_files(path) -> list:
    return sorted(p for p in path.iterdir() if ".skc_" in p.name)


def test_facet_values_are_saved_per_segment_and_reused(tmp_path):
    path = tmp_path / "index"
    first = Archive(path, batch_size=150)
    with keep_segments():
        first.add(_articles(400, 3))
    expected = first.search("oil", facets=["places", "year"], sort="newest", limit=20)
    saved = _saved_files(path)
    assert {p.name.split(".skc_")[1] for p in saved} >= {"places", "date", "id"}

    # A new process (here: a new Archive) reads the saved values: the same answers.
    again = Archive(path, create=False).search("oil", facets=["places", "year"], sort="newest",
                                                limit=20)
    assert (again.total, again.facets, again.hits) == (expected.total, expected.facets, expected.hits)

    # A damaged file is ignored (and replaced), never trusted.
    for p in saved:
        p.write_bytes(b"\x00garbage")
    damaged = Archive(path, create=False).search("oil", facets=["places", "year"], sort="newest",
                                                  limit=20)
    assert (damaged.total, damaged.facets, damaged.hits) == (expected.total, expected.facets,
                                                             expected.hits)


def test_saved_facet_values_go_with_their_segments(tmp_path):
    path = tmp_path / "index"
    archive = Archive(path, batch_size=40)
    for seed in range(4):
        archive.add(_articles(120, 10 + seed))  # replacements: Whoosh merges segments meanwhile
        archive.search("oil", facets=["places"])
    # One segment: every other segment's files are deleted.
    archive._engine._ix.writer(compound=False).commit(optimize=True)
    archive.search("gas", facets=["places"])
    segments = {s.segment_id() for s in archive._engine._ix._segments()}
    assert len(segments) == 1
    assert {p.name.split(".")[0] for p in _saved_files(path)} == segments
    counts = dict((f.value, f.count) for f in archive.search("*", facets=["places"]).facets["places"])
    truth: dict = {}
    for article in _articles(120, 13):  # the last run replaced every article
        for place in article.places:
            truth[place] = truth.get(place, 0) + 1
    assert counts == truth


def test_whoosh_is_imported_without_modules_searching_never_uses_yet_they_work():
    """`searchkit.querylang.whoosh_import`: a new process does not pay for three modules that searching
    never uses, and they are real, complete modules for everyone who imports them."""
    import subprocess
    import sys

    script = """
import sys
import searchkit, searchkit.backends.whoosh.engine, whoosh.compat, cached_property
print(sorted(m for m in ("urllib.request", "asyncio", "http.client", "whoosh.lang.morph_en")
             if m in sys.modules))
import asyncio, urllib.request
from whoosh.query import terms
async def coroutine(): pass
print(cached_property.asyncio.iscoroutinefunction(coroutine),
      cached_property.asyncio.iscoroutinefunction(len),
      cached_property.asyncio.ensure_future is asyncio.ensure_future,
      callable(urllib.request.urlopen), whoosh.compat.urlretrieve.__name__,
      "renders" in terms.variations("render"))  # what Whoosh's Variations query calls
import whoosh.lang.morph_en
print(callable(whoosh.lang.morph_en.variations))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["[]", "True False True True _urlretrieve True", "True"]


def _ranked(counts, top):
    from searchkit.backends.counting import rank_facet
    return rank_facet("places", counts, top)


def test_facet_counts_with_numpy_are_the_python_counts():
    """From its second count on, a large tag column is counted with numpy (`TagValues.top_counts`):
    the top values and their counts, ties included, are those of the pass over every value."""
    from searchkit.backends.whoosh.columns import _ARRAYS_FROM, DocSet, TagValues

    rng = random.Random(7)
    names = [f"value {i}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(300)]  # a few frequent values, many rare ones
    column = TagValues.of(tuple(sorted(set(rng.choices(names, weights, k=rng.randrange(4)))))
                          for _ in range(_ARRAYS_FROM + 5_000))
    everyone = range(len(column))
    assert column.top_counts(DocSet(everyone), 10) == column.value_counts(everyone)  # first: Python
    for size in (len(column) // 2, 3_000, 600, 0):
        docs = rng.sample(everyone, size)
        for top in (10, 3, 0):
            counted = column.top_counts(DocSet(set(docs)), top)
            assert _ranked(counted, top) == _ranked(column.value_counts(docs), top), (size, top)
    assert column._arrays is not None  # the numpy path ran


def test_a_one_off_count_does_not_import_numpy():
    """numpy's import (~75 ms) is paid by processes that count a column again, not by a one-off
    `searchkit search` (whose cold start is a benchmark target)."""
    import subprocess
    import sys

    script = """
import sys
from searchkit.backends.whoosh.columns import _ARRAYS_FROM, DocSet, TagValues
column = TagValues.of((("a", "b") if d % 3 else ("c",)) for d in range(_ARRAYS_FROM))
first = column.top_counts(DocSet(range(_ARRAYS_FROM)), 10)
print("numpy" in sys.modules)
second = column.top_counts(DocSet(range(_ARRAYS_FROM)), 10)
print("numpy" in sys.modules, first == second)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False", "True True"]


def test_phrases_import_numpy_only_once_checking_in_python_costs_more():
    """A one-off phrase search checks its positions in Python; a process that has checked more
    positions than numpy's import is worth switches to numpy, with the same documents."""
    import subprocess
    import sys

    script = """
import sys
from searchkit.backends.whoosh import phrases
first = ([3, 1, 9, 2, 5], [2, 1, 2])  # documents: positions 3 4 | 9 | 2 7
second = ([5, 10, 4], [1, 1, 1])      # documents: 5 | 10 | 4
print(phrases._two_words_near(first, second, 1), "numpy" in sys.modules)
phrases._positions_checked = phrases._NUMPY_AFTER
print(phrases._two_words_near(first, second, 1), "numpy" in sys.modules)
print(phrases._two_words_near(first, second, 2), phrases._two_words_near(first, second, 0))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["[0, 1] False", "[0, 1] True", "[0, 1, 2] []"]


def test_packed_strings_read_back_as_given():
    from searchkit.backends.whoosh.columns import PackedStrings

    parts = [PackedStrings.of(["a-1", "", "Zürich 北京"]), PackedStrings.of([]), PackedStrings.of(["x" * 300])]
    joined = PackedStrings.joined(parts)
    assert [joined[i] for i in range(len(joined))] == ["a-1", "", "Zürich 北京", "x" * 300]
    assert [parts[0][i] for i in range(3)] == ["a-1", "", "Zürich 北京"]


def test_facet_columns_keep_one_string_per_tag(tmp_path):
    """Equal tags in different tag lists are one str object, also once saved and loaded again."""
    from searchkit.backends.whoosh.columns import FacetColumns

    archive = Archive(tmp_path / "ix")
    archive.add([Article(id=f"a{i}", headline="oil", body="oil",
                         places=["usa", "canada"] if i % 2 else ["usa"]) for i in range(6)])
    for _ in range(2):  # built from the column, then loaded from the saved file
        columns = FacetColumns(archive.path)
        places = archive._engine._on_snapshot(lambda s: columns.values(s, "places"))
        firsts = {id(values[0]) for values in places.distinct if values and values[0] == "usa"}
        assert len(places.distinct) == 2 and len(firsts) == 1
