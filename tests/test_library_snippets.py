"""Snippets of queries on other fields than the body (issue 23): `people:"paul volcker"` showed the
article's lead without a highlight; it shows the passage naming him, highlighted."""
from __future__ import annotations

import pytest

from searchkit import Archive
from searchkit.model import Article

LEAD = "Markets were quiet on Monday. " * 12  # longer than a snippet: the mention comes later
BODY = LEAD + "Federal Reserve chairman Paul Volcker said OPEC and coffee prices worried him."


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("snippets") / "index", procs=0)
    archive.add([Article(id="fed", headline="Coffee and oil", body=BODY, people=["Paul Volcker"],
                         orgs=["OPEC"])])
    return archive


@pytest.mark.parametrize("query, marked", [
    ('people:"paul volcker"', ["Paul", "Volcker"]), ("entities:volcker", ["Volcker"]),
    ("orgs:opec", ["OPEC"]), ("headline:coffee", ["coffee"]), ('oil people:"paul volcker"', ["Paul", "Volcker"]),
])
def test_a_field_query_highlights_the_mention(archive, query, marked):
    hit = archive.search(query).hits[0]
    assert [hit.snippet[s.start:s.end] for s in hit.highlights] == marked
    assert "Paul Volcker said" in hit.snippet


def test_a_body_query_still_highlights_its_words(archive):
    hit = archive.search("quiet").hits[0]
    assert {hit.snippet[s.start:s.end] for s in hit.highlights} == {"quiet"}
