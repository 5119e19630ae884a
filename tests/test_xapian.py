"""The Xapian cluster backend against a real cluster of `xapian-tcpsrv` processes on loopback:
the same totals and facet counts as the Whoosh backend, and shard failures (down, hung, killed
while indexing, failover to a replica)."""
from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import time

import pytest
from click.testing import CliRunner

from searchkit import Archive
from searchkit.backends import cluster
from searchkit.cli.commands import main
from searchkit.errors import ArchiveError, ArchiveLockedError, QueryError

from .conftest import BBC, EXAMPLES, REUTERS, SEED, needs_corpora, needs_xapian

pytestmark = needs_xapian

FACETS = ("places", "people", "orgs", "topics", "countries", "source", "section", "year", "month")

# Every query form of the query language (and the options that narrow a search).
QUERY_FORMS = [
    "oil prices", "oil OR gas", "oil -gas", "oil NOT gas", "(oil OR gas) prices", "-oil gas",
    '"interest rates"', '"oil prices"~3', '"prices oil"~2', "headline:oil", "body:harbour",
    "title:oil", "places:norway", "places:west-germany", 'people:"ingrid halvorsen"',
    "entities:halvorsen", "topics:crude", "source:reuters", "infla*", "ship*", "p?ices",
    "date:1987", "date:1987-03", "date:[1987-03-01 TO 1987-03-15]", "date:[2021 TO]", "date:[TO 1987-03-02]",
    "date:*", "mentioned:1985", "oil AND date:2021", "*", "id:reuters-90002", "the",
    "shipping OR (oil AND -gas)", "places:*", "headline:*", "places:nor*", "headline:[a TO c]",
    "-oil", "NOT oil", "-harbour -oil", "Headline:oil", "PLACES:norway", "oil 3:1",
]


@pytest.fixture()
def fresh_cluster(tmp_path):
    """A 2-shard cluster of its own (tests that kill or stop servers)."""
    local = cluster.start(tmp_path / "cluster", shards=2)
    yield local
    for pid in local.pids:
        try:
            os.killpg(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    cluster.stop(tmp_path / "cluster")


def _same(whoosh: Archive, xap: Archive, query: str, **options) -> int:
    try:
        expected = whoosh.search(query, facets=FACETS, limit=0, **options)
    except QueryError as exc:  # refused the same way
        with pytest.raises(QueryError, match=re.escape(str(exc))):
            xap.search(query, facets=FACETS, limit=0, **options)
        return 0
    got = xap.search(query, facets=FACETS, limit=0, **options)
    assert got.total == expected.total, query
    assert got.facets == expected.facets, query
    return got.total


@pytest.mark.parametrize("query", QUERY_FORMS)
def test_same_totals_and_facets_as_whoosh(example_archive, example_cluster, query):
    _same(example_archive, example_cluster, query)


@pytest.mark.parametrize("options", [
    {"date_from": "1987", "date_to": "1987-03"}, {"filters": {"places": ["norway", "oslo"]}},
    {"filters": {"year": "2021"}}, {"filters": {"source": "reuters", "places": "norway"}},
])
def test_same_with_dates_and_filters(example_archive, example_cluster, options):
    _same(example_archive, example_cluster, "*", **options)
    _same(example_archive, example_cluster, "oil OR harbour", **options)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_and_pages_match(example_archive, example_cluster, sort):
    for page in (1, 2, 3):
        expected = example_archive.search("*", sort=sort, limit=5, page=page)
        got = example_cluster.search("*", sort=sort, limit=5, page=page)
        assert [h.id for h in got.hits] == [h.id for h in expected.hits]
        assert all(h.score is None for h in got.hits)


@pytest.mark.parametrize("options, some", [
    ({"date_from": "2000"}, True), ({"date_to": "1987-03"}, True), ({"filters": {"year": "2021"}}, True),
    ({"date_from": "1987", "filters": {"source": "reuters"}}, False), ({}, False),
])
def test_same_undated_matches_left_out(example_archive, example_cluster, options, some):
    expected = example_archive.search("*", limit=0, **options).undated_left_out
    assert example_cluster.search("*", limit=0, **options).undated_left_out == expected
    assert bool(expected) == some


def test_date_sorts_order_by_time_of_day_as_whoosh(fresh_cluster):
    """Same-day articles: newest means the latest time first, on both backends (issue 19 item 4)."""
    from .test_library_date_order import NEWEST, OLDEST, SAME_DAY

    archive = Archive(fresh_cluster.address)
    assert archive.add(SAME_DAY).added == len(SAME_DAY)
    assert [h.id for h in archive.search("oil", sort="newest").hits] == NEWEST
    assert [h.id for h in archive.search("oil", sort="oldest", limit=3, page=2).hits] == OLDEST[3:]
    assert [a.id for a in archive.export("oil")] == OLDEST


@pytest.mark.parametrize("query", ['people:"ingrid halvorsen"', "places:norway", "headline:oil"])
def test_field_query_snippets_match(example_archive, example_cluster, query):
    """A query on other fields than the body highlights where the body names its values (issue 23)."""
    expected = {h.id: (h.snippet, h.highlights) for h in example_archive.search(query, limit=20).hits}
    got = {h.id: (h.snippet, h.highlights) for h in example_cluster.search(query, limit=20).hits}
    assert got == expected and any(spans for _, spans in got.values())


def test_explain_is_refused_in_one_line(example_cluster):
    with pytest.raises(QueryError, match="explaining scores is not available on a xapian:// cluster"):
        example_cluster.search("oil", explain=True)


def test_hits_snippets_and_articles(example_archive, example_cluster):
    got = example_cluster.search("oil prices", limit=20)
    assert {h.id for h in got.hits} == {h.id for h in example_archive.search("oil prices", limit=20).hits}
    hit = got.hits[0]
    assert hit.score is not None and hit.highlights
    assert hit.snippet[hit.highlights[0].start:hit.highlights[0].end].lower().startswith(("oil", "price"))
    assert example_cluster.get(hit.id) == example_archive.get(hit.id)
    assert example_cluster.get("no-such-id") is None


def test_explore_features_match(example_archive, example_cluster):
    for by in ("year", "month", "week"):
        assert example_cluster.timeline("oil", by=by) == example_archive.timeline("oil", by=by)
    for field in ("places", "people", "countries"):
        assert example_cluster.related("oil OR harbour", field=field) == \
            example_archive.related("oil OR harbour", field=field)
    assert [a.id for a in example_cluster.export("*")] == [a.id for a in example_archive.export("*")]
    got = example_cluster.stats()
    expected = example_archive.stats()
    assert (got.documents, got.date_range, got.facets) == (expected.documents, expected.date_range,
                                                           expected.facets)
    similar = example_cluster.similar("reuters-90002")
    assert similar.total > 0 and "reuters-90002" not in {h.id for h in similar.hits}


def test_batch_rows_match_whoosh_without_stories(example_archive, example_cluster):
    for query in ("oil", "oil OR harbour", "zebra"):
        got, expected = example_cluster.summary(query), example_archive.summary(query)
        assert got.stories is None and expected.stories is not None
        assert (got.total, got.first, got.last, got.facets, got.months) == \
            (expected.total, expected.first, expected.last, expected.facets, expected.months)
    assert [r.total for r in example_cluster.batch(["oil", "harbour"]).rows] == \
        [r.total for r in example_archive.batch(["oil", "harbour"]).rows]
    with pytest.raises(QueryError, match="counting stories is not available"):
        example_cluster.timeline("oil", count="stories")


def test_what_the_cluster_cannot_do_is_said(example_cluster):
    with pytest.raises(QueryError, match="not available on a xapian:// cluster"):
        example_cluster.search("oil", collapse=True)
    with pytest.raises(QueryError, match="cannot start with a wildcard"):
        example_cluster.search("*il")
    with pytest.raises(QueryError, match="optimize is not available on a xapian:// cluster"):
        example_cluster.optimize()


def test_reindexing_updates_in_place(example_cluster):
    summary = example_cluster.add([EXAMPLES])
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 13)
    assert example_cluster.search("*", limit=0).total == 13


@needs_corpora
def test_reuters_same_totals_and_facets_on_cluster_and_whoosh(corpus, tmp_path_factory):
    """Reuters, BBC and the seed article on a 2-shard cluster: every query form gives the same
    total and facet counts as the Whoosh index of the same files."""
    local = cluster.start(tmp_path_factory.mktemp("reuters-cluster"), shards=2)
    try:
        xap = Archive(local.address)
        summary = xap.add([REUTERS, BBC, SEED])
        assert summary.added == corpus.stats().documents
        forms = QUERY_FORMS + [
            "coffee", "coffee brazil", "oil OR opec", "bank -england", "interest NOT rates",
            '"bank of england"', '"oil price"~4', "headline:coffee", "places:usa", "people:volcker",
            "orgs:opec", "topics:grain", "date:1987-03", "date:[1987-03-01 TO 1987-03-10] oil",
            "mentioned:1986", "gold*", "compan*", "section:business", "entities:reagan",
            # Spelling variants and acronyms (analysis 2): the same terms on both backends.
            "US trade deficit", '"U.S. trade deficit"', "us", "e-mail", "G-7", "AT&T", "ISIS", "isis",
        ]
        totals = [_same(corpus, xap, q) for q in forms]
        assert sum(totals) > 10_000
        _same(corpus, xap, "oil", date_from="1987-03", date_to="1987-04",
              filters={"places": "usa"})
        _same(corpus, xap, "trade", filters={"topics": ["trade", "grain"], "year": "1987"})
    finally:
        cluster.stop(local.folder)


# ------------------------------------------------------------ failures

def _port(local: cluster.LocalCluster, n: int) -> str:
    return local.address[len(cluster.SCHEME):].split(",")[n]


def test_a_shard_that_is_down_is_named(fresh_cluster):
    archive = Archive(fresh_cluster.address)
    archive.add([EXAMPLES])
    cluster.stop_process(fresh_cluster.pids[1])
    with pytest.raises(ArchiveError, match=f"shard {_port(fresh_cluster, 1)} is down"):
        archive.search("oil")
    result = CliRunner().invoke(main, ["search", "oil", "--index", fresh_cluster.address])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: shard {_port(fresh_cluster, 1)} is down or unreachable: Couldn't connect"]


def test_a_shard_killed_while_queries_run(fresh_cluster):
    archive = Archive(fresh_cluster.address)
    archive.add([EXAMPLES])
    errors: list[Exception] = []

    def search_until_it_fails():
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                archive.search("oil OR harbour", facets=["places"], limit=5)
            except Exception as exc:  # noqa: BLE001  (the test checks its type)
                errors.append(exc)
                return

    searching = threading.Thread(target=search_until_it_fails)
    searching.start()
    time.sleep(0.2)
    cluster.stop_process(fresh_cluster.pids[0])
    searching.join()
    assert len(errors) == 1 and isinstance(errors[0], ArchiveError)
    assert str(errors[0]).startswith(f"shard {_port(fresh_cluster, 0)} ")


def test_a_hung_shard_times_out(fresh_cluster):
    Archive(fresh_cluster.address).add([EXAMPLES])
    os.killpg(fresh_cluster.pids[0], signal.SIGSTOP)
    with pytest.raises(ArchiveError, match=f"shard {_port(fresh_cluster, 0)} did not answer within 1 s"):
        Archive(fresh_cluster.address + "?timeout=1").search("oil")


def test_failover_to_a_replica(fresh_cluster, tmp_path):
    archive = Archive(fresh_cluster.address)
    archive.add([EXAMPLES])
    # The replica: a read-only server of a copy of shard 0 taken after the commit.
    shutil.copytree(fresh_cluster.folder / "shard-0", tmp_path / "replica-0")
    port = cluster.free_port()
    replica = cluster.serve(tmp_path / "replica-0", port, writable=False)
    try:
        primary0, shard1 = _port(fresh_cluster, 0), _port(fresh_cluster, 1)
        with_replica = Archive(f"{cluster.SCHEME}{primary0}|127.0.0.1:{port},{shard1}")
        assert with_replica.search("*", limit=0).total == 13
        cluster.stop_process(fresh_cluster.pids[0])
        assert with_replica.search("*", limit=0).total == 13  # the open connection failed over
        assert Archive(with_replica.path).search("oil", limit=0).total == 8  # a new one too
    finally:
        cluster.stop_process(replica.pid)


def test_a_shard_killed_while_indexing_then_a_rerun(fresh_cluster):
    archive = Archive(fresh_cluster.address, batch_size=2)
    files_done = []

    def kill_after_three_files(_size):
        files_done.append(1)
        if len(files_done) == 3:
            cluster.stop_process(fresh_cluster.pids[1])

    with pytest.raises(ArchiveError, match=f"shard {_port(fresh_cluster, 1)}"):
        archive.add([EXAMPLES], progress=kill_after_three_files)
    # The shard comes back on the same port with what it had committed.
    host, port = _port(fresh_cluster, 1).split(":")
    server = cluster.serve(fresh_cluster.folder / "shard-1", int(port), host)
    try:
        summary = Archive(fresh_cluster.address).add([EXAMPLES])
        assert summary.failed == 0 and summary.added + summary.unchanged == 13
        again = Archive(fresh_cluster.address)
        ids = [a.id for a in again.export("*")]
        assert len(ids) == len(set(ids)) == 13
        assert again.search("*", limit=0).total == 13
    finally:
        cluster.stop_process(server.pid)


def test_cluster_commands(tmp_path):
    runner = CliRunner()
    started = runner.invoke(main, ["cluster", "start", "--shards", "2", str(tmp_path / "c")])
    assert started.exit_code == 0, started.output
    address = started.output.strip()
    assert address.startswith("xapian://") and address.count(",") == 1
    try:
        assert runner.invoke(main, ["cluster", "address", str(tmp_path / "c")]).output.strip() == address
        again = runner.invoke(main, ["cluster", "start", str(tmp_path / "c")])
        assert again.exit_code == 1 and "already running" in again.output
        indexed = runner.invoke(main, ["index", str(EXAMPLES), "--index", address])
        assert indexed.exit_code == 0 and "added 13" in indexed.output
        stats = runner.invoke(main, ["stats", "--index", address])
        assert stats.exit_code == 0 and "documents:  13" in stats.output
        assert "index size: not known" in stats.output
        shown = runner.invoke(main, ["show", "reuters-90002", "--index", address, "--json"])
        assert shown.exit_code == 0 and '"id": "reuters-90002"' in shown.output
    finally:
        stopped = runner.invoke(main, ["cluster", "stop", str(tmp_path / "c")])
    assert stopped.exit_code == 0
    assert runner.invoke(main, ["cluster", "address", str(tmp_path / "c")]).exit_code == 1


def test_bad_addresses_are_usage_errors():
    for address in ("xapian://", "xapian://host", "xapian://h:1?timeout=x", "xapian://h:99999"):
        result = CliRunner().invoke(main, ["search", "oil", "--index", address])
        assert result.exit_code == 2, address


def test_rebuild_and_a_second_writer(fresh_cluster):
    archive = Archive(fresh_cluster.address, lock_timeout=0.5)
    archive.add([EXAMPLES])
    writer = archive._engine.writer(lock_timeout=1)  # another indexer holding the shards
    try:
        with pytest.raises(ArchiveLockedError, match="is being written by another process"):
            archive.add([EXAMPLES], rebuild=True)
    finally:
        writer.cancel()
    summary = archive.add([EXAMPLES], rebuild=True)
    assert summary.added == 13
    assert archive.search("*", limit=0).total == 13


def test_a_cluster_restricts_to_ids_but_keeps_no_user_data(example_archive, example_cluster):
    """`Archive.search(ids=...)` works on a cluster; tags, notes, saved searches and `watch` need
    an index folder, and say so in one line."""
    ids = [h.id for h in example_archive.search("*", limit=3, sort="oldest").hits]
    assert sorted(h.id for h in example_cluster.search("*", ids=ids, limit=10).hits) == sorted(ids)
    assert example_cluster.search("*", ids=[], limit=0).total == 0
    for use in (lambda: example_cluster.tag(ids, add=["lead"]), lambda: example_cluster.search("tag:lead"),
                lambda: example_cluster.note(ids[0], "x"), example_cluster.watch,
                lambda: example_cluster.save_search("oil", "oil")):
        with pytest.raises(ArchiveError, match="a Xapian cluster has no index folder to keep tags"):
            use()
