"""A query on tags alone is ranked by how much the article names the value (issue 23):
`people:"tony blair"` gave every hit score 1, in index order."""
from __future__ import annotations

import pytest

from searchkit import Archive
from searchkit.model import Article
from searchkit.querylang.query import make_parser, parse_query
from searchkit.querylang.tagrank import rank_tag_query
from searchkit.schema import build_schema

from .conftest import needs_corpora

BLAIR = ["Tony Blair"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("tags") / "index", procs=0)
    archive.add([  # in index order: the article that never names him first
        Article(id="a-aside", headline="Golden rule intact", body="An aide spoke of the budget.", people=BLAIR),
        Article(id="b-body", headline="Election soon", body="Tony Blair said so. Mr Blair added more.", people=BLAIR),
        Article(id="c-headline", headline="Blair names the day", body="Tony Blair will go to the palace.",
                people=BLAIR),
        Article(id="d-other", headline="Blair Athol", body="A town.", places=["Blair Athol"]),
    ])
    return archive


def test_a_tag_query_ranks_the_articles_that_name_the_value_first(archive):
    result = archive.search('people:"tony blair"', facets=["people"])
    assert [h.id for h in result.hits] == ["c-headline", "b-body", "a-aside"]
    assert result.total == 3 and result.facets["people"][0].count == 3  # the same matches
    assert [h.id for h in archive.search('people:"tony blair"', sort="oldest").hits] == ["a-aside", "b-body",
                                                                                          "c-headline"]


def test_queries_with_words_are_left_as_they_are():
    schema = build_schema()
    parser = make_parser(schema)
    for text in ('blair people:"tony blair"', "headline:blair", "entities:blair", "oil OR gas", "*"):
        q = parse_query(parser, text)
        assert rank_tag_query(q, schema) is q, text
    assert rank_tag_query(parse_query(parser, "topics:coffee"), schema) != parse_query(parser, "topics:coffee")


@needs_corpora
def test_the_issues_example(corpus):
    before_total = corpus.search('people:"tony blair"', limit=0).total
    hits = corpus.search('people:"tony blair"', limit=5).hits
    assert before_total > 100 and all("blair" in h.headline.lower() for h in hits)
