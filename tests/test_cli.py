"""The command line: JSON shapes, exit codes, stdout/stderr, sanitised output."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from searchkit import Archive, Article
from searchkit.cli.commands import main
from searchkit.output import sanitize

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "index"
    result = CliRunner().invoke(main, ["index", str(EXAMPLES), "--index", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == 13 and summary["failed"] == 0 and summary["errors"] == []
    return path


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_search_json_shape(index_dir):
    result = run("search", "oil prices", "--index", str(index_dir), "--json", "--facet", "places",
                 "--facet", "year")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "page", "hits", "facets", "suggestion", "any_words",
                         "undated_left_out"}
    assert data["suggestion"] is None
    assert data["query"] == "oil prices" and data["page"] == 1 and data["total"] == len(data["hits"])
    hit = data["hits"][0]
    assert set(hit) == {"id", "headline", "published", "source", "section", "people", "orgs", "places",
                        "topics", "score", "snippet", "highlights", "tags", "notes"}
    assert isinstance(hit["score"], float)
    dated = [h["published"] for h in data["hits"] if h["published"]]
    assert dated and all("T" in d for d in dated)  # ISO 8601
    assert set(data["facets"]) == {"places", "year"}
    assert all(set(v) == {"value", "count"} for v in data["facets"]["year"])
    for start, end in hit["highlights"]:
        assert hit["snippet"][start:end].lower() in ("oil", "prices", "price")


def test_search_text_output(index_dir):
    result = run("search", "harbour", "--index", str(index_dir), "--facet", "source", "--limit", "2")
    assert result.exit_code == 0
    out = result.stdout
    assert "articles match harbour" in out and "page 1 of" in out
    assert " 1. " in out and " 2. " in out and " 3. " not in out
    assert "Facets:" in out and "source:" in out
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_search_env_index_filters_sort_and_csv(index_dir):
    env = {"SEARCHKIT_INDEX": str(index_dir)}
    result = run("search", "*", "--filter", "places=canada", "--filter", "places=norway", "--json", env=env)
    assert result.exit_code == 0
    # fishing-quota names "Newfoundland, Canada" in its text (an extracted place)
    assert {h["id"] for h in json.loads(result.stdout)["hits"]} == {
        "reuters-90001", "reuters-90002", "reuters-90003", "feed-001", "plain-fishing-quota"}
    result = run("search", "*", "--sort", "oldest", "--from", "1987", "--to", "March 1987", "--csv", env=env)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,headline,published")
    assert [line.split(",")[0] for line in lines[1:]] == ["reuters-90001", "reuters-90002", "reuters-90003"]


@pytest.mark.parametrize("args, message", [
    (["search", '"unbalanced'], "unbalanced double quote"),
    (["search", "colour:red"], "unknown field"),
    (["search", "oil", "--from", "someday"], "not a date"),
    (["search", "oil", "--filter", "places"], "FIELD=VALUE"),
    (["search", "oil", "--filter", "colour=red"], "cannot filter"),
    (["search", "oil", "--sort", "random"], "random"),
])
def test_usage_errors_exit_2_with_one_line(index_dir, args, message):
    result = run(*args, "--index", str(index_dir))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_missing_index_is_a_failure_not_a_traceback(tmp_path):
    result = run("search", "oil", "--index", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "no index at" in result.stderr and "Traceback" not in result.output


def test_show_and_stats(index_dir):
    result = run("show", "feed-001", "--index", str(index_dir), "--json")
    assert result.exit_code == 0
    article = json.loads(result.stdout)
    assert article["id"] == "feed-001" and article["published"].startswith("2021-03-04")
    assert {"headline", "body", "people", "orgs", "places", "topics", "mentioned", "source"} <= set(article)
    text = run("show", "feed-001", "--index", str(index_dir)).stdout
    assert article["headline"] in text and "people:" in text
    missing = run("show", "nope", "--index", str(index_dir))
    assert missing.exit_code == 1 and "no article with id 'nope'" in missing.stderr

    stats = json.loads(run("stats", "--index", str(index_dir), "--json").stdout)
    assert set(stats) == {"documents", "date_range", "size_bytes", "facets"}
    assert stats["documents"] == 13 and stats["size_bytes"] > 0
    assert stats["date_range"] == ["1987-02-26", "2022-11-02"]
    assert {"people", "places", "source", "year", "month"} <= set(stats["facets"])


def test_index_reports_failures_with_exit_1(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    good = tmp_path / "good.txt"
    good.write_text("A headline\n\nA body.\n")
    result = run("index", str(bad), str(good), "--index", str(tmp_path / "ix"), "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["added"] == 1 and summary["failed"] == 1
    assert summary["errors"] == [{"path": str(bad), "record": None, "reason": "binary file (contains NUL bytes)"}]
    text = run("index", str(bad), str(good), "--index", str(tmp_path / "ix"))
    assert "unchanged 1, failed 1" in text.stdout and f"{bad}: binary file" in text.stdout


def test_hostile_article_text_is_printed_harmlessly(tmp_path):
    archive = Archive(tmp_path / "ix")
    archive.add([Article(id="evil", headline="Evil \x1b]0;pwned\x07title \x1b[31mred",
                         body="clear \x1b[2J screen \u202eesrever and \x07bell oil")])
    result = run("search", "oil", "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
    assert "Evil title red" in result.stdout
    shown = run("show", "evil", "--index", str(tmp_path / "ix")).stdout
    assert "\x1b" not in shown and "screen" in shown
    as_json = run("search", "oil", "--index", str(tmp_path / "ix"), "--json").stdout
    assert json.loads(as_json)["hits"][0]["id"] == "evil"


def test_sanitize_keeps_text_and_drops_controls():
    assert sanitize("a\x1b[1;31mb\x1b[0m c\x00d\u202ee") == "ab cde"
    assert sanitize("line1\nline2", keep_newlines=True) == "line1\nline2"


def test_python_dash_m_and_help_examples():
    out = subprocess.run([sys.executable, "-m", "searchkit", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "index" in out.stdout and "search" in out.stdout
    for command in ("index", "search", "show", "stats"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout


def test_a_closed_pipe_ends_output_quietly(tmp_path):
    """`searchkit ... | head`: more output than a pipe holds, and a reader that stops early."""
    Archive(tmp_path / "ix").add([Article(id=f"a{i}", headline=f"Harbour news {i}", body="harbour " * 40)
                                  for i in range(2000)])
    for args in (["export", "harbour", "--format", "jsonl"], ["search", "harbour", "--limit", "2000"]):
        proc = subprocess.Popen([sys.executable, "-m", "searchkit", *args, "--index", str(tmp_path / "ix")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait() == 0 and first
        assert stderr == "", stderr


def test_importing_the_library_and_its_faces_loads_no_engine():
    """`searchkit`, `searchkit.model` and `searchkit.cli.commands` load a backend only when an archive is
    opened: neither Whoosh nor Xapian is imported by importing them."""
    import subprocess
    import sys

    script = ("import sys, searchkit, searchkit.model, searchkit.cli.commands, searchkit.backends\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('whoosh', 'xapian')))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_facade_asks_backend_capabilities(tmp_path):
    """A local index keeps wire copies (collapse works); `Capabilities` says so, not the type."""
    from searchkit import Archive, Article
    from searchkit.backends import Capabilities

    with Archive(tmp_path / "ix") as archive:
        caps = archive._engine.capabilities
        assert isinstance(caps, Capabilities) and caps.wire_copies and caps.did_you_mean
        archive.add([Article(id="a", headline="Anything at all", body="Anything can happen here.")])
        assert archive.search("anything", collapse=True).hits[0].copies == 1
