"""The any-word offer (issue 23): a query of plain words that finds fewer than 5 articles is
offered the same words joined by OR with its total (same dates and filters), in the result, the
JSON, the CLI's text and the web page; the matches of the typed query never change."""
from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searchkit.cli.commands import main
from searchkit.model import AnyWords, SearchResult
from searchkit.output import search_text
from searchkit.querylang.anywords import any_words_query
from searchkit.web import create_app


@pytest.mark.parametrize("text, expected", [
    ("oil harbour", "oil OR harbour"),
    ('"interest rates" oil', '"interest rates" OR oil'),
    ("oil and the harbour", "oil OR harbour"),  # bare stop words are not searched either
    ("oil Oil harbour", "oil OR harbour"),
    ("oil", None),
    ("the oil", None),
    # the user chose the logic: operators, fields, exclusions, groups, patterns, boosts
    ("oil AND harbour", None), ("oil OR harbour", None), ("oil NOT harbour", None),
    ("oil -harbour", None), ("+oil harbour", None), ("places:norway oil", None),
    ("(oil harbour)", None), ("infla* rates", None), ("oil^2 harbour", None),
    ('"oil harbour', None),
])
def test_which_queries_have_an_any_word_form(text, expected):
    assert any_words_query(text) == expected


def test_offer_counts_the_or_form_and_leaves_the_matches_alone(example_archive):
    result = example_archive.search("oil harbour", limit=20)
    typed = example_archive.search("oil AND harbour", limit=20)
    either = example_archive.search("oil OR harbour", limit=0)
    assert result.total == typed.total == 2 and {h.id for h in result.hits} == {h.id for h in typed.hits}
    assert result.any_words == AnyWords(query="oil OR harbour", total=either.total) and either.total == 10
    assert result.to_dict()["any_words"] == {"query": "oil OR harbour", "total": 10}
    assert typed.any_words is None and typed.to_dict()["any_words"] is None
    # the same offer for a date order; none once the typed query finds 5 or more
    assert example_archive.search("oil harbour", sort="newest").any_words == result.any_words
    assert example_archive.search("oil", limit=0).any_words is None
    assert example_archive.search('"interest rates"', limit=0).any_words is None  # one phrase
    # none when the OR form finds no more
    assert example_archive.search("zebra giraffe", limit=0).any_words is None


def test_offer_keeps_dates_and_filters(example_archive):
    for kwargs in ({"date_from": "2021"}, {"filters": {"places": "norway"}}):
        result = example_archive.search("oil harbour", limit=0, **kwargs)
        either = example_archive.search("oil OR harbour", limit=0, **kwargs)
        assert result.any_words == AnyWords("oil OR harbour", either.total)
        assert result.total < either.total < 10


def run_json(archive, *args):
    result = CliRunner().invoke(main, ["search", *args, "--index", str(archive.path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_prints_the_offer_and_json_carries_it(example_archive):
    out = CliRunner().invoke(main, ["search", "oil harbour", "--index", str(example_archive.path)])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    offer = "Only 2 articles have every word; 10 have any of them: searchkit search 'oil OR harbour'"
    assert offer in lines and lines.index(offer) > max(i for i, line in enumerate(lines) if ". " in line[:6])
    assert run_json(example_archive, "oil harbour")["any_words"] == {"query": "oil OR harbour", "total": 10}
    assert run_json(example_archive, "oil AND harbour")["any_words"] is None


def test_offer_text_is_quoted_for_the_shell_and_harmless_on_a_terminal():
    hostile = "oil OR \x1b[2Jit's"
    result = SearchResult(query="oil \x1b[2Jit's", total=0, page=1, limit=10, hits=[],
                          any_words=AnyWords(hostile, 1))
    text = click.unstyle(search_text(result))  # the bold is dropped off a terminal, as click.echo does
    assert "\x1b" not in text
    assert text.endswith("No article has every word; 1 has any of them: searchkit search 'oil OR it'\"'\"'s'")


def test_web_page_links_to_the_or_query_escaped(example_archive):
    with TestClient(create_app(example_archive.path), raise_server_exceptions=False) as client:
        page = client.get("/", params={"q": 'oil "<script>alert(1)</script>"'})
        plain = client.get("/", params={"q": "oil AND harbour"})
    assert page.status_code == 200 and 'id="any-words"' in page.text
    assert "No article has every word; 8 have any of them:" in page.text and "<script>alert" not in page.text
    assert "oil OR &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in page.text
    assert 'href="/?q=oil+OR+%22%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22' in page.text
    assert 'id="any-words"' not in plain.text
