"""Speed of each ranking (issue 23), side by side on one index: run.py's `term` and `and2` queries
through `Archive.search` (top 10, no snippets), the rankings interleaved query by query.

    flock /tmp/searchkit-bench.lock python benchmarks/ranking_speed.py --index /tmp/batch-bench-200k \
        [--queries ../shared/bench/queries/scaled200k.json] [--per-kind 100] [--rounds 3]

Each query runs once per ranking to warm the page cache and the searcher first; then `--rounds`
times per ranking, and a query's time is its median. Reported per kind: median and p90 over the
queries (ms) and the ratio of each ranking's median to plain's.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searchkit import Archive  # noqa: E402
from searchkit.querylang.ranking import RANKINGS  # noqa: E402

KINDS = ("term", "and2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a searchkit index (opened read-only)")
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared" / "bench" / "queries" / "scaled200k.json",
                        help="run.py's query file (default: ../shared/bench/queries/scaled200k.json)")
    parser.add_argument("--per-kind", type=int, default=100, help="queries per kind (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per query and ranking (default 3)")
    args = parser.parse_args(argv)
    specs = json.loads(args.queries.read_text())["kinds"]
    rankings = ["plain", *(r for r in RANKINGS if r != "plain")]
    archive = Archive(args.index, create=False)
    print(f"index {args.index}: {archive.stats(top=0).documents} articles; rankings {', '.join(rankings)}")
    print()
    print("| kind | queries | " + " | ".join(f"{r} median (ms) | {r} p90" for r in rankings)
          + " | " + " | ".join(f"{r}/plain" for r in rankings[1:]) + " |")
    print("|---|---|" + "---|---|" * len(rankings) + "---|" * (len(rankings) - 1))
    for kind in KINDS:
        texts = [" ".join(spec["words"][:2 if kind == "and2" else 1]) for spec in specs[kind][:args.per_kind]]
        times: dict[str, list[float]] = {r: [] for r in rankings}
        for text in texts:
            for ranking in rankings:
                archive.search(text, limit=10, snippets=False, ranking=ranking)
                runs = []
                for _ in range(args.rounds):
                    t0 = time.perf_counter()
                    archive.search(text, limit=10, snippets=False, ranking=ranking)
                    runs.append((time.perf_counter() - t0) * 1000)
                times[ranking].append(statistics.median(runs))
        medians = {r: statistics.median(t) for r, t in times.items()}
        p90 = {r: statistics.quantiles(t, n=10)[-1] for r, t in times.items()}
        print(f"| {kind} | {len(texts)} | " + " | ".join(f"{medians[r]:.1f} | {p90[r]:.1f}" for r in rankings)
              + " | " + " | ".join(f"{medians[r] / medians['plain']:.2f}x" for r in rankings[1:]) + " |")
    archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
