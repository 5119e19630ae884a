"""The issue-7 commands on the example archive: JSON shapes, CSV, text, help examples."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from searchkit.cli.commands import main
from searchkit.model import Article

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli7") / "index"
    result = CliRunner().invoke(main, ["index", str(EXAMPLES), "--index", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return str(path)


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_every_command_has_an_example():
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout, name


def test_timeline_json_csv_and_text(index_dir):
    data = json.loads(run("timeline", "*", "--by", "month", "--index", index_dir, "--json").stdout)
    assert set(data) == {"query", "by", "buckets"} and data["by"] == "month"
    assert data["buckets"] and all(set(b) == {"period", "count", "total", "share"} for b in data["buckets"])
    assert all(b["share"] == (1.0 if b["total"] else 0.0) for b in data["buckets"])  # '*': everything
    rows = list(csv.reader(io.StringIO(run("timeline", "oil", "--by", "year", "--index", index_dir,
                                           "--csv").stdout)))
    assert rows[0] == ["period", "count", "total", "share"] and len(rows) > 1
    text = run("timeline", "oil", "--by", "week", "--share", "--index", index_dir).stdout
    assert "█" in text and "-W" in text and "%" in text
    assert run("timeline", "oil", "--by", "decade", "--index", index_dir).exit_code == 2


def test_related_json(index_dir):
    result = run("related", "oil", "--field", "places", "--index", index_dir, "--json")
    data = json.loads(result.stdout)
    assert set(data) == {"query", "field", "entities"} and data["field"] == "places"
    assert all(set(e) == {"value", "label", "count", "background", "score"} for e in data["entities"])
    assert [e["score"] for e in data["entities"]] == sorted((e["score"] for e in data["entities"]),
                                                            reverse=True)


def test_similar_has_the_shape_of_search(index_dir):
    search = json.loads(run("search", "oil", "--index", index_dir, "--json").stdout)
    first = search["hits"][0]["id"]
    data = json.loads(run("similar", first, "--index", index_dir, "--json").stdout)
    assert set(data) == set(search)
    assert data["hits"] and set(data["hits"][0]) == set(search["hits"][0])
    assert first not in [h["id"] for h in data["hits"]]
    missing = run("similar", "nope", "--index", index_dir)
    assert missing.exit_code == 1 and "no article" in missing.stderr


def test_search_collapse_adds_cluster_and_copies(index_dir):
    data = json.loads(run("search", "oil", "--collapse", "--index", index_dir, "--json").stdout)
    assert all(h["copies"] >= 1 and h["cluster"] for h in data["hits"])


def test_did_you_mean_in_text_and_json(index_dir):
    data = json.loads(run("search", "inflaton", "--index", index_dir, "--json").stdout)
    assert data["total"] == 0 and data["suggestion"] == "inflation"
    assert "Did you mean: inflation" in run("search", "inflaton", "--index", index_dir).stdout


def test_export_jsonl_and_csv(index_dir):
    total = json.loads(run("search", "*", "--index", index_dir, "--json", "--limit", "0").stdout)["total"]
    lines = run("export", "*", "--index", index_dir).stdout.splitlines()
    assert len(lines) == total == 13
    fields = set(Article(id="x").to_dict()) | {"tags", "notes"}  # with the user's tags and notes
    assert all(set(json.loads(line)) == fields for line in lines)
    shown = json.loads(run("show", json.loads(lines[0])["id"], "--index", index_dir, "--json").stdout)
    first_report = shown.pop("first_report")  # (show's JSON only: the cluster's earliest article)
    entities = shown.pop("entities")  # (show's JSON only: canonical {value, label} per entity field)
    assert set(entities) == {"people", "orgs", "places"}
    assert all(set(e) == {"value", "label"} for values in entities.values() for e in values)
    assert json.loads(lines[0]) == shown and first_report["id"] == shown["id"]
    rows = list(csv.DictReader(io.StringIO(run("export", "oil", "--format", "csv", "--index",
                                               index_dir).stdout)))
    assert rows and set(rows[0]) == fields
    assert run("export", '"unbalanced', "--index", index_dir).exit_code == 2


def test_timeline_marks_periods_the_archive_has_no_articles_in(tmp_path):
    """A month with no article at all in the archive is a gap in the archive, not a month in which
    nothing matched: it is named as such, with no bar and no 0.0% (0/0) share (issue 19 item 17)."""
    from datetime import datetime

    from searchkit import Archive

    with Archive(tmp_path / "ix") as archive:
        archive.add([Article(id="jan", headline="Harbour dues rise", body="The harbour raised its dues.",
                             published=datetime(2021, 1, 5)),
                     Article(id="feb", headline="Ferry timetable", body="A new ferry timetable starts.",
                             published=datetime(2021, 2, 5)),
                     Article(id="apr", headline="Harbour dredging", body="The harbour is dredged again.",
                             published=datetime(2021, 4, 5))])
    for extra in ((), ("--share",)):
        lines = run("timeline", "harbour", "--by", "month", "--index", str(tmp_path / "ix"), *extra).stdout.splitlines()
        by_period = {line.split()[0]: line for line in lines[1:]}
        assert by_period["2021-03"].endswith("(no articles in the archive)"), lines
        assert "(no articles" not in by_period["2021-02"]  # articles, none matching: a real zero
        assert "0/0" not in "\n".join(lines)
