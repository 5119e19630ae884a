"""Batch search (`searchkit batch`, `Archive.batch`), story counts (`count="stories"`) and first
reports, on a handful of articles written here (with known wire copies) and on the real corpora."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from searchkit import Archive
from searchkit.facade.batch import MAX_ROWS, BatchFileError, file_stem
from searchkit.cli.batch_output import sparkline
from searchkit.cli.commands import main
from searchkit.errors import QueryError
from searchkit.model import Article, FacetValue

# Long enough for wire-copy detection (at least 8 word 4-shingles), and sharing none.
STRIKE = ("Dock workers in the port of Santos walked out on Monday over pay, halting coffee "
          "shipments bound for Europe and leaving dozens of vessels waiting at anchor offshore.")
TALKS = ("Coffee growers and exporters met in Brasilia to discuss a new quota scheme, with "
         "officials saying an agreement on export volumes could come before the harvest ends.")
FLOOD = ("Heavy rain flooded roads across the north of the country, cutting power to thousands "
         "of homes while emergency crews worked through the night to clear fallen trees.")


def _articles() -> list[Article]:
    return [
        # One story sent three times: the copy published first is not the first indexed.
        Article("strike-2", "Santos dock strike halts coffee", STRIKE, "1987-03-04T09:00", "Wire B",
                people=["Ana Lima"], places=["brazil"]),
        Article("strike-1", "Santos dock strike halts coffee", STRIKE, "1987-03-02T08:00", "Wire A",
                people=["Ana Lima"], places=["brazil"]),
        Article("strike-3", "Santos dock strike halts coffee shipments", STRIKE, "1987-05-20", "Wire C",
                people=["Ana Lima"], places=["brazil", "santos"]),
        Article("talks-1", "Coffee quota talks", TALKS, "1987-05-11", "Wire A",
                people=["Jorge Souza"], orgs=["ICO"], places=["brazil"]),
        Article("flood-1", "Floods cut power", FLOOD, "1987-06-01", "Wire A", places=["norway"]),
    ]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("batch") / "index", procs=0)
    summary = archive.add(_articles())
    assert summary.added == 5, summary
    return archive


# ------------------------------------------------------------ one query's summary

def test_summary_counts_articles_stories_dates_months_and_people(small):
    s = small.summary("coffee")
    assert (s.total, s.stories) == (4, 2)  # three copies of the strike, one talks story
    assert (s.first, s.last) == (date(1987, 3, 2), date(1987, 5, 20))
    assert s.months == [FacetValue("1987-03", 2), FacetValue("1987-04", 0), FacetValue("1987-05", 2)]
    # People, orgs and places are counted as entities (an id, with the label to show).
    assert (s.facets["people"][0].label, s.facets["people"][0].count) == ("Ana Lima", 3)
    assert ("International Coffee Organization", 1) in [(v.label, v.count) for v in s.facets["orgs"]]  # ICO


def test_summary_of_no_match_and_bad_field(small):
    s = small.summary("zebra")
    assert (s.total, s.stories, s.first, s.months) == (0, 0, None, [])
    with pytest.raises(QueryError, match="unknown field"):
        small.summary("coffee", fields=["colour"])


# ------------------------------------------------------------ batch files

def test_text_batch_skips_comments_reports_bad_rows_on_their_line_and_goes_on(small, tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("# watchlist\n\ncoffee\n\"unclosed\nzebra\nflood*\n", encoding="utf-8")
    result = small.batch(path)
    assert [(r.line, r.query) for r in result.rows] == [(3, "coffee"), (4, '"unclosed'), (5, "zebra"),
                                                         (6, "flood*")]
    coffee, bad, zebra, flood = result.rows
    assert coffee.total == 4 and coffee.summary.stories == 2 and coffee.error is None
    assert "quote" in bad.error and bad.summary is None
    assert zebra.total == 0 and zebra.error is None
    assert flood.total == 1
    assert result.unmatched == [zebra] and result.failed == [bad]
    row = coffee.to_dict()
    assert row["first"] == "1987-03-02" and row["last"] == "1987-05-20" and row["stories"] == 2
    assert row["months"][0] == {"period": "1987-03", "count": 2} and row["error"] is None
    assert bad.to_dict()["error"] and bad.to_dict()["total"] == 0


def test_csv_batch_names_and_per_row_filters_replace_the_run_options(small, tmp_path):
    path = tmp_path / "watch.csv"
    path.write_text("name,query,from,places\nStrike,coffee,1987-05,\nAll coffee,coffee,,\n"
                    "Norway,*,,norway;santos\nBad date,coffee,not a date,\n", encoding="utf-8")
    rows = small.batch(path, filters={"places": ["brazil"]}).rows
    assert [(r.name, r.total) for r in rows[:3]] == [("Strike", 2), ("All coffee", 4), ("Norway", 2)]
    assert rows[3].error and "not a date" in rows[3].error


@pytest.mark.parametrize("content, message", [
    (b"", "no queries"),
    (b"# only a comment\n\n", "no queries"),
    (b"coffee\x00\x01\x02binary", "not a text file"),
    (b"caf\xe9\n", "not UTF-8"),
    (b"query,colour\ncoffee,red\n", "unknown column 'colour'"),
    (b"name\ncoffee\n", "no 'query' column"),
])
def test_unusable_batch_files_are_one_line_errors(small, tmp_path, content, message):
    path = tmp_path / ("bad.csv" if b"," in content or content.startswith(b"name") else "bad.txt")
    path.write_bytes(content)
    with pytest.raises(BatchFileError, match=message):
        small.batch(path)


def test_a_batch_of_100000_lines_is_refused_with_the_limit(small, tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("coffee\n" * 100_000)
    with pytest.raises(BatchFileError, match=f"more than {MAX_ROWS} queries"):
        small.batch(path)


def test_cli_batch_text_json_csv_and_errors(small, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("coffee\nzebra\n\"oops\n", encoding="utf-8")
    run = CliRunner().invoke
    index = ["--index", str(small.path)]
    text = run(main, ["batch", str(names), *index], env={"NO_COLOR": "1"})
    assert text.exit_code == 1  # a row failed; the others are printed
    lines = text.stdout.splitlines()
    assert lines[0] == "line 1: coffee: 4 articles, 2 stories, 1987-03-02 to 1987-05-20"
    assert lines[1].startswith("  █ █  (a mark per month, 1987-03 to 1987-05)")
    assert lines[-2].startswith('line 3: "oops: error: ')
    assert lines[-1] == "No match (1): line 2: zebra"
    data = json.loads(run(main, ["batch", str(names), "--json", *index]).stdout)
    assert [r["total"] for r in data["rows"]] == [4, 0, 0] and data["rows"][2]["error"]
    assert set(data["rows"][0]) == {"line", "name", "query", "total", "stories", "first", "last", "people",
                                    "orgs", "places", "months", "error"}
    csv_out = run(main, ["batch", str(names), "--csv", *index]).stdout.splitlines()
    assert csv_out[0].startswith("line,name,query,total,stories,first,last,people")
    assert csv_out[1].startswith("1,coffee,coffee,4,2,1987-03-02,1987-05-20,Ana Lima (3)")
    for bad in (tmp_path / "missing.txt", tmp_path):
        out = run(main, ["batch", str(bad), *index])
        assert out.exit_code in (1, 2) and "Traceback" not in out.output
        assert len(out.stderr.strip().splitlines()) == 1


def test_export_writes_each_rows_matches_inside_the_folder_only(small, tmp_path):
    path = tmp_path / "watch.csv"
    path.write_text('name,query\n../../evil,coffee\n"/etc/passwd",flood*\nnone,zebra\n', encoding="utf-8")
    out = tmp_path / "out"
    rows = small.batch(path, export=out).rows
    files = sorted(p.name for p in out.iterdir())
    assert files == ["etc-passwd.jsonl", "evil.jsonl"]  # nothing for a row without a match
    exported = [json.loads(line) for line in (out / "evil.jsonl").read_text().splitlines()]
    assert sorted(a["id"] for a in exported) == ["strike-1", "strike-2", "strike-3", "talks-1"]
    assert rows[0].export == str(out / "evil.jsonl") and rows[2].export is None
    assert not (tmp_path.parent / "evil.jsonl").exists()


def test_file_stems_are_safe_and_unique():
    taken: set[str] = set()
    assert file_stem("../x", 1, taken) == "x"
    assert file_stem("X", 2, taken) == "x-2"
    assert file_stem("///", 7, taken) == "line-7"
    assert file_stem("a" * 200, 8, taken) == "a" * 60


def test_sparkline_scales_marks_and_groups_long_runs():
    months = [FacetValue(f"m{i}", n) for i, n in enumerate([0, 1, 8, 4])]
    assert sparkline(months) == (" ▁█▄", 1)
    line, step = sparkline([FacetValue(str(i), 1) for i in range(130)], width=60)
    assert step == 3 and len(line) == 44


# ------------------------------------------------------------ story counts and first report

def test_facets_timeline_and_related_count_stories(small):
    articles = small.search("coffee", facets=["people", "source"], limit=0)
    stories = small.search("coffee", facets=["people", "source"], limit=0, count="stories")
    assert FacetValue("ana-lima", 3, "Ana Lima") in articles.facets["people"]  # an entity: id, label
    assert FacetValue("ana-lima", 1, "Ana Lima") in stories.facets["people"]
    # A story counts once per source that ran a copy of it.
    assert FacetValue("Wire A", 2) in stories.facets["source"]
    assert stories.to_dict()["count"] == "stories" and "count" not in articles.to_dict()
    timeline = small.timeline("coffee", by="month", count="stories")
    # The strike counts once, in March (its earliest copy), not again in May.
    assert [(b.period, b.count) for b in timeline.buckets] == [("1987-03", 1), ("1987-04", 0), ("1987-05", 1)]
    assert timeline.buckets[0].total == 1  # the stories first published that month
    related = small.related("coffee", field="places", count="stories")
    assert (related.total, related.documents) == (2, 3)
    with pytest.raises(QueryError, match="unknown count"):
        small.search("coffee", count="words")


def test_first_report_is_the_earliest_copy_in_show_and_collapsed_hits(small):
    assert small.first_report("strike-3").id == "strike-1"
    assert small.first_report("talks-1").id == "talks-1"
    assert small.first_report("nope") is None
    hits = small.search("strike", collapse=True).hits
    assert len(hits) == 1 and hits[0].first_report.id == "strike-1"
    assert hits[0].to_dict()["first_report"] == {"id": "strike-1", "source": "Wire A",
                                                 "published": "1987-03-02T08:00:00"}
    assert "first_report" not in small.search("strike").hits[0].to_dict()
    index = ["--index", str(small.path)]
    shown = CliRunner().invoke(main, ["show", "strike-2", *index], env={"NO_COLOR": "1"}).stdout
    assert "first report: strike-1 · Wire A · 1987-03-02, of 3 wire copies" in shown
    data = json.loads(CliRunner().invoke(main, ["show", "strike-2", "--json", *index]).stdout)
    assert data["first_report"]["id"] == "strike-1"
    collapsed = CliRunner().invoke(main, ["search", "strike", "--collapse", *index], env={"NO_COLOR": "1"})
    assert "first report: strike-1 · Wire A · 1987-03-02" in collapsed.stdout


def test_real_resends_count_once_on_the_corpus(corpus):
    """Reuters re-sent stories: stories never exceed articles, agree with --collapse, and each
    story of the timeline is counted once."""
    s = corpus.summary("coffee")
    collapsed = corpus.search("coffee", collapse=True, limit=0)
    assert s.stories == collapsed.total < s.total
    timeline = corpus.timeline("coffee", by="month", count="stories")
    assert sum(b.count for b in timeline.buckets) + timeline.undated == s.stories
    facet = corpus.search("coffee", facets=["source"], limit=0, count="stories").facets["source"]
    assert sum(v.count for v in facet) >= s.stories  # (a story may run in several sources)
    checked = elsewhere = 0
    for query in ("hydro quebec bond", "gunnar gold venture"):
        for hit in corpus.search(query, collapse=True, limit=5).hits:
            if hit.copies > 1:
                report = corpus.get(hit.first_report.id)
                copies = [corpus.get(hit.id), *corpus.wire_copies(hit.id)]
                assert report.published == min(a.published for a in copies)
                checked += 1
                elsewhere += report.id != hit.id
    assert checked and elsewhere  # (a ranked-first copy that is not the first report)


def test_batch_on_the_corpus_matches_search(corpus, tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("coffee\nplaces:brazil\n", encoding="utf-8")
    for row in corpus.batch(path).rows:
        result = corpus.search(row.query, facets=["places"], facet_top=5, limit=1, sort="oldest")
        assert row.total == result.total and row.summary.facets["places"] == result.facets["places"]
        assert row.summary.first == result.hits[0].published.date()
        assert sum(m.count for m in row.summary.months) <= row.total


def test_a_list_of_queries_is_a_batch(small):
    assert [r.total for r in small.batch(["coffee", "flood*"]).rows] == [4, 1]
    with pytest.raises(QueryError, match="at most"):
        small.batch(["x"] * (MAX_ROWS + 1))


def test_web_counts_stories_and_shows_the_first_report(small):
    from starlette.testclient import TestClient  # noqa: PLC0415  (web extras)

    from searchkit.web import create_app  # noqa: PLC0415
    with TestClient(create_app(small.path), raise_server_exceptions=False) as client:
        page = client.get("/?q=coffee&count=stories").text
        assert 'id="count-stories" checked' in page
        assert re.search(r'Ana Lima</span> <span class="count">1</span>', page)
        assert re.search(r'Ana Lima</span> <span class="count">3</span>', client.get("/?q=coffee").text)
        article = client.get("/articles/strike-3").text
        assert re.search(r'id="first-report">First report: <a href="/articles/strike-1">', article)
        assert "first-report" in client.get("/?q=strike&collapse=1").text
        timeline = client.get("/api/timeline?q=coffee&count=stories").json()
        assert timeline["count"] == "stories" and timeline["buckets"][0]["count"] == 1
        assert client.get("/api/related?q=coffee&count=stories").json()["count"] == "stories"
        bad = client.get("/api/search?q=coffee&count=words")
        assert bad.status_code == 400 and "unknown count" in bad.json()["error"]
