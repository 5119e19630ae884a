"""Date limits and undated articles (issue 19 item 5): a search says how many matches it left out
for having no date, and `index --date` gives a source's undated articles a date."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searchkit import Archive
from searchkit.cli.commands import main
from searchkit.errors import QueryError
from searchkit.model import Article
from searchkit.web import create_app

from .conftest import needs_corpora

ARTICLES = [
    Article(id="dated-1", headline="Oil", body="oil in 1987", published=datetime(1987, 3, 2), source="wire"),
    Article(id="dated-2", headline="Oil", body="oil in 2005", published=datetime(2005, 6, 1), source="web"),
    Article(id="undated-1", headline="Oil", body="oil, no date", source="web"),
    Article(id="undated-2", headline="Oil", body="oil, no date either", source="wire"),
    Article(id="undated-3", headline="Gas", body="gas, no date", source="web"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("undated") / "index", procs=0, batch_size=2)  # segments
    assert archive.add(ARTICLES).added == len(ARTICLES)
    changed = Article(id="undated-2", headline="Oil", body="oil, changed: still no date", source="wire")
    assert archive.add([changed]).updated == 1  # a deleted document in an older segment
    return archive


def test_a_search_counts_the_undated_matches_its_date_limits_left_out(archive):
    result = archive.search("oil", date_from="2000")
    assert (result.total, result.undated_left_out) == (1, 2)
    assert result.to_dict()["undated_left_out"] == 2
    assert archive.search("oil", date_to="1980").undated_left_out == 2  # none dated, 2 undated
    assert archive.search("oil", filters={"year": "1987"}).undated_left_out == 2  # a date filter too
    assert archive.search("oil", date_from="2000", filters={"source": "web"}).undated_left_out == 1
    assert archive.search("oil").undated_left_out == 0  # no date limit: nothing left out
    assert archive.search("oil date:2005").undated_left_out == 0  # the query's own words


def test_the_cli_and_the_web_page_say_so(archive):
    result = CliRunner().invoke(main, ["search", "oil", "--to", "1980", "--index", str(archive.path)])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "No articles match oil.",
        "2 more articles match but have no date, so the date limits left them out (give a source's "
        "undated articles a date: searchkit index FOLDER --date DATE)."]
    with TestClient(create_app(archive.path)) as client:
        page = client.get("/", params={"q": "oil", "from": "2000"}).text
    assert '<p class="undated" id="undated">2 more articles match but have no date' in page


def _folder(tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "one.txt").write_text("Blair speaks\n\nTony Blair spoke on Monday.\n")
    (folder / "two.txt").write_text("Blair abroad\n\nOSLO, March 3, 2004 - Tony Blair arrived.\n")
    return folder


def test_index_date_gives_undated_articles_a_date(tmp_path):
    folder, index = _folder(tmp_path), str(tmp_path / "index")
    runner = CliRunner()
    assert runner.invoke(main, ["index", str(folder), "--index", index]).exit_code == 0
    archive = Archive(index)
    assert archive.search("blair", date_from="2005").undated_left_out == 1
    # Again with --date: the unchanged files are read again and the undated article updated.
    done = runner.invoke(main, ["index", str(folder), "--index", index, "--date", "2005", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["updated"] == 1
    found = archive.search("blair", date_from="2005")
    assert [h.id for h in found.hits] == ["stories-one"] and found.undated_left_out == 0
    assert archive.get("stories-one").published == datetime(2005, 1, 1)
    assert archive.get("stories-two").published == datetime(2004, 3, 3)  # its own date is kept
    bad = runner.invoke(main, ["index", str(folder), "--index", index, "--date", "someday"])
    assert bad.exit_code == 2 and "--date (the date for undated articles): not a date: 'someday'" in bad.output


def test_a_jsonl_date_field_is_read(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "x", "headline": "Blair", "date": "2005-05-06"}) + "\n")
    archive = Archive(tmp_path / "index", procs=0)
    archive.add([feed])
    assert archive.get("x").published == datetime(2005, 5, 6)
    with pytest.raises(QueryError, match="--date"):
        archive.add([feed], default_date="not a date")


@needs_corpora
def test_the_issues_example(corpus):
    """`search "Tony Blair" --from 2004`: no dated match, 155 undated ones left out (BBC)."""
    assert corpus.search('"Tony Blair"').total == corpus.search('"Tony Blair"', date_from="2004").undated_left_out > 100
