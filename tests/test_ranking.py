"""Rankings (issue 23): the `feedback` ranking orders the same matches as `plain` BM25F, the
default (totals, facets, every hit, export), re-scores only the first matches, and explains its
part."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchkit import Archive
from searchkit.cli.commands import main
from searchkit.errors import QueryError
from searchkit.model import Article
from searchkit.querylang.ranking import RANKINGS


@pytest.mark.parametrize("text", ["yen", "fuel oil", "lead OR zinc", "oil -gas", '"interest rates"'])
def test_feedback_orders_the_same_matches_as_plain(corpus, text):
    options = dict(facets=("places", "orgs", "year"), facet_top=50, snippets=False)
    plain = corpus.search(text, limit=0, **options)
    feedback = corpus.search(text, ranking="feedback", limit=0, **options)
    assert plain.total == feedback.total > 10
    assert plain.facets == feedback.facets
    every = dict(limit=plain.total, snippets=False)
    plain_ids = [h.id for h in corpus.search(text, **every).hits]
    feedback_ids = [h.id for h in corpus.search(text, ranking="feedback", **every).hits]
    assert sorted(plain_ids) == sorted(feedback_ids)
    # Only the first 100 are re-scored: the rest keep plain BM25F's order.
    depth = RANKINGS["feedback"].depth
    assert set(plain_ids[:depth]) == set(feedback_ids[:depth])
    assert plain_ids[depth:] == feedback_ids[depth:]
    assert {a.id for a in corpus.export(text)} == set(feedback_ids)  # export (by date) has no ranking


def test_feedback_only_adds_to_the_first_scores_and_reorders_them(corpus):
    """`lead`: the first articles' words (zinc, smelter, tonnes...) raise the metal's articles;
    each re-scored hit keeps its BM25F score and gains a bonus, never loses."""
    plain = {h.id: h.score for h in corpus.search("lead", limit=100, snippets=False).hits}
    feedback = corpus.search("lead", ranking="feedback", limit=10, snippets=False).hits
    assert [h.id for h in feedback] != list(plain)[:10]
    assert all(h.score > plain[h.id] for h in feedback)


def test_pages_are_slices_of_one_ranking(corpus):
    full = [h.id for h in corpus.search("yen", limit=120, snippets=False, ranking="feedback").hits]
    pages = [h.id for page in range(1, 13)
             for h in corpus.search("yen", limit=10, page=page, snippets=False, ranking="feedback").hits]
    assert pages == full


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("ranking") / "index", procs=0)
    archive.add([
        Article(id="a", headline="Tin prices", body="Tin prices rose on the metal exchange. Tin smelters and tin mines."),
        Article(id="b", headline="Tin council", body="The tin council met producers of the metal on tin."),
        Article(id="c", headline="Cans", body="Tin cans for soup; a tin of beans."),
        Article(id="d", headline="Metal", body="The tin metal exchange and smelters traded tin."),
    ])
    return archive


def test_explain_shows_the_feedback_words_and_adds_up(small):
    hits = small.search("tin", explain=True, ranking="feedback").hits
    assert hits
    expanded = [p for h in hits for p in h.explain if p.kind == "expansion"]
    assert expanded and "tin" not in {p.term for p in expanded}
    for hit in hits:
        assert sum(p.score for p in hit.explain) == pytest.approx(hit.score, abs=1e-3)
    assert all(p.kind == "word" for h in small.search("tin", explain=True).hits for p in h.explain)


def test_cli_ranking_option_and_explain_output(small):
    runner = CliRunner()
    index = ["--index", str(small.path)]
    text = runner.invoke(main, ["search", "tin", "--explain", "--ranking", "feedback", *index]).output
    assert "+ feedback (" in text
    plain = runner.invoke(main, ["search", "tin", "--explain", *index]).output
    assert "feedback" not in plain
    data = json.loads(runner.invoke(main, ["search", "tin", "--explain", "--json", "--ranking", "feedback",
                                           *index]).stdout)
    assert {"field", "term", "score", "kind"} == set(data["hits"][0]["explain"][0])
    bad = runner.invoke(main, ["search", "tin", "--ranking", "best", *index])
    assert bad.exit_code == 2 and "best" in bad.output


def test_unknown_ranking_is_a_query_error(small):
    with pytest.raises(QueryError, match="unknown ranking 'best'"):
        small.search("tin", ranking="best")


def test_feedback_on_a_cluster_orders_the_same_matches(example_cluster):
    """On Xapian, feedback is its own relevance-set expansion under AND_MAYBE: the same matches."""
    plain = example_cluster.search("oil", facets=("places",), limit=50, snippets=False)
    feedback = example_cluster.search("oil", facets=("places",), limit=50, snippets=False, ranking="feedback")
    assert plain.total == feedback.total > 2 and plain.facets == feedback.facets
    assert sorted(h.id for h in plain.hits) == sorted(h.id for h in feedback.hits)
    assert [h.id for h in plain.hits] != [h.id for h in feedback.hits]


def test_the_faces_offer_every_ranking_the_library_has():
    from searchkit.model import DEFAULT_RANKING, RANKING_NAMES
    assert tuple(RANKINGS) == RANKING_NAMES and DEFAULT_RANKING in RANKINGS
