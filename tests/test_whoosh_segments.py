"""Direct segment writing (`backends.whoosh.segment_writer`, the default `procs`) against Whoosh's own writer
(`procs=0`): the same articles give the same totals, top-10 ids and scores, facets and date order,
also after replacements, and the index is a normal Whoosh index."""
from __future__ import annotations

import json
import math
import zlib
from dataclasses import replace

import pytest
from click.testing import CliRunner
from whoosh import index
from whoosh.qparser import QueryParser

from searchkit import Archive, Article
from searchkit.backends.whoosh import blocks, merge_policy, merger, postings, segment_builder
from searchkit.cli.commands import main
from searchkit import schema

from .conftest import BBC, EXAMPLES, REUTERS, keep_segments, needs_corpora

QUERIES = [
    "oil", "oil prices", "Oil OR gold", "oil -prices", "oil AND NOT gold", '"interest rates"',
    '"bank rate"~3', '"oil price"~2', "headline:oil", "body:crude", "places:canada", "places:usa",
    "topics:earn", "people:volcker", "orgs:opec", "entities:volcker", "infla*", "market~1",
    "date:1987", "date:1987-03", "date:[March 1987 TO April 1987]", "oil date:[1987-03-01 TO 1987-03-31]",
    "mentioned:1987", "source:reuters", "*", "shares stake", "dividend payable", "net loss",
    "(oil OR gas) AND places:usa", "grain wheat corn", "yen dollar", "id:reuters-90001",
]
FACETS = ["places", "topics", "year"]


def _result(archive: Archive, text: str) -> tuple:
    found = archive.search(text, limit=10, facets=FACETS, snippets=False)
    newest = archive.search(text, limit=10, sort="newest", snippets=False)
    return (found.total, [(h.id, round(h.score or 0.0, 6)) for h in found.hits],  # (relevance: every hit scored)
            {k: [(v.value, v.count) for v in vs] for k, vs in found.facets.items()},
            [h.id for h in newest.hits])


def _compare(whoosh_writer: Archive, segments: Archive) -> None:
    for text in QUERIES:
        assert _result(whoosh_writer, text) == _result(segments, text), text


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Archive, Archive]:
    """The examples and one Reuters file, by Whoosh's writer and by 2 segment-writing processes
    (small batches: several commits and segments)."""
    sources = [EXAMPLES] + ([REUTERS / "reut2-000.sgm"] if REUTERS.is_dir() else [])
    root = tmp_path_factory.mktemp("segments")
    batch_size = 300 if REUTERS.is_dir() else 5  # without ../shared: the 13 examples alone
    archives = (Archive(root / "whoosh", procs=0), Archive(root / "segments", procs=2, batch_size=batch_size))
    with keep_segments():
        for archive in archives:
            summary = archive.add(sources)
            assert summary.failed == 0 and summary.added > 0
    assert len(index.open_dir(str(archives[1].path))._segments()) > 1
    return archives


def test_same_results_as_whooshs_own_writer(pair):
    _compare(*pair)


@needs_corpora
def test_replacements_give_the_same_results(pair):
    whoosh_writer, segments = pair
    changed = [replace(a, body=a.body + " zqreplaced crude oil") for a in
               segments.export("oil")][:40]
    with keep_segments():  # deleted documents count in BM25's statistics until merged away
        for archive in pair:
            summary = archive.add(changed)
            assert (summary.added, summary.updated) == (0, len(changed))
    assert segments.search("zqreplaced", limit=0).total == len(changed)
    _compare(whoosh_writer, segments)


def test_the_index_is_a_normal_whoosh_index(pair):
    _, segments = pair
    ix = index.open_dir(str(segments.path))
    with ix.searcher() as searcher:
        q = QueryParser("body", ix.schema).parse("oil")
        assert len(searcher.search(q, limit=None)) == segments.search("body:oil", limit=0).total
        assert searcher.doc_count() == segments.stats().documents
    assert all(not s.is_compound() for s in ix._segments())  # the engine reads segment files


# ------------------------------------------------------------ segment files and merging

def _segment_files(folder) -> list[tuple[bytes, bytes]]:
    """(terms file, postings file) bytes of each segment of the index in `folder`, in order."""
    ix = index.open_dir(str(folder))
    return [(ix.storage.open_file(s.make_filename(".trm")).read(),
             ix.storage.open_file(s.make_filename(".pst")).read()) for s in ix._segments()]


def _segment_postings(folder) -> list[dict]:
    """Each segment's terms as Whoosh reads them: statistics and every (id, weight, value)."""
    ix = index.open_dir(str(folder))
    segments_terms = []
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            terms = {}
            for field, text in leaf.all_terms():
                info = leaf.term_info(field, text)
                matcher, postings = leaf.postings(field, text), []
                while matcher.is_active():
                    postings.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                terms[field, text] = (info.weight(), info.doc_frequency(), info.min_length(),
                                      info.max_length(), info.max_weight(), info.min_id(),
                                      info.max_id(), postings)
            segments_terms.append(terms)
    return segments_terms


def _sources() -> list:
    return [EXAMPLES] + ([REUTERS / "reut2-000.sgm"] if REUTERS.is_dir() else [])


class _Unshared(dict):
    """A `segment_builder._ONCE` that keeps nothing: each posting's value is a bytes object of its own."""

    def setdefault(self, key, value):
        return value


def test_a_segment_is_the_one_whooshs_writer_writes(tmp_path, monkeypatch):
    """Postings filled a block at a time: the terms and postings files are byte for byte those of
    Whoosh's own writer for the same articles in one commit, when every block is compressed as
    Whoosh does and pickled without the values' offset (by default small ones are not
    compressed, zlib uses a smaller window, each block says where its values start, and equal
    one-position values are one shared bytes object, which a block's pickle refers back to:
    `test_same_results_as_whooshs_own_writer` checks that index)."""
    monkeypatch.setattr(segment_builder, "_ONCE", _Unshared())
    monkeypatch.setattr(postings, "COMPRESS_FROM", 0)
    monkeypatch.setattr(postings, "_compress", zlib.compress)
    monkeypatch.setattr(postings, "block_pickle", blocks.plain_block_pickle)
    whoosh_writer = Archive(tmp_path / "whoosh", procs=0, batch_size=100_000)
    direct = Archive(tmp_path / "direct", procs=1, batch_size=100_000)
    for archive in (whoosh_writer, direct):
        archive.add(_sources())
    files = _segment_files(direct.path)
    assert len(files) == 1 and len(files[0][1]) > 10_000
    assert files == _segment_files(whoosh_writer.path)


@pytest.fixture(scope="module")
def at_once(tmp_path_factory) -> Archive:
    """The examples (and a Reuters file) in one segment, built at once."""
    archive = Archive(tmp_path_factory.mktemp("once") / "index", procs=1, batch_size=100_000)
    archive.add(_sources())
    return archive


def _segment_count(archive: Archive) -> int:
    return len(index.open_dir(str(archive.path))._segments())


@needs_corpora  # the examples alone make too few 70-article segments to merge
def test_optimize_gives_the_segment_built_at_once(tmp_path, monkeypatch, at_once):
    """Many small segments merged into one (`Archive.optimize`) give the terms, statistics and
    postings of one batch, and the same totals, top 10 (ids and scores), facets and date order."""
    monkeypatch.setattr(merge_policy, "plan_merges", lambda sizes: [])  # keep the small segments
    small = Archive(tmp_path / "small", procs=2, batch_size=70)
    small.add(_sources())
    count = _segment_count(small)
    assert count > 10
    results = [_result(small, text) for text in QUERIES]
    done = small.optimize()
    assert (done.segments_before, done.segments, done.documents, done.merged) == (
        count, 1, at_once.stats().documents, True)
    assert _segment_count(small) == 1
    assert _segment_postings(small.path) == _segment_postings(at_once.path)
    assert [_result(small, text) for text in QUERIES] == results
    assert small.optimize().merged is False  # one segment already: nothing to do


def _matches(archive: Archive, text: str) -> tuple:
    """What a query finds, apart from relevance scores (deleted articles count in BM25's
    statistics until their segment is merged, as in Whoosh and Lucene)."""
    total, _, facets, newest = _result(archive, text)
    return total, facets, newest


@needs_corpora  # the examples alone make too few 60-article segments for one merge
def test_a_runs_merges_give_the_segment_built_at_once(tmp_path, at_once):
    """The merges at the end of a run (many small segments: one here) give the terms, statistics
    and postings of one batch built at once, and the same results, though most merged blocks are
    copied from the small segments (`postings.copy_term`)."""
    merged = Archive(tmp_path / "merged", procs=2, batch_size=300 if REUTERS.is_dir() else 4)
    merged.add(_sources())
    assert _segment_count(merged) == 1
    assert _segment_postings(merged.path) == _segment_postings(at_once.path)
    assert [_result(merged, text) for text in QUERIES] == [_result(at_once, text) for text in QUERIES]


def test_optimize_drops_replaced_articles(tmp_path, monkeypatch):
    monkeypatch.setattr(merge_policy, "plan_merges", lambda sizes: [])
    archive = Archive(tmp_path / "ix", procs=2, batch_size=60)
    archive.add(_sources())
    changed = [replace(a, body=a.body + " zqreplaced") for a in archive.export("*")][::7]
    archive.add(changed)
    before = [_matches(archive, text) for text in QUERIES + ["zqreplaced"]]
    found = index.open_dir(str(archive.path))._segments()
    assert sum(s.deleted_count() for s in found) == len(changed)
    archive.optimize()
    merged = index.open_dir(str(archive.path))._segments()
    assert len(merged) == 1 and merged[0].deleted_count() == 0
    assert [_matches(archive, text) for text in QUERIES + ["zqreplaced"]] == before


def test_an_interrupted_optimize_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    """Ctrl-C while the merged segment is being written: the previous commit stays whole (same
    segments, same results, no partial files left), the lock is free, and optimize then works;
    from the CLI: one segment, printed and as JSON."""
    archive = Archive(tmp_path / "ix", procs=2, batch_size=4)
    with keep_segments():
        archive.add([EXAMPLES])
    results = [_result(archive, text) for text in QUERIES]
    files = sorted(p.name for p in archive.path.iterdir())
    count = _segment_count(archive)

    def interrupted(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(merger, "write_postings", interrupted)
        with pytest.raises(KeyboardInterrupt):
            archive.optimize()
    assert sorted(p.name for p in archive.path.iterdir()) == files
    assert _segment_count(archive) == count > 1
    assert [_result(Archive(archive.path, create=False), text) for text in QUERIES] == results
    done = CliRunner().invoke(main, ["optimize", "--index", str(archive.path), "--lock-timeout", "1"])
    assert (done.exit_code, done.output) == (0, f"merged {count} segments into 1 (13 articles)\n")
    assert [_result(Archive(archive.path, create=False), text) for text in QUERIES] == results
    again = CliRunner().invoke(main, ["optimize", "--index", str(archive.path), "--json"])
    assert json.loads(again.output) == {"segments_before": 1, "segments": 1, "documents": 13,
                                        "merged": False}
    missing = CliRunner().invoke(main, ["optimize", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no index at" in missing.output


@pytest.mark.parametrize("sizes, runs", [
    ([10_000] * 5, [(0, 5)]),  # a 50k-article run: 1 segment
    ([10_000] * 20, [(0, 10), (10, 20)]),  # a 200k-article run: 2 segments
    ([10_000] * 19 + [9_991], [(0, 10), (10, 20)]),  # the last batch's remainder joins in
    ([100_000] * 2, []),  # two tiers' worth: one segment each
    ([20_000, 20_000, 10_000], [(0, 3)]),  # the most balanced run
    # small additions merge among themselves first; the large merge waits for the next round
    ([100_000, 100_000] + [50] * 12, [(2, 12), (12, 14)]),
    ([100_000, 100_000, 500, 100], [(2, 4)]),
    ([200_000] * 5, []),  # full segments (half of 250,000 or more) are never merged
    ([200_000, 50, 50], [(1, 3)]),
    ([], []), ([7], []),
])
def test_merge_plan(sizes, runs):
    assert merge_policy.plan_merges(sizes, 10, 250_000) == runs


def _merged(sizes: list[int]) -> list[int]:
    """The segment sizes once every round of merges is done, as `SegmentBatchWriter._merge` does."""
    while runs := merge_policy.plan_merges(sizes):
        kept, out = 0, []
        for start, end in runs:
            out += sizes[kept:start] + [sum(sizes[start:end])]
            kept = end
        sizes = out + sizes[kept:]
    return sizes


@pytest.mark.parametrize("runs", [[1_000] * 200, [5_000] * 10, [13] * 300, [60_000, 7] * 40,
                                  [200_000] + [500] * 300, [3_000, 40_000, 250, 90_000, 12] * 20])
def test_segments_stay_few_after_any_sequence_of_runs(runs):
    """The policy alone: after every run (each cut into segments of 10,000 as `add` does), the
    segments not full number at most `allowed_segments`, about log10(articles / 2,000)."""
    sizes: list[int] = []
    for articles in runs:
        sizes = _merged(sizes + [10_000] * (articles // 10_000) + [articles % 10_000] * (articles % 10_000 > 0))
        open_sizes = [size for size in sizes if size < 125_000]
        assert len(open_sizes) <= merge_policy.allowed_segments(sum(open_sizes), min(open_sizes, default=0))
        assert len(open_sizes) <= 2 + max(0, math.log10(sum(sizes) / 2_000))
    assert sum(sizes) == sum(runs)


def test_small_index_runs_keep_few_segments(tmp_path):
    """Real runs through the segment writer: eight small `add`s of made-up articles end in the
    one segment each time (480 articles are less than one tier), not eight or more."""
    archive = Archive(tmp_path / "ix", procs=2, batch_size=40)
    for run in range(8):
        archive.add([Article(id=f"r{run}-{i}", headline=f"Run {run} story {i}", body=f"zqrun{run} words {i}")
                     for i in range(60)])
        sizes = [s.doc_count() for s in index.open_dir(str(archive.path))._segments()]
        assert merge_policy.plan_merges(sizes) == [] and len(sizes) == 1, sizes  # under one tier
    assert archive.search("*", limit=0).total == 480
    assert archive.search("zqrun3", limit=0).total == 60


# ------------------------------------------------------------ bulk analysis

TRICKY = ["Zürich ÉCOLE naïve café İstanbul ǅemal x*y 3.5 u.s. a..b _x_ ﬁnance Straße ΣΑΣ",
          "Running runs ran; RUNNER's 1,000.50 dlrs U.S.-based e-mail", "", "  \n\t ", "İİ i̇",
          "AT&T's G-7 e-MAIL ISIS US F-16s one-and-a-half x-ray- -x N.Z. a.b.c. R&D-based Ü.S. ÉCOLE in Zürich",
          "ISIS AT&T G-7 N.Z. T-BILLS US", "Ab-C1 _-a A_B I-B a-1 1-a ab-12 abc-12 α-β Α-ΒΓ",
          "usa,UK, west-germany ,, Paul Volcker,İstanbul,usa", ",", " , a"]


@pytest.mark.parametrize("analyzer", [schema.text_analyzer, schema.name_analyzer, schema.text_analyzer_v1,
                                      schema.name_analyzer_v1, lambda: schema._tag_field().analyzer])
def test_bulk_words_are_the_analyzers_tokens(analyzer):
    """The segment writer's bulk analysis gives the token texts of Whoosh's analyzer chain, on
    made-up tricky text (with tag lists) and on real articles (headline and body)."""
    words = schema.bulk_words(analyzer())
    texts = list(TRICKY)
    if REUTERS.is_dir() and BBC.is_dir():
        from searchkit.ingest.sources import discover, read
        def articles(paths, n):
            return [a for f in discover(paths, None).files for a in read(f) if hasattr(a, "body")][:n]
        articles = articles([REUTERS / "reut2-000.sgm"], 300) + articles(sorted(BBC.glob("*/0*.txt")), 300)
        texts += [a.headline for a in articles] + [a.body for a in articles]
    for text in texts:
        assert words(text) == [t.text for t in analyzer()(text)], text
    assert schema.bulk_words(schema.fields.KEYWORD().analyzer) is None


# ------------------------------------------------------------ older schemas

def test_an_index_with_indexed_fingerprints_and_clusters_keeps_working(tmp_path, monkeypatch):
    """Indexes made when the fingerprint and the cluster were indexed ID fields keep that schema
    (it is saved in the index): re-runs still find unchanged articles, clusters still collapse."""
    def older_schema():
        older = schema.build_schema()
        older.remove("fingerprint")
        older.remove("cluster")
        older.add("fingerprint", schema.fields.ID(sortable=True))
        older.add("cluster", schema.fields.ID(stored=True, sortable=True))
        return older

    monkeypatch.setattr("searchkit.backends.whoosh.engine.build_schema", older_schema)
    Archive(tmp_path / "ix").add([EXAMPLES])
    monkeypatch.undo()
    archive = Archive(tmp_path / "ix")
    assert archive._engine._schema["cluster"].indexed  # the index's own schema
    again = archive.add([EXAMPLES])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 13)
    first = archive.search("*", limit=1, snippets=False).hits[0]
    changed = replace(archive.get(first.id), body="zqchanged " + archive.get(first.id).body)
    assert archive.add([changed]).updated == 1
    assert archive.search("zqchanged", collapse=True).hits[0].cluster == first.id
    assert not schema.build_schema()["cluster"].indexed  # new indexes: a column only
