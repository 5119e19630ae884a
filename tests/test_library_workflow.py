"""Issue 22's tags, notes, saved searches and `watch` (what is new), on small archives of articles
written here: searching and faceting by tag, surviving --rebuild, several processes at once, the
CLI's output shapes and bad input (one line, nothing saved lost)."""
from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from searchkit import Archive
from searchkit.cli.commands import main
from searchkit.errors import ArchiveError, QueryError
from searchkit.model import Article
from searchkit.facade.userdata import FILENAME, MAX_NOTE_CHARS
from searchkit.facade.workflow import BULK_CONFIRM

from .conftest import needs_corpora


def articles(first: int, last: int) -> list[Article]:
    """Odd numbers are coffee stories from Brazil, even ones oil stories from Norway."""
    return [Article(id=f"n{i}", headline=f"{'Coffee frost' if i % 2 else 'Oil output'} report {i}",
                    body="Frost hit the coffee harvest in Minas Gerais." if i % 2 else
                    "Oil output rose in the North Sea fields.",
                    places=["brazil"] if i % 2 else ["norway"], published=date(2021, 2, 28) + timedelta(days=i))
            for i in range(first, last + 1)]


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "index", procs=0) as opened:
        assert opened.add(articles(1, 6)).added == 6
        yield opened


def run(archive: Archive, *args: str):
    result = CliRunner().invoke(main, [*args, "--index", str(archive.path)], env={"NO_COLOR": "1"})
    return result


# ------------------------------------------------------------ tags and notes


def test_tags_are_searched_filtered_and_counted_as_a_facet(archive):
    archive.tag(["n1", "n3"], add=["Lead"])
    archive.tag(["n2", "n3"], add=["check"])
    assert sorted(h.id for h in archive.search("tag:lead").hits) == ["n1", "n3"]
    assert sorted(h.id for h in archive.search("coffee -tag:check").hits) == ["n1", "n5"]
    assert sorted(h.id for h in archive.search("tag:lead OR tag:check").hits) == ["n1", "n2", "n3"]
    assert archive.search("tag:unused").total == 0 and archive.search("oil tag:unused").total == 0
    filtered = archive.search("*", filters={"tags": ["check"]}, facets=["tags", "places"])
    assert sorted(h.id for h in filtered.hits) == ["n2", "n3"]
    # Multi-select: the tags facet is counted under the other filters, not its own.
    assert [(v.value, v.count) for v in filtered.facets["tags"]] == [("check", 2), ("lead", 2)]
    assert list(filtered.facets) == ["tags", "places"]
    coffee = archive.search("coffee", facets=["tags"])
    assert [(v.value, v.count) for v in coffee.facets["tags"]] == [("lead", 2), ("check", 1)]
    hit = next(h for h in archive.search("tag:lead").hits if h.id == "n3")
    assert hit.tags == ["check", "lead"] and hit.to_dict()["tags"] == ["check", "lead"]
    assert archive.timeline("tag:lead", by="month").buckets[0].count == 2
    assert [a.id for a in archive.export("tag:check")] == ["n2", "n3"]
    archive.tag(["n3"], remove=["lead"])
    assert [h.id for h in archive.search("tag:lead").hits] == ["n1"]


def test_tags_notes_saved_searches_and_first_indexed_times_survive_a_rebuild(archive):
    archive.tag(["n1"], add=["lead"])
    archive.note("n1", "call the co-op")
    archive.save_search("coffee", "coffee")
    summary = archive.add(articles(1, 6), rebuild=True)
    assert summary.added == 6
    assert archive.tags_of("n1") == ["lead"] and archive.note_of("n1") == "call the co-op"
    assert [s.name for s in archive.saved_searches()] == ["coffee"]
    # Rebuilt articles are not new: their first-indexed time was kept.
    assert [w.new for w in archive.watch()] == [0]
    assert (archive.path / FILENAME).exists()


def test_watch_reports_newly_indexed_matches_once(archive):
    archive.save_search("coffee", "coffee", filters={"places": ["brazil"]})
    assert [w.new for w in archive.watch()] == [0]
    archive.add(articles(7, 10))
    found = archive.watch()
    assert [w.new for w in found] == [2]
    assert [h.id for h in found[0].result.hits] == ["n9", "n7"]  # newest first
    assert [w.new for w in archive.watch()] == [0]  # marked as watched
    again = archive.watch(since="2000-01-01", mark=False)
    assert again[0].new == 5 and again[0].to_dict()["since"] == "2000-01-01T00:00:00Z"
    # Re-indexing a changed article does not make it new.
    changed = articles(1, 1)[0]
    changed.body += " Prices jumped."
    assert archive.add([changed]).updated == 1
    assert [w.new for w in archive.watch()] == [0]
    # The replaced copy (deleted in its segment) is not matched by id; the new one is, once.
    archive.tag(["n1", "n8"], add=["seen"])
    assert sorted(h.id for h in archive.search("tag:seen").hits) == ["n1", "n8"]
    assert [h.id for h in archive.search("prices tag:seen").hits] == ["n1"]


def test_bulk_tagging_by_query_counts_and_needs_confirmation_above_the_threshold(tmp_path):
    with Archive(tmp_path / "index", procs=0) as many:
        many.add(articles(1, 2 * BULK_CONFIRM + 4))
        with pytest.raises(QueryError, match=f"matches {BULK_CONFIRM + 2} articles"):
            many.tag_query("coffee", add=["frost"])
        assert many.tags() == []
        assert many.tag_query("coffee", add=["frost"], confirm=True) == BULK_CONFIRM + 2
        assert many.tag_query("coffee", filters={"tags": "frost"}, date_to="2021-03-03",
                              remove=["frost"]) == 2
        assert [(t.value, t.count) for t in many.tags()] == [("frost", BULK_CONFIRM)]


def _tag_in_process(path: str, n: int) -> None:
    with Archive(path, create=False) as other:
        for i in range(20):
            other.tag([f"n{1 + (i % 6)}"], add=[f"p{n}-{i}"])


def test_several_processes_tag_at_once_without_losing_a_write(archive):
    archive.tag(["n1"], add=["first"])
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_tag_in_process, args=(str(archive.path), n)) for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert sum(t.count for t in archive.tags()) == 61
    mode = sqlite3.connect(archive.path / FILENAME).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


# ------------------------------------------------------------ bad input


def test_bad_tags_names_notes_and_ids_are_refused_and_nothing_saved_is_lost(archive):
    archive.tag(["n1"], add=["lead"])
    archive.note("n1", "keep me")
    archive.save_search("oil", "oil")
    for bad in ("big lead", "lead\x07", "", "x" * 51, "#lead"):
        with pytest.raises(QueryError, match="is not allowed"):
            archive.tag(["n2"], add=[bad])
    with pytest.raises(ArchiveError, match="no article with id 'nope'; nothing was changed"):
        archive.tag(["n2", "nope"], add=["other"])
    with pytest.raises(QueryError, match="note too long"):
        archive.note("n1", "x" * (10 * 1024 * 1024))
    with pytest.raises(ArchiveError, match="no article with id 'nope'"):
        archive.note("nope", "text")
    with pytest.raises(QueryError, match="exists already"):
        archive.save_search("oil", "coffee")
    with pytest.raises(QueryError, match="no saved search named 'nope' \\(saved: oil\\)"):
        archive.watch(["nope"])
    with pytest.raises(QueryError, match="no saved search named 'nope'"):
        archive.unsave("nope")
    with pytest.raises(QueryError, match="unbalanced"):
        archive.save_search("broken", '"coffee')
    with pytest.raises(QueryError, match="name"):
        archive.save_search("a\nb", "coffee")
    with pytest.raises(QueryError, match="one whole tag"):
        archive.search("tag:le*")
    assert archive.tags_of("n1") == ["lead"] and archive.tags_of("n2") == []
    assert archive.note_of("n1") == "keep me"
    assert [(s.name, s.query) for s in archive.saved_searches()] == [("oil", "oil")]


def test_a_cluster_says_it_keeps_no_user_data():
    from searchkit.facade.userdata import NoUserData
    with pytest.raises(ArchiveError, match="a Xapian cluster has no index folder to keep tags"):
        NoUserData().tag(["x"], ["lead"], [])


@pytest.mark.parametrize("args, message", [
    (["tag", "n1", "--add", "big lead"], "tag 'big lead' is not allowed"),
    (["tag", "n1", "nope", "--add", "lead"], "no article with id 'nope'"),
    (["tag", "n1"], "give --add TAG or --remove TAG"),
    (["tag", "n1", "--query", "oil", "--add", "x"], "IDs and --query cannot be used together"),
    (["note", "n1", "x" * (MAX_NOTE_CHARS + 1)], "note too long"),
    (["watch", "nope"], "no saved search named 'nope'"),
    (["unsave", "nope"], "no saved search named 'nope'"),
    (["watch", "--since", "yesterday"], "--since needs a date"),
    (["save", "bad", "coffee", "--filter", "nofield=x"], "cannot filter on 'nofield'"),
])
def test_cli_bad_input_is_one_line_without_traceback(archive, args, message):
    result = run(archive, *args)
    assert result.exit_code in (1, 2), result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# ------------------------------------------------------------ the CLI


def test_cli_morning_workflow(archive):
    assert run(archive, "save", "coffee", "coffee", "--filter", "places=brazil").stdout == \
        "saved coffee: coffee --filter places=brazil --sort newest\n"
    duplicate = run(archive, "save", "coffee", "oil")
    assert duplicate.exit_code == 2 and "exists already" in duplicate.stderr
    watched = run(archive, "watch")
    assert (watched.exit_code, watched.stdout) == (0, "")  # nothing new: silent, for cron
    archive.add(articles(7, 8))
    text = run(archive, "watch", "--peek").stdout
    assert text.startswith("coffee: 1 new since ") and "  2021-03-07  n7  Coffee frost report 7" in text
    markdown = run(archive, "watch", "--peek", "--markdown").stdout
    assert markdown.startswith("## coffee: 1 new\n") and "**Coffee frost report 7**" in markdown
    data = json.loads(run(archive, "watch", "--json").stdout)
    assert [(s["name"], s["query"], s["new"], [h["id"] for h in s["hits"]]) for s in data["searches"]] == \
        [("coffee", "coffee", 1, ["n7"])]
    assert set(data["searches"][0]["hits"][0]) >= {"id", "headline", "snippet", "tags", "notes"}
    assert run(archive, "watch", "--json").stdout == ""  # marked by the run before
    always = run(archive, "watch", "--always").stdout
    assert always.startswith("coffee: 0 new since ")
    listed = json.loads(run(archive, "saved", "--json").stdout)["searches"]
    assert listed[0]["name"] == "coffee" and listed[0]["options"]["filters"] == {"places": ["brazil"]}
    assert listed[0]["last_watched"].endswith("Z")

    assert run(archive, "tag", "n1", "n3", "--add", "lead").stdout == "2 articles: +lead\n"
    bulk = run(archive, "tag", "--query", "oil", "--add", "oil-desk")
    assert bulk.stdout == "4 articles: +oil-desk\n"
    assert "n1 · tags: lead" in run(archive, "search", "tag:lead", "--sort", "oldest").stdout
    facets = json.loads(run(archive, "search", "*", "--facet", "tags", "--json").stdout)["facets"]
    assert facets["tags"] == [{"value": "oil-desk", "count": 4}, {"value": "lead", "count": 2}]
    assert run(archive, "note", "n1", "Ask the co-op about frost damage").stdout == "note saved on n1\n"
    assert run(archive, "note", "n1").stdout == "Ask the co-op about frost damage\n"
    shown = json.loads(run(archive, "show", "n1", "--json").stdout)
    assert (shown["tags"], shown["notes"]) == (["lead"], "Ask the co-op about frost damage")
    assert "tags: lead\nnotes: Ask the co-op about frost damage" in run(archive, "show", "n1").stdout
    exported = [json.loads(line) for line in run(archive, "export", "tag:lead").stdout.splitlines()]
    assert [(e["id"], e["tags"], e["notes"]) for e in exported] == \
        [("n1", ["lead"], "Ask the co-op about frost damage"), ("n3", ["lead"], "")]
    header = run(archive, "export", "tag:lead", "--format", "csv").stdout.splitlines()[0]
    assert header.endswith(",origin,tags,notes")
    assert run(archive, "note", "n1", "--clear").stdout == "note cleared on n1\n"
    assert run(archive, "notes").stdout == "(no notes yet)\n"
    assert run(archive, "unsave", "coffee").stdout == "unsaved coffee\n"
    assert run(archive, "saved").stdout == "(no saved searches)\n"


def test_watch_markdown_escapes_article_text(tmp_path):
    with Archive(tmp_path / "index", procs=0) as archive:
        archive.add([Article(id="x1", headline="[click](javascript:alert(1)) *now*", body="frost")])
        archive.save_search("frost", "frost")
        out = run(archive, "watch", "--since", "2000-01-01", "--markdown").stdout
        assert r"\[click\]\(javascript:alert\(1\)\) \*now\*" in out and "[click](" not in out


# ------------------------------------------------------------ the real corpora


@needs_corpora
def test_on_the_corpora_a_tag_restricts_exactly_to_its_articles(corpus_index, tmp_path):
    """Tagging every cocoa article, then `tag:` and the tags facet agree with the query itself,
    over the session index's several segments. On a copy of that index: the other process of the
    run reads the session index meanwhile (its README examples print tags)."""
    shutil.copytree(corpus_index[0], tmp_path / "index")
    with Archive(tmp_path / "index", create=False) as corpus:
        tagged = corpus.tag_query("cocoa", add=["t22-cocoa"], confirm=True)
        assert tagged == corpus.search("cocoa", limit=0).total > 100
        assert corpus.search("tag:t22-cocoa", limit=0).total == tagged
        assert corpus.search("crude tag:t22-cocoa", limit=0).total == corpus.search("crude cocoa", limit=0).total
        assert corpus.search("ghana -tag:t22-cocoa", limit=0).total == corpus.search("ghana -cocoa", limit=0).total
        ghana = corpus.search("*", filters={"places": "ghana"}, facets=["tags"], limit=0)
        counted = {v.value: v.count for v in ghana.facets["tags"]}
        assert counted["t22-cocoa"] == corpus.search("cocoa", filters={"places": "ghana"}, limit=0).total
