#!/usr/bin/env python3
"""Query speed on the merge policy's segments against the same articles in one segment, in one run.

    python benchmarks/segments.py --corpus scaled200k --limit 50000 [--runs 1,16] [--queries 100]

The first `--limit` articles of the corpus (`../shared/bench/corpus.py materialize NAME`) are
indexed with `Archive()` as a user gets it, once for each entry of `--runs`: in that many `add`
runs of equal parts (the merge policy decides the segments after each). A copy of the index of the
most segments is then merged into one segment by `Archive.optimize()`. Each query kind of the query set
(`../shared/bench/queries/NAME.json`, as `run.py` times them: searchkit's `Archive.search`, top 10,
snippets off) is timed on every index in turn, each in a fresh process, the order rotating from
kind to kind; the report gives the medians and each index's ratio to the optimized one (the target
of issue 24: within 20%), the segments of each index, and the exact totals of every index compared.
Run it alone on the machine (`flock /tmp/searchkit-bench.lock ...`).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402  (benchmarks/run.py: corpus preparation, measured children, query steps)

OPTIMIZED = "optimized"


def split(corpus: Path, parts: int, workdir: Path) -> list[Path]:
    """The corpus as `parts` files of consecutive articles (equal but for the last)."""
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    size = -(-len(lines) // parts)
    files = []
    for k in range(parts):
        path = workdir / f"{corpus.stem}-part{k + 1}of{parts}.jsonl"
        path.write_text("".join(lines[k * size:(k + 1) * size]), encoding="utf-8")
        files.append(path)
    return files


def worker(spec: dict) -> dict:
    from whoosh import index

    from searchkit import Archive
    path = Path(spec["path"])
    if spec["step"] == "index":
        with Archive(path) as archive:
            for part in spec["parts"]:
                archive.add([part], format="jsonl")
    else:
        with Archive(path, create=False) as archive:
            archive.optimize()
    segments = index.open_dir(str(path))._segments()
    return {"segments": [s.doc_count() for s in segments]}


def measured(spec: dict, workdir: Path) -> dict:
    out = workdir / f"segments-{spec['step']}.json"
    m = run.measure([sys.executable, str(Path(__file__).resolve()), "--worker",
                     json.dumps(dict(spec, out=str(out)))])
    m.update(json.loads(out.read_text()))
    return m


def query(name: str, path: Path, qfile: Path, kinds: list[str], args, workdir: Path, totals: bool) -> dict:
    run.warm_page_cache(path)
    return run.child({"step": "query", "engine": "searchkit", "path": str(path), "queries": str(qfile),
                      "kinds": kinds, "per_kind": args.queries, "budget_s": args.budget,
                      "n_totals": args.totals, "totals": totals}, workdir)


def report(res: dict) -> str:
    names = list(res["indexes"])
    lines = [f"Command: `{res['command']}`  ", f"Machine: {res['machine']}  ",
             f"Corpus: {res['corpus']} ({res['docs']:,} docs), queries: {res['queries_file']} "
             f"({res['per_kind']} per kind after {run.WARMUP} warm-up); date: {res['date']}", "",
             "| index | built by | segments (articles each) | wall s |", "|---|---|---|---|"]
    for name in names:
        ix = res["indexes"][name]
        lines.append(f"| {name} | {ix['how']} | {len(ix['segments'])} ({', '.join(f'{n:,}' for n in ix['segments'])}) "
                     f"| {ix['wall_s']:.1f} |")
    lines += ["", "Warm query medians in ms (each index in a fresh process, page cache warm); x = this "
              "index's median / the optimized index's:", "",
              "| kind | " + " | ".join(names) + " | " + " | ".join(f"{n} x" for n in names if n != OPTIMIZED) + " |",
              "|---|" + "---|" * (2 * len(names) - 1)]
    worst = 0.0
    for kind in run.KINDS:
        meds = {n: statistics.median(res["queries"][n][kind]) for n in names if kind in res["queries"][n]}
        if OPTIMIZED not in meds:
            continue
        ratios = {n: meds[n] / meds[OPTIMIZED] for n in names if n != OPTIMIZED and n in meds}
        worst = max([worst, *ratios.values()])
        lines.append(f"| {kind} | " + " | ".join(f"{meds[n]:.2f}" for n in names) + " | "
                     + " | ".join(f"{ratios[n]:.2f}" for n in names if n != OPTIMIZED) + " |")
    lines += ["", f"Largest ratio: {worst:.2f} (target: at most 1.20). Exact totals of "
              f"{res['totals_compared']} queries: {'the same on every index' if res['totals_agree'] else 'DIFFERENT'}."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="scaled200k", help="corpus name (corpus.py) or a .jsonl path")
    ap.add_argument("--limit", type=int, default=50_000, help="the first N articles (default 50,000)")
    ap.add_argument("--runs", default="1,16", help="indexes to build: in how many add runs each (default "
                    "1,16: at 50,000 articles the policy leaves 1 and 3 segments)")
    ap.add_argument("--queries", type=int, default=100, help="timed queries per kind (default 100)")
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per kind and index at most")
    ap.add_argument("--totals", type=int, default=10, help="queries per kind whose totals are compared")
    ap.add_argument("--workdir", help="keep the corpus and indexes here (default: a temporary folder)")
    ap.add_argument("--json", help="write the raw results here")
    ap.add_argument("--markdown", help="write the report here")
    ap.add_argument("--worker", dest="worker_args", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker_args:
        spec = json.loads(args.worker_args)
        Path(spec["out"]).write_text(json.dumps(worker(spec)))
        return
    qfile = run.query_file(args.corpus)
    tmp = None if args.workdir else tempfile.mkdtemp(prefix="searchkit-segments-")
    workdir = Path(args.workdir if tmp is None else tmp).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        corpus = run.prepare_corpus(args.corpus, args.limit, workdir)
        res = {"command": "python benchmarks/segments.py " + " ".join(sys.argv[1:]), "machine": run.machine(),
               "corpus": args.corpus + (f" (first {args.limit:,})" if args.limit else ""),
               "queries_file": str(qfile.relative_to(run.ROOT.parent)), "per_kind": args.queries,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "indexes": {}, "queries": {}}
        paths = {}
        for runs in (int(r) for r in args.runs.split(",")):
            name = f"{runs} run{'s' * (runs > 1)}"
            path = paths[name] = workdir / f"index-{runs}-runs"
            shutil.rmtree(path, ignore_errors=True)
            print(f"indexing: {name} ...", file=sys.stderr, flush=True)
            m = measured({"step": "index", "path": str(path), "parts": [str(p) for p in split(corpus, runs, workdir)]},
                         workdir)
            res["indexes"][name] = {"how": f"`Archive.add` x {runs}", "segments": m["segments"], "wall_s": m["wall_s"]}
        # The index of the most segments, merged into one (the same articles as every other).
        first = paths[max(paths, key=lambda name: len(res["indexes"][name]["segments"]))]
        path = paths[OPTIMIZED] = workdir / "index-optimized"
        shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(first, path)
        print("optimizing ...", file=sys.stderr, flush=True)
        m = measured({"step": "optimize", "path": str(path)}, workdir)
        res["indexes"][OPTIMIZED] = {"how": f"a copy of {first.name}, `Archive.optimize()`",
                                     "segments": m["segments"], "wall_s": m["wall_s"]}
        res["docs"] = sum(m["segments"])
        queries = json.loads(qfile.read_text())
        names = list(paths)
        res["queries"] = {name: {} for name in names}
        for i, kind in enumerate(k for k in run.KINDS if queries["kinds"].get(k)):
            print(f"queries: {kind} ...", file=sys.stderr, flush=True)
            for name in names[i % len(names):] + names[:i % len(names)]:
                res["queries"][name][kind] = query(name, paths[name], qfile, [kind], args, workdir,
                                                   False)["kinds"][kind]["wall_ms"]
        totals = [query(name, paths[name], qfile, [], args, workdir, True)["totals"] for name in names]
        res["totals_compared"] = len(totals[0])
        res["totals_agree"] = all(t == totals[0] for t in totals)
        run.write_report(report(res), res, args)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
