"""`search --explain` (issue 23): each hit's score split into its words and fields, as structured
data from the library, printed by the CLI and in JSON."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchkit import Archive
from searchkit.cli.commands import main
from searchkit.model import Article


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("explain") / "index", procs=0)
    archive.add([
        Article(id="a", headline="Oil prices rise", body="Oil prices rose as oil stocks fell."),
        Article(id="b", headline="Markets", body="Prices of oil and gas were steady."),
        Article(id="c", headline="Gas", body="Gas prices fell; oil was not traded."),
    ])
    return archive


@pytest.mark.parametrize("query", ["oil prices", "oil OR gas", "oil -gas", "pric*", '"oil prices"'])
def test_the_parts_add_up_to_the_score(archive, query):
    result = archive.search(query, explain=True)
    assert result.hits
    for hit in result.hits:
        assert hit.explain and abs(sum(part.score for part in hit.explain) - hit.score) < 1e-3, (query, hit)
        assert {part.field for part in hit.explain} <= {"headline", "body"}
    assert "gas" not in {p.term for h in archive.search("oil -gas", explain=True).hits for p in h.explain}
    assert all(h.explain is None for h in archive.search(query).hits)  # only when asked


def test_the_headline_part_is_weighted(archive):
    parts = {(p.field, p.term): p.score for p in archive.search("oil", explain=True).hits[0].explain}
    assert parts[("headline", "oil")] > 0 and parts[("body", "oil")] > 0


def test_cli_prints_the_parts_and_json_has_them(archive):
    runner = CliRunner()
    text = runner.invoke(main, ["search", "oil prices", "--explain", "--index", str(archive.path)]).output
    hit = archive.search("oil prices").hits[0]
    assert f"score {hit.score:g} = " in text and "headline:oil" in text and "body:price" in text
    data = json.loads(runner.invoke(main, ["search", "oil prices", "--explain", "--json",
                                           "--index", str(archive.path)]).stdout)
    assert {"field", "term", "score", "kind"} == set(data["hits"][0]["explain"][0])
    plain = json.loads(runner.invoke(main, ["search", "oil prices", "--json", "--index", str(archive.path)]).stdout)
    assert "explain" not in plain["hits"][0]
