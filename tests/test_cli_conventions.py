"""Command-line conventions (issue 19, items 10-16): negated words, conflicting options, colour and
wrapping, field names, empty filters, paging, CSV export."""
from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from searchkit import Archive, Article, QueryError
from searchkit.cli.commands import main

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("conventions") / "index"
    result = CliRunner().invoke(main, ["index", str(EXAMPLES), "--index", str(path)])
    assert result.exit_code == 0, result.output
    return path


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("args, named", [
    (["search", "oil", "--json", "--csv"], ("--json", "--csv")),
    (["search", "oil", "--csv", "--facet", "places"], ("--csv", "--facet")),
    (["timeline", "oil", "--json", "--csv"], ("--json", "--csv")),
])
def test_conflicting_options_are_refused(index_dir, args, named):
    result = run(*args, "--index", str(index_dir))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(name in lines[0] for name in named), result.stderr


def test_one_match_is_singular(index_dir):
    result = run("search", "headline:quota", "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 article matches headline:quota (showing 1-1, page 1 of 1)")
    assert "articles match" in run("search", "harbour", "--index", str(index_dir)).stdout


def test_a_page_past_the_end_names_the_last_page(index_dir):
    result = run("search", "harbour", "--index", str(index_dir), "--limit", "2", "--page", "100")
    assert result.exit_code == 1 and result.stdout == ""
    assert "page 100 is past the last page (2)" in result.stderr, result.stderr
    assert "showing none" not in result.output


def test_similar_pages(index_dir):
    first = run("similar", "feed-001", "--index", str(index_dir), "--limit", "1", "--json")
    second = run("similar", "feed-001", "--index", str(index_dir), "--limit", "1", "--page", "2", "--json")
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert two["page"] == 2 and one["hits"] and two["hits"] and one["hits"][0]["id"] != two["hits"][0]["id"]


@pytest.mark.parametrize("negated, explicit", [("-oil", "NOT oil"), ("-harbour -oil", "NOT harbour NOT oil"),
                                               ("(-oil)", "NOT oil")])
def test_a_leading_minus_is_not(index_dir, negated, explicit):
    """After `--`, `-oil` alone means every article except those with oil, as `NOT oil` does."""
    got = run("search", "--index", str(index_dir), "--json", "--", negated)
    assert got.exit_code == 0, got.output
    want = json.loads(run("search", explicit, "--index", str(index_dir), "--json").stdout)
    assert json.loads(got.stdout)["total"] == want["total"] > 0
    with_oil = json.loads(run("search", "oil", "--index", str(index_dir), "--json").stdout)["total"]
    if negated == "-oil":  # all 13 articles but those with oil
        assert want["total"] == 13 - with_oil


@pytest.mark.parametrize("query", ["-oil", "-gas oil"])
def test_a_query_taken_for_an_option_points_to_double_dash(index_dir, query):
    result = run("search", query, "--index", str(index_dir))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"searchkit search -- '{query}'" in lines[0] and "NOT" in lines[0]


@pytest.mark.parametrize("query, same_as", [
    ("Headline:oil", "headline:oil"), ("PLACES:norway", "places:norway"), ("Title:oil", "headline:oil"),
])
def test_field_names_ignore_case(example_archive, query, same_as):
    assert example_archive.search(query).total == example_archive.search(same_as).total > 0


@pytest.mark.parametrize("query, message", [
    ("peple:volcker", "unknown field 'peple' (did you mean people?"),
    ("Plcaes:norway", "unknown field 'plcaes' (did you mean places?"),
    ("colour:red", "unknown field 'colour' (fields: headline"),
    ("date:[1987-03 TO", "missing ']'"),
    ("oil date:[1987-03 TO 1987-04", "missing ']'"),
])
def test_field_mistakes_are_explained(example_archive, query, message):
    with pytest.raises(QueryError) as caught:
        example_archive.search(query)
    assert message in str(caught.value)


def test_a_colon_that_is_not_a_field_is_text(tmp_path):
    archive = Archive(tmp_path / "ix", procs=0)
    archive.add([Article(id="split", headline="Board approves stock split",
                         body="The board approved a 3:1 split, see https://example.com/harbour-news today."),
                 Article(id="other", headline="Harbour news", body="Nothing about a split here.")])
    for query in ("split 3:1", "https://example.com/harbour-news", "Split 3:1 https://example.com"):
        assert [h.id for h in archive.search(query).hits] == ["split"], query


@pytest.mark.parametrize("args, says", [
    (["search", "harbour", "--filter", "places=norwey"], "No article has places=norwey (did you mean norway?)"),
    (["search", "harbour places:norwey"], "No article has places:norwey (did you mean norway?)"),
    (["search", "harbour", "--filter", "source=reuter"], "No article has source=reuter (did you mean reuters?)"),
    (["timeline", "harbour", "--filter", "places=norwey"], "No article has places=norwey (did you mean norway?)"),
])
def test_a_value_no_article_has_is_named(index_dir, args, says):
    result = run(*args, "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert says in result.stdout, result.stdout
    assert "No articles match harbour" not in result.stdout


def test_a_filter_that_matches_but_not_with_the_query_blames_the_query(index_dir):
    result = run("search", "harbour", "--filter", "places=usa", "--index", str(index_dir))
    assert "No article has" not in result.stdout


def test_facet_limit(index_dir):
    def places(*extra):
        out = run("search", "*", "--facet", "places", "--json", "--index", str(index_dir), *extra)
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)["facets"]["places"]
    assert len(places()) == 10 < len(places("--facet-limit", "0"))
    assert places("--facet-limit", "3") == places()[:3]


def _on_a_terminal(args: list[str], columns: int, env: dict[str, str] | None = None) -> str:
    """What `searchkit ARGS` prints on a terminal COLUMNS wide (a pseudo-terminal)."""
    main_fd, child_fd = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environ.update({"COLUMNS": str(columns), **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "searchkit", *args], stdout=child_fd,
                            stderr=subprocess.PIPE, env=environ)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    assert proc.wait(timeout=60) == 0, proc.stderr and proc.stderr.read()
    return b"".join(chunks).decode().replace("\r\n", "\n")


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_text_is_wrapped_to_the_terminal_and_coloured(index_dir):
    args = ["search", "harbour", "--facet", "places", "--facet", "people", "--index", str(index_dir)]
    piped = run(*args).stdout
    shown = _on_a_terminal(args, 50)
    assert "\x1b[" in shown  # colour on a terminal
    plain = ANSI.sub("", shown)
    assert max(len(line) for line in plain.splitlines()) <= 50 < max(len(line) for line in piped.splitlines())
    assert plain.split() == piped.split()  # the same words, none broken
    article = ANSI.sub("", _on_a_terminal(["show", "feed-001", "--index", str(index_dir)], 40))
    # a word longer than the terminal (the URL) keeps a line of its own, unbroken
    assert all(len(line) <= 40 or len(line.split()) == 1 for line in article.splitlines())
    assert "  https://harbourwire.example/business/feed-001-bergen-cruise-season" in article.splitlines()
    assert article.split() == run("show", "feed-001", "--index", str(index_dir)).stdout.split()


@pytest.mark.parametrize("args, env", [(["--color", "never"], {}), ([], {"NO_COLOR": "1"})])
def test_no_colour_on_request(index_dir, args, env):
    shown = _on_a_terminal(["search", "harbour", "--index", str(index_dir), *args], 80, env)
    assert "harbour" in shown.lower() and "\x1b[" not in shown


def test_colour_always_when_piped(index_dir):
    assert "\x1b[" in run("search", "harbour", "--index", str(index_dir), "--color", "always").stdout
    assert "\x1b[" not in run("search", "harbour", "--index", str(index_dir)).stdout


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_writes_extracted_as_json(index_dir):
    result = run("export", "harbour", "--format", "csv", "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert not result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(result.stdout)
    assert rows and all(row["origin"] for row in rows)
    for row in rows:
        extracted = json.loads(row["extracted"])
        assert isinstance(extracted, dict) and set(extracted) <= {"people", "orgs", "places", "countries"}
    assert any(json.loads(row["extracted"]).get("places") for row in rows)


def test_csv_export_for_spreadsheets(tmp_path):
    archive = Archive(tmp_path / "ix", procs=0)
    archive.add([Article(id="formula", headline='=HYPERLINK("http://evil.example","click")',
                         body="-2+3 harbour dues rose, said +Kari @Nygaard", people=["=cmd"])])
    result = run("export", "harbour", "--format", "csv", "--excel", "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")  # Excel then reads UTF-8
    row = _csv_rows(result.stdout.lstrip("\ufeff"))[0]
    assert row["id"] == "formula"
    assert row["headline"] == """'=HYPERLINK("http://evil.example","click")"""  # text, not a formula
    assert row["body"].startswith("'-2+3") and row["people"] == "'=cmd"
    plain = _csv_rows(run("export", "harbour", "--format", "csv", "--index", str(tmp_path / "ix")).stdout)[0]
    assert plain["headline"].startswith("=HYPERLINK")  # as written without --excel


def test_excel_needs_csv(index_dir):
    result = run("export", "harbour", "--excel", "--index", str(index_dir))
    assert result.exit_code == 2 and "--excel" in result.stderr
