#!/usr/bin/env python3
"""`searchkit batch` vs an `Archive.search` loop vs one `searchkit search` process per query.

    flock /tmp/searchkit-bench.lock .venv/bin/python benchmarks/batch.py --corpus scaled200k \
        [--limit N] [--queries 1000] [--sample 30] [--index DIR] [--markdown FILE]

The corpus comes from `../shared/bench/corpus.py materialize NAME` (its first `--limit` articles),
indexed once into `--index` (kept and reused when it already holds an index). The queries are the
first `--queries` of `../shared/bench/queries/scaled200k.json`, the kinds taken in turn (term, and2,
or3, phrase, phrase_slop, daterange's and facet's and sortdate's words).

Each contender runs in a fresh child process (interpreter start, imports and opening the index
counted), one after the other, and gets the same information per query where it can:
- `batch`: `searchkit batch FILE --json` (total, stories, first/last day, top 5 people, orgs and
  places, matches per month);
- `search loop, same facets`: one `Archive.search(q, facets=people/orgs/places/month,
  facet_top=5, limit=0)` per query: fewer answers (no stories, no first/last day, only the top 5
  months);
- `search loop, same answers`: the calls that give what a batch row gives: that search with
  `facet_top=0` (every month), a collapsed search (stories) and the oldest and newest hit;
- `searchkit search` processes: one `searchkit search Q --facet people --facet orgs --facet places
  --facet month --json` process per query, timed on `--sample` queries and extrapolated to all
  (each costs an interpreter start and an index opening).
The batch's totals are checked against the search loop's.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import BENCH, machine, prepare_corpus, query_text  # noqa: E402

KINDS = ("term", "and2", "or3", "phrase", "phrase_slop", "daterange", "facet", "sortdate")
FACETS = ("people", "orgs", "places", "month")


def load_queries(n: int) -> list[str]:
    spec = json.loads((BENCH / "queries" / "scaled200k.json").read_text())
    lists = [[query_text(kind, s, " ") for s in spec["kinds"].get(kind, [])] for kind in KINDS]
    queries: list[str] = []
    for i in range(max(map(len, lists))):
        queries += [items[i] for items in lists if i < len(items)]
    return queries[:n]


def child_loop(index: str, queries_file: str, mode: str) -> None:
    """Run in a child: the search loop; prints its totals as JSON."""
    from searchkit import Archive
    archive = Archive(index, create=False)
    totals = []
    for q in Path(queries_file).read_text(encoding="utf-8").splitlines():
        result = archive.search(q, facets=FACETS, facet_top=5 if mode == "facets" else 0, limit=0,
                                snippets=False)
        totals.append(result.total)
        if mode == "answers":
            archive.search(q, collapse=True, limit=0, snippets=False)
            archive.search(q, sort="oldest", limit=1, snippets=False)
            archive.search(q, sort="newest", limit=1, snippets=False)
    print(json.dumps(totals))


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="scaled200k")
    ap.add_argument("--limit", type=int, help="index only the first N articles")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--sample", type=int, default=30, help="`searchkit search` processes timed")
    ap.add_argument("--index", help="index folder (built if missing; default: a temporary folder)")
    ap.add_argument("--markdown", help="append the table to this file")
    ap.add_argument("--child-loop", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_loop:
        child_loop(*args.child_loop)
        return

    from searchkit import Archive
    work = Path(tempfile.mkdtemp(prefix="searchkit-batch-bench-"))
    index = Path(args.index) if args.index else work / "index"
    if not (index / "searchkit.json").exists():
        corpus = prepare_corpus(args.corpus, args.limit, work)
        start = time.perf_counter()
        with Archive(index) as archive:
            summary = archive.add([corpus], format="jsonl")
        print(f"indexed {summary.added} articles in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    with Archive(index, create=False) as archive:
        documents = archive.stats(top=1).documents
    queries = load_queries(args.queries)
    queries_file = work / "queries.txt"
    queries_file.write_text("\n".join(queries) + "\n", encoding="utf-8")
    cli = [sys.executable, "-m", "searchkit"]

    rows = []
    wall, out = timed([*cli, "batch", str(queries_file), "--index", str(index), "--json"])
    batch_totals = [r["total"] for r in json.loads(out)["rows"]]
    rows.append(("searchkit batch (one process)", wall, len(queries), False))
    for mode, label in (("facets", "Archive.search loop, same facets"),
                        ("answers", "Archive.search loop, same answers (4 calls a query)")):
        wall, out = timed([sys.executable, __file__, "--child-loop", str(index), str(queries_file), mode])
        if json.loads(out) != batch_totals:
            sys.exit(f"batch totals differ from the {mode} loop's")
        rows.append((label, wall, len(queries), False))
    sample = queries[:args.sample]
    start = time.perf_counter()
    for q in sample:
        subprocess.run([*cli, "search", "--index", str(index), *[a for f in FACETS for a in ("--facet", f)],
                        "--json", "--", q], check=True, capture_output=True)
    per_process = (time.perf_counter() - start) / len(sample)
    rows.append((f"searchkit search, a process per query ({len(sample)} timed, extrapolated)",
                 per_process * len(queries), len(queries), True))

    base = rows[0][1]
    lines = [f"{len(queries)} queries over {args.corpus}"
             + (f" (first {args.limit} articles)" if args.limit else "") + f", {documents} articles; "
             f"{machine()}", "",
             "| how | wall s | ms per query | x batch |", "|---|---|---|---|"]
    for label, seconds, n, estimated in rows:
        lines.append(f"| {label} | {'~' if estimated else ''}{seconds:.1f} | {seconds / n * 1000:.1f} | "
                     f"{seconds / base:.1f}x |")
    lines.append(f"\ncommand: flock /tmp/searchkit-bench.lock .venv/bin/python benchmarks/batch.py "
                 f"--corpus {args.corpus}" + (f" --limit {args.limit}" if args.limit else "")
                 + f" --queries {args.queries} --sample {args.sample}")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as f:
            f.write(text + "\n")
    shutil.rmtree(work, ignore_errors=True)  # (an --index folder is kept)


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    main()
