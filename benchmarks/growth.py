"""How build time, index size, memory and query latency grow with the corpus, from `run.py --json`
files of the same engine at different sizes:

    python benchmarks/growth.py /tmp/bench-200k.json /tmp/bench-1m.json [--engine searchkit]

Each row compares a run with the first (smallest) one: "x" columns are ratios, and the document
ratio is given beside them, so linear growth reads as x = docs ratio.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys

from run import KINDS


def growth_report(runs: list[dict], engine: str) -> str:
    runs = sorted(runs, key=lambda r: r["index"][engine]["docs"])
    base = runs[0]
    lines = [f"#### Growth of `{engine}` with corpus size", "",
             "| docs | x docs | build s | x | docs/s | index MB | x | peak RSS indexing MB | "
             "peak RSS searching MB | cold start ms |",
             "|---|---|---|---|---|---|---|---|---|---|"]

    def ratio(run, value) -> str:
        return f"{value(run) / value(base):.2f}x" if value(base) else "-"

    for run in runs:
        built, searched = run["index"][engine], run["query"].get(engine, {})
        cold = run.get("cold", {}).get(engine)
        lines.append("| {:,} | {} | {:.0f} | {} | {:,.0f} | {:.0f} | {} | {:.0f} | {} | {} |".format(
            built["docs"], ratio(run, lambda r: r["index"][engine]["docs"]), built["wall_s"],
            ratio(run, lambda r: r["index"][engine]["wall_s"]), built["docs"] / built["wall_s"],
            built["index_mb"], ratio(run, lambda r: r["index"][engine]["index_mb"]),
            built["peak_rss_mb"], f"{searched['peak_rss_mb']:.0f}" if searched else "-",
            f"{statistics.median(cold['wall_ms']):.0f}" if cold else "-"))
    lines += ["", "| kind | " + " | ".join(f"median ms at {r['index'][engine]['docs']:,}" for r in runs)
              + " | x (largest / smallest) |", "|---|" + "---|" * (len(runs) + 1)]
    for kind in KINDS:
        timed = [r["query"].get(engine, {}).get("kinds", {}) for r in runs]
        if any(kind not in kinds for kinds in timed):
            continue
        medians = [statistics.median(kinds[kind]["wall_ms"]) for kinds in timed]
        lines.append(f"| {kind} | " + " | ".join(f"{m:.2f}" for m in medians)
                     + f" | {medians[-1] / medians[0]:.2f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="run.py --json files")
    parser.add_argument("--engine", default="searchkit")
    args = parser.parse_args()
    runs = []
    for path in args.runs:
        with open(path) as f:
            runs.append(json.load(f))
    missing = [p for p, r in zip(args.runs, runs) if args.engine not in r.get("index", {})]
    if missing:
        sys.exit(f"no {args.engine} indexing results in {', '.join(missing)}")
    print(growth_report(runs, args.engine))


if __name__ == "__main__":
    main()
