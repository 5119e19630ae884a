"""The benchmark runs end to end on a tiny corpus (no timing assertions: figures are in
benchmarks/RESULTS.md)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"

pytest.importorskip("psutil")


def _tiny_corpus(path: Path) -> None:
    words = "oil prices interest rates bank trade coffee brazil markets shares".split()
    with open(path, "w", encoding="utf-8") as f:
        for i in range(60):
            body = " ".join(words[(i + j) % len(words)] for j in range(40))
            f.write(json.dumps({"id": f"d{i}", "headline": f"Story {i} about {words[i % 10]}",
                                "body": body, "date": f"20{i % 20:02d}-03-0{i % 9 + 1}T10:00:00",
                                "places": ["usa"] if i % 2 else ["uk", "brazil"]}) + "\n")


def _tiny_queries(path: Path) -> None:
    kinds = {"term": [{"words": ["oil"]}], "and2": [{"words": ["oil", "bank"]}],
             "or3": [{"words": ["oil", "coffee", "trade"]}],
             "phrase": [{"words": ["interest", "rates"]}],
             "phrase_slop": [{"words": ["oil", "rates"], "slop": 3}],
             "daterange": [{"words": ["oil"], "start": "2003-01-01T00:00:00", "end": "2010-12-31T00:00:00"}],
             "facet": [{"words": ["coffee"]}], "sortdate": [{"words": ["trade"]}]}
    path.write_text(json.dumps({"kinds": kinds, "check": []}))


def test_benchmark_runs_on_a_tiny_corpus(tmp_path):
    corpus, queries = tmp_path / "tiny.jsonl", tmp_path / "tiny-queries.json"
    _tiny_corpus(corpus)
    _tiny_queries(queries)
    out = tmp_path / "res.json"
    done = subprocess.run(
        [sys.executable, str(RUN), "--corpus", str(corpus), "--query-set", str(queries),
         "--queries", "2", "--cold-runs", "1", "--totals", "1", "--json", str(out),
         "--engines", "searchkit,searchkit_procs0,whoosh,whoosh_procs2,fts5",
         "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    res = json.loads(out.read_text())
    assert set(res["index"]) == {"searchkit", "searchkit_procs0", "whoosh", "whoosh_procs2",
                                "fts5"}
    assert all(m["docs"] == 60 for m in res["index"].values())
    for engine in ("searchkit", "whoosh", "fts5"):
        assert set(res["query"][engine]["kinds"]) == {"term", "and2", "or3", "phrase", "phrase_slop",
                                                      "daterange", "facet", "sortdate"}
    totals = {e: [t["total"] for t in res["query"][e]["totals"]] for e in ("searchkit", "whoosh")}
    assert totals["searchkit"] == totals["whoosh"]  # a corpus where both analyzers agree
    assert "### Indexing" in done.stdout and "### Cold start" in done.stdout


def test_the_report_compares_the_baseline_codes_queries_kind_by_kind():
    """`--baseline-code`: the same queries with another checkout's code, before and after."""
    sys.path.insert(0, str(RUN.parent))
    try:
        import run
    finally:
        sys.path.remove(str(RUN.parent))
    timings = {"searchkit": {"term": [2.0, 4.0, 3.0]}, "searchkit_baseline": {"term": [6.0, 6.0, 5.0]},
               "fts5": {"term": [1.5, 1.5, 1.5]}}
    res = {"command": "python benchmarks/run.py ...", "machine": "m", "corpus": "c", "docs": 3,
           "queries_file": "q", "per_kind": 3, "budget_s": 60, "date": "d", "index": {}, "cold": {},
           "baseline_code": "/work/main",
           "query": {eng: {"kinds": {kind: {"wall_ms": ms, "cpu_ms": ms} for kind, ms in kinds.items()},
                           "totals": [{"kind": "term", "spec": {"words": ["oil"]}, "total": 7}]}
                     for eng, kinds in timings.items()}}
    text = run.report(res)
    assert "queried with the code at /work/main (before) and this code (after)" in text
    assert "| term | 6.00 | 3.00 | 1.50 | 0.50x | 0.25x | 0.50x |" in text
    assert "Exact totals: 1 of 1 queries the same before and after." in text
