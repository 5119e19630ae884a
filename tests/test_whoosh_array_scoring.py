"""Scoring with numpy arrays (`scoring.scored_arrays`) gives the matches and the floats of the
dict path it replaces once numpy pays (`scoring.scored_docs`, itself checked against Whoosh's
own collector in test_whoosh_bulk_scoring.py), and searches give the same pages either way."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from whoosh import query as wq
from whoosh.scoring import bm25
from whoosh.util.numeric import byte_to_length

from searchkit import Archive
from searchkit.backends.whoosh import scoring
from searchkit.backends.whoosh.bm25f import _length_of_byte_array
from searchkit.model import Article

from .conftest import keep_segments

WORDS = "oil gas coffee bank rates trade brazil shares markets gold".split()

# Every form the array path combines itself (OR, AND, AND-MAYBE, NOT, boosts, filters) and the
# ones it hands to the dict path (phrases, prefixes, tags alone).
FORMS = ['oil', 'oil gas', 'oil OR gold OR bank', 'oil -gas', '(oil OR gas) NOT bank',
         'headline:story^3 oil', 'go*', 'places:usa coffee', '"oil gas"', '"oil gas"~3',
         '"bank rates" OR "gold oil"', '"oil gas" places:usa', 'trade brazil coffee',
         'oil^2 OR gas^0.5', 'oil -"gas oil"', 'places:usa', 'nothingsuch', 'oil nothingsuch',
         'gold OR nothingsuch', '"oil gas oil"', '"oil bank gold"~4', '"gas oil"~1 -bank']


def _articles(n: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    return [Article(id=f"a{i}", headline=f"story {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    body=" ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 40))),
                    places=rng.sample(["usa", "uk", "brazil", "japan"], rng.randrange(0, 3)),
                    published=datetime(1985, 1, 1) + timedelta(days=rng.randrange(0, 8000)))
            for i in range(n)]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    archive = Archive(tmp_path_factory.mktemp("arrays") / "index", batch_size=150)
    with keep_segments():  # several segments, with deleted documents in the old ones
        archive.add(_articles(450, 1))
        archive.add(_articles(60, 2))
    return archive


def test_arrays_are_the_dict_paths_matches_and_floats(archive):
    engine = archive._engine
    for text in FORMS:
        for dates in ((None, None), ("1990", "2000"), ("1990-01", "1990-09")):
            q, filter_q = engine._planner.parse(archive._options(text, *dates, None))

            def both(searcher):
                ids, scores = scoring.scored_arrays(searcher, q, filter_q)
                return scoring.scored_docs(searcher, q, filter_q), ids, scores

            expected, ids, scores = engine._on_snapshot(both)
            assert ids.tolist() == sorted(expected), (text, dates)
            # Exactly the same floats: the same operations in the same order.
            assert scores.tolist() == [expected[d] for d in ids.tolist()], (text, dates)


def test_searches_are_the_same_on_either_path(archive, monkeypatch):
    """Totals, facets and the ranked page (ties by document order) through `collecting.run`."""
    def search(text, on, **kw):
        monkeypatch.setattr(scoring, "arrays_pay", lambda: on)
        result = archive.search(text, limit=30, snippets=False, **kw)
        return result.total, [(h.id, h.score) for h in result.hits], result.facets

    for text in FORMS:
        for kw in ({}, {"facets": ("places",)}, {"collapse": True}, {"page": 2},
                   {"date_from": "1990", "date_to": "1995", "facets": ("places",)}):
            assert search(text, True, **kw) == search(text, False, **kw), (text, kw)


def test_vectorised_bm25_is_whooshs_bm25_for_every_length_byte():
    import numpy
    lengths = _length_of_byte_array(numpy)[1:]
    for idf, avgfl, b, k1 in ((1.7, 23.4, 0.75, 1.2), (0.31, 310.9, 0.3, 2.0), (5.2, 1.0, 1.0, 0.5)):
        for tf in (1.0, 2.0, 3.0, 17.0, 0.5):
            weights = numpy.full(len(lengths), tf)
            vector = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
            assert vector.tolist() == [bm25(idf, tf, byte_to_length(byte), avgfl, b, k1)
                                       for byte in range(1, 256)]


def test_a_one_off_search_scores_without_numpy_the_next_with_it(tmp_path):
    """numpy's import is paid from a process's second search on, as facet counting pays it."""
    import subprocess
    import sys

    script = f"""
import sys
from searchkit import Archive
from searchkit.model import Article
archive = Archive({str(tmp_path / "index")!r})
archive.add([Article(id=f"a{{i}}", headline="oil", body="oil gas " * i) for i in range(1, 30)])
first = archive.search("oil gas", snippets=False)
print("numpy" in sys.modules)
second = archive.search("oil gas", snippets=False)
print("numpy" in sys.modules, [(h.id, h.score) for h in first.hits] == [(h.id, h.score) for h in second.hits])
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False", "True True"]


def test_and_maybe_scores_its_optional_side_among_the_required_matches(archive):
    """The ranking shape `AndMaybe(query, bonus)`: the array path's result is the dict path's."""
    engine = archive._engine
    q = wq.AndMaybe(wq.Or([wq.Term("body", "oil"), wq.Term("headline", "oil")]),
                    wq.Or([wq.Term("headline", "gas"), wq.Term("body", "gold")]))

    def both(searcher):
        ids, scores = scoring.scored_arrays(searcher, q, None)
        return scoring.scored_docs(searcher, q, None), ids, scores

    expected, ids, scores = engine._on_snapshot(both)
    assert len(expected) > 100
    assert dict(zip(ids.tolist(), scores.tolist())) == expected


def test_word_queries_do_not_fall_back_to_the_dict_path(archive, monkeypatch):
    """Words in headline and body, ANDed, ORed, negated, phrases, in a date window: every leaf
    scored as arrays (an AND moves its sides' matchers before scoring reads them)."""
    from searchkit.backends.whoosh import phrases

    def refuse(*args, **kwargs):
        raise AssertionError("the dict path was used")

    monkeypatch.setattr(scoring, "leaf_scores", refuse)
    monkeypatch.setattr(scoring, "phrase_scores", refuse)
    monkeypatch.setattr(phrases, "_kept_postings", refuse)
    engine = archive._engine
    for text in ('oil gas', 'trade brazil coffee', 'oil OR gold', 'oil -gas', '"oil gas"', '"oil gas"~3 bank'):
        for dates in ((None, None), ("1990", "2000"), ("1990-01", "1990-09")):
            q, filter_q = engine._planner.parse(archive._options(text, *dates, None))
            ids, _scores = engine._on_snapshot(lambda searcher: scoring.scored_arrays(searcher, q, filter_q))
            assert dates[0] == "1990-01" or len(ids), text
