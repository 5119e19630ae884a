#!/usr/bin/env python3
"""Totals of the spelling-variant examples (issue 23) and of 200 ordinary queries on an index, and
the comparison of two runs (before and after an analysis change; RESULTS.md, "Spelling variants").

    python benchmarks/variant_totals.py INDEX OUT.json      # with the checkout that built INDEX
    python benchmarks/variant_totals.py --compare BEFORE.json AFTER.json

The ordinary queries: the first 100 `term`, 50 `and2` and 50 `phrase` queries of
../shared/bench/queries/reuters.json, and tests/test_library_agreement.py's words and phrases.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

QUERIES = Path(__file__).resolve().parents[2] / "shared" / "bench" / "queries" / "reuters.json"
EXAMPLES = ["US trade deficit", "U.S. trade deficit", "us trade deficit", '"U.S. trade deficit"',
            '"US trade deficit"', "email", "e-mail", '"e mail"', "G7", "G-7", "AT&T", "at&t", "ISIS", "isis",
            "US", "U.S.", "us", "N.Z.", "T-BILL", "P&G", "S&P", "OPEC", "AIDS", "aids", "UK", "U.K.", "NATO", "IT"]
AGREEMENT = ["coffee", "tonnes", "dividend", "tariff", "shipping", "wheat", "bankruptcy", "merger", "sugar",
             "cocoa", "copper", "crude", "barrels", "shareholders", "acquisition", "inflation", "budget",
             "earnings", "rubber", "soybeans", "treasury", "grain"]
AGREEMENT_PHRASES = ["interest rates", "oil prices", "trade deficit", "central bank", "money supply", "crude oil",
                     "prime rate", "federal reserve", "exchange rates", "net income", "joint venture",
                     "tender offer", "dividend payable", "share offering"]


def ordinary() -> list[str]:
    kinds = json.loads(QUERIES.read_text())["kinds"]
    return ([" ".join(q["words"]) for q in kinds["term"][:100]] + [" ".join(q["words"]) for q in kinds["and2"][:50]]
            + [f'"{" ".join(q["words"])}"' for q in kinds["phrase"][:50]]
            + AGREEMENT + [f'"{p}"' for p in AGREEMENT_PHRASES])


def totals(index: str, out: str) -> None:
    from searchkit import Archive
    archive = Archive(index, create=False)
    found: dict[str, dict[str, object]] = {"examples": {}, "ordinary": {}}
    for text in EXAMPLES:
        result = archive.search(text, limit=3, snippets=False)
        found["examples"][text] = [result.total, [h.headline for h in result.hits]]
    for text in ordinary():
        found["ordinary"][text] = archive.search(text, limit=0, snippets=False).total
    Path(out).write_text(json.dumps(found, indent=1))


def compare(before_file: str, after_file: str) -> None:
    before, after = json.loads(Path(before_file).read_text()), json.loads(Path(after_file).read_text())
    print("| query | before | after | top 3 after |\n|---|---:|---:|---|")
    for text, (was, _) in before["examples"].items():
        now, headlines = after["examples"][text]
        print(f"| `{text}` | {was:,} | {now:,} | {'; '.join(h[:40] for h in headlines)} |")
    changed = [(q, n, after["ordinary"][q]) for q, n in before["ordinary"].items() if n != after["ordinary"][q]]
    print(f"\n{len(before['ordinary'])} ordinary queries, {len(changed)} changed\n")
    print("| query | before | after |\n|---|---:|---:|")
    for text, was, now in changed:
        print(f"| `{text}` | {was:,} | {now:,} |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3:
        totals(sys.argv[1], sys.argv[2])
    else:
        sys.exit(__doc__)
