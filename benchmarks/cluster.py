#!/usr/bin/env python3
"""Scale-out: searchkit on Whoosh (one index folder) vs a 2-shard Xapian cluster on this machine.

    python benchmarks/cluster.py --corpus scaled200k --limits 20000,50000 [--queries 30] [--markdown FILE]

For each size, the same first N documents are indexed by `Archive.add` into a Whoosh folder and
into a fresh local cluster (`searchkit.backends.cluster.start`, one `xapian-tcpsrv` per shard), each in a
child process measured by run.py's `measure` (the servers' CPU is sampled from their processes);
then the query set of run.py (`../shared/bench/queries/NAME.json`) runs warm against both, through
the same `Archive.search` calls (run.py's `SearchkitQueries`), and every timed query's total is
compared between the two.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

import run  # benchmarks/run.py: corpus preparation, child measurement, the query runner

SHARDS = 2


class ServerCpu:
    """CPU seconds of the servers and of the processes they fork per connection, sampled every
    0.2 s while a step runs: xapian-tcpsrv does not wait for its children, so their time never
    reaches its own children's totals. A connection's last 0.2 s may be missed (a lower bound)."""

    def __init__(self, pids: list[int]):
        self._pids = pids
        self._seen: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            for pid in self._pids:
                try:
                    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
                except psutil.Error:
                    continue
                for p in procs:
                    try:
                        t = p.cpu_times()
                        self._seen[p.pid] = t.user + t.system
                    except psutil.Error:
                        pass
            self._done.wait(0.2)

    def __enter__(self) -> "ServerCpu":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self._seen.values())


def worker(spec: dict) -> dict:
    from searchkit import Archive
    if spec["step"] == "index":
        with Archive(spec["location"]) as archive:
            summary = archive.add([spec["corpus"]], format="jsonl")
        return {"docs": summary.added, "failed": summary.failed}
    queries = json.loads(Path(spec["queries"]).read_text())
    runner = run.SearchkitQueries(spec["location"])
    out = {}
    for kind in run.KINDS:
        specs = queries["kinds"].get(kind, [])[:spec["per_kind"]]
        for s in specs[:run.WARMUP]:
            runner.run(kind, s)
        wall, totals = [], []
        for s in specs:
            t0 = time.perf_counter()
            runner.run(kind, s)
            wall.append((time.perf_counter() - t0) * 1000)
            totals.append(runner.last.total)
        out[kind] = {"wall_ms": wall, "totals": totals}
    return out


def measured(spec: dict, workdir: Path, name: str) -> dict:
    out = workdir / f"{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(dict(spec, out=str(out)))]
    m = run.measure(cmd)
    m.update(json.loads(out.read_text()))
    return m


def one_size(corpus_name: str, limit: int, qfile: Path, per_kind: int, workdir: Path) -> dict:
    from searchkit.backends import cluster
    corpus = run.prepare_corpus(corpus_name, limit, workdir)
    res: dict = {"limit": limit, "index": {}, "query": {}}
    whoosh_dir = workdir / f"whoosh-{limit}"
    shutil.rmtree(whoosh_dir, ignore_errors=True)
    local = cluster.start(workdir / f"cluster-{limit}", shards=SHARDS)
    try:
        for engine, location in (("whoosh", str(whoosh_dir)), ("cluster", local.address)):
            print(f"{limit}: indexing {engine} ...", file=sys.stderr, flush=True)
            with ServerCpu(local.pids if engine == "cluster" else []) as server:
                m = measured({"step": "index", "location": location, "corpus": str(corpus)}, workdir,
                             f"index-{engine}-{limit}")
            m["server_cpu_s"] = server.seconds
            m["index_mb"] = run.dir_size(whoosh_dir if engine == "whoosh" else local.folder) / 2**20
            res["index"][engine] = m
            print(f"  {m['docs']} docs in {m['wall_s']:.1f} s", file=sys.stderr, flush=True)
        for engine, location in (("whoosh", str(whoosh_dir)), ("cluster", local.address)):
            print(f"{limit}: queries {engine} ...", file=sys.stderr, flush=True)
            res["query"][engine] = measured({"step": "query", "location": location, "queries": str(qfile),
                                             "per_kind": per_kind}, workdir, f"query-{engine}-{limit}")
    finally:
        cluster.stop(local.folder)
    return res


def report(res: dict) -> str:
    L = ["## Scale-out: Whoosh vs 2-shard Xapian cluster", "",
         f"Command: `{res['command']}`  ", f"Machine: {res['machine']}  ",
         f"Date: {res['date']}; corpus {res['corpus']}; queries `{res['queries_file']}`, "
         f"{res['per_kind']} timed per kind after {run.WARMUP} warm-up; both through `Archive` "
         f"(snippets off, top 10); the cluster is {SHARDS} local `xapian-tcpsrv` on loopback.", "",
         "### Indexing (JSONL file -> committed archive)", "",
         "| docs | engine | wall s | docs/s | client CPU s | server CPU s | peak client RSS MB | size MB | other cores |",
         "|---|---|---|---|---|---|---|---|---|"]
    for size in res["sizes"]:
        for engine in ("whoosh", "cluster"):
            m = size["index"][engine]
            other = f"{m['other_cores']:.2f}" if m.get("other_cores") is not None else "?"
            L.append(f"| {m['docs']:,} | {engine} | {m['wall_s']:.1f} | {m['docs'] / m['wall_s']:.0f} | "
                     f"{m['cpu_s']:.1f} | {m['server_cpu_s']:.1f} | {m['peak_rss_mb']:.0f} | "
                     f"{m['index_mb']:.0f} | {other} |")
    L += ["", "### Warm query latency (ms, median / p95; ratio = cluster median / Whoosh median)", "",
          "| kind | " + " | ".join(f"{s['limit']:,}: Whoosh | {s['limit']:,}: cluster | ratio"
                                   for s in res["sizes"]) + " |",
          "|---|" + "---|---|---|" * len(res["sizes"])]
    for kind in run.KINDS:
        cells = []
        for size in res["sizes"]:
            w = size["query"]["whoosh"].get(kind, {}).get("wall_ms") or []
            c = size["query"]["cluster"].get(kind, {}).get("wall_ms") or []
            if not w or not c:
                cells.append("- | - | -")
                continue
            wm, cm = statistics.median(w), statistics.median(c)
            cells.append(f"{wm:.1f} / {run.pct(w, 0.95):.1f} | {cm:.1f} / {run.pct(c, 0.95):.1f} | "
                         f"{cm / wm:.2f}")
        L.append(f"| {kind} | " + " | ".join(cells) + " |")
    L += [""]
    for size in res["sizes"]:
        same = differ = 0
        for kind in run.KINDS:
            w = size["query"]["whoosh"].get(kind, {}).get("totals") or []
            c = size["query"]["cluster"].get(kind, {}).get("totals") or []
            same += sum(a == b for a, b in zip(w, c))
            differ += sum(a != b for a, b in zip(w, c))
        L.append(f"Totals at {size['limit']:,} documents: {same} of {same + differ} timed queries give "
                 f"the same total on both.")
    return "\n".join(L)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="scaled200k")
    ap.add_argument("--limits", default="20000,50000", help="sizes (first N documents), comma separated")
    ap.add_argument("--queries", type=int, default=30, help="timed queries per kind")
    ap.add_argument("--workdir")
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        Path(spec["out"]).write_text(json.dumps(worker(spec)))
        return
    qfile = run.BENCH / "queries" / f"{Path(args.corpus).stem}.json"
    if not qfile.exists():
        qfile = run.BENCH / "queries" / "scaled200k.json"
    tmp = None if args.workdir else tempfile.mkdtemp(prefix="searchkit-cluster-bench-")
    workdir = Path(args.workdir if tmp is None else tmp).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        res = {"command": "python benchmarks/cluster.py " + " ".join(sys.argv[1:]),
               "machine": run.machine(), "corpus": args.corpus, "per_kind": args.queries,
               "queries_file": str(qfile.relative_to(run.ROOT.parent)),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "sizes": [one_size(args.corpus, int(n), qfile, args.queries, workdir)
                         for n in args.limits.split(",")]}
        text = report(res)
        print(text)
        for path, content in ((args.json, json.dumps(res, indent=1, default=str)),
                              (args.markdown, text + "\n")):
            if path:
                Path(path).write_text(content)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
