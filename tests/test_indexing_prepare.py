"""Preparing articles in worker processes (`searchkit.indexing.prepare.Preparers`) gives what preparing them
in the calling process gives, in the same order; a failing or dying process is reported, never
waited for forever."""
from __future__ import annotations

import json
import os
import signal

import pytest

from searchkit import Archive
from searchkit.indexing import prepare
from searchkit.errors import ArchiveError
from searchkit.model import Article, Problem
from searchkit.ingest.sources import discover, read

from .conftest import EXAMPLES, REUTERS


def _items() -> list:
    """Articles and problems as a run reads them: the examples, one Reuters file, and articles
    that fail the checks (no id, empty)."""
    paths = [EXAMPLES] + ([REUTERS / "reut2-001.sgm"] if REUTERS.is_dir() else [])
    items = [item for f in discover(paths, None).files for item in read(f)]
    items[5:5] = [Article(id="", headline="no id"), Article(id="empty"),
                  Problem("made-up.jsonl", "not JSON", "3")]
    return items


def _summary(results: list) -> list:
    return [(r.article.id, r.fingerprint, r.signature) if isinstance(r, prepare.Prepared) else str(r)
            for r in results]


def test_processes_give_the_results_of_this_process_in_order():
    expected = _summary(prepare.prepare_all(_items(), signatures=True))
    assert len(expected) > prepare.CHUNK * 2 or not REUTERS.is_dir()
    assert any(isinstance(r, str) for r in expected)  # the problems are kept in their places
    preparers = prepare.Preparers(2, signatures=True)
    try:
        assert _summary(preparers.prepare(_items())) == expected
        # The processes serve another run too (`Archive.add` starts them once per run).
        assert _summary(preparers.prepare(_items()[:7])) == expected[:7]
    finally:
        preparers.stop()


def test_an_exception_in_a_process_is_raised_here(monkeypatch):
    def broken(article):
        raise KeyError("made-up bug")

    monkeypatch.setattr("searchkit.enrich.enrichment.STEPS", [broken])  # the processes fork with it
    preparers = prepare.Preparers(2, signatures=False)
    try:
        with pytest.raises(KeyError, match="made-up bug"):
            list(preparers.prepare([Article(id="a", headline="x")]))
    finally:
        preparers.stop()


def test_a_dead_process_is_reported_not_waited_for():
    preparers = prepare.Preparers(2, signatures=False)
    try:
        os.kill(preparers._procs[0].pid, signal.SIGKILL)
        preparers._procs[0].join()
        with pytest.raises(ArchiveError, match="died"):
            list(preparers.prepare([Article(id=str(i), headline="x") for i in range(3)]))
    finally:
        preparers.stop()


def test_seen_ids_name_where_an_id_was_first_read():
    seen = prepare.SeenIds()
    try:
        assert seen.first_origin("a", "feed.jsonl:1") is None
        assert seen.first_origin("b", "") is None
        assert seen.first_origin("a", "feed.jsonl:9") == "feed.jsonl:1"
        assert seen.first_origin("a", "other.jsonl:2") == "feed.jsonl:1"  # the first stays
        assert seen.first_origin("b", "x") == ""
        assert seen.first_origin("A", "feed.jsonl:3") is None  # ids are compared exactly
    finally:
        seen.close()


def test_fingerprints_give_each_indexed_articles_print_and_a_refill_replaces_them():
    known = prepare.Fingerprints()
    try:
        assert known.get("a") is None  # a new archive
        known.fill(iter([("a", "1" * 40), ("b", "2" * 40)]))
        assert (known.get("a"), known.get("b"), known.get("A")) == ("1" * 40, "2" * 40, None)
        known.fill([("c", "3" * 40)])  # a fill after a failed-over read starts again
        assert (known.get("a"), known.get("c")) == (None, "3" * 40)
        known.fill([])
        assert known.get("c") is None
    finally:
        known.close()


def test_a_rerun_reads_the_indexed_fingerprints_of_every_segment(tmp_path):
    feed = tmp_path / "feed.jsonl"
    rows = [{"id": f"n{i}", "headline": f"Story {i}", "body": f"Text of story {i}."} for i in range(7)]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    archive = Archive(tmp_path / "index", procs=0, batch_size=3)  # commits make several segments
    archive.add([feed])
    rows[4]["body"] = "A corrected text."
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = Archive(tmp_path / "index", procs=0, batch_size=3).add([feed])
    assert (summary.unchanged, summary.updated, summary.added) == (6, 1, 0)
