"""Direct segment writing (`searchkit.segments`, the default `procs`) against Whoosh's own writer
(`procs=0`): the same articles give the same totals, top-10 ids and scores, facets and date order,
also after replacements, and the index is a normal Whoosh index."""
from __future__ import annotations

from dataclasses import replace

import pytest
from whoosh import index
from whoosh.qparser import QueryParser

from searchkit import Archive

from .conftest import EXAMPLES, REUTERS, needs_corpora

QUERIES = [
    "oil", "oil prices", "Oil OR gold", "oil -prices", "oil AND NOT gold", '"interest rates"',
    '"bank rate"~3', '"oil price"~2', "headline:oil", "body:crude", "places:canada", "places:usa",
    "topics:earn", "people:volcker", "orgs:opec", "entities:volcker", "infla*", "market~1",
    "date:1987", "date:1987-03", "date:[March 1987 TO April 1987]", "oil date:[1987-03-01 TO 1987-03-31]",
    "mentioned:1987", "source:reuters", "*", "shares stake", "dividend payable", "net loss",
    "(oil OR gas) AND places:usa", "grain wheat corn", "yen dollar", "id:reuters-90001",
]
FACETS = ["places", "topics", "year"]


def _result(archive: Archive, text: str) -> tuple:
    found = archive.search(text, limit=10, facets=FACETS, snippets=False)
    newest = archive.search(text, limit=10, sort="newest", snippets=False)
    return (found.total, [(h.id, round(h.score, 6)) for h in found.hits],
            {k: [(v.value, v.count) for v in vs] for k, vs in found.facets.items()},
            [h.id for h in newest.hits])


def _compare(whoosh_writer: Archive, segments: Archive) -> None:
    for text in QUERIES:
        assert _result(whoosh_writer, text) == _result(segments, text), text


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Archive, Archive]:
    """The examples and one Reuters file, by Whoosh's writer and by 2 segment-writing processes
    (small batches: several commits and segments)."""
    sources = [EXAMPLES] + ([REUTERS / "reut2-000.sgm"] if REUTERS.is_dir() else [])
    root = tmp_path_factory.mktemp("segments")
    archives = (Archive(root / "whoosh", procs=0), Archive(root / "segments", procs=2, batch_size=300))
    for archive in archives:
        summary = archive.add(sources)
        assert summary.failed == 0 and summary.added > 0
    return archives


def test_same_results_as_whooshs_own_writer(pair):
    _compare(*pair)


@needs_corpora
def test_replacements_give_the_same_results(pair):
    whoosh_writer, segments = pair
    changed = [replace(a, body=a.body + " zqreplaced crude oil") for a in
               segments.export("oil")][:40]
    for archive in pair:
        summary = archive.add(changed)
        assert (summary.added, summary.updated) == (0, len(changed))
    assert segments.search("zqreplaced", limit=0).total == len(changed)
    _compare(whoosh_writer, segments)


def test_the_index_is_a_normal_whoosh_index(pair):
    _, segments = pair
    ix = index.open_dir(str(segments.path))
    with ix.searcher() as searcher:
        q = QueryParser("body", ix.schema).parse("oil")
        assert len(searcher.search(q, limit=None)) == segments.search("body:oil", limit=0).total
        assert searcher.doc_count() == segments.stats().documents
    assert all(not s.is_compound() for s in ix._segments())  # the engine reads segment files
