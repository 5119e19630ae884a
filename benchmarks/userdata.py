"""What the user data (issue 22: tags, saved searches, first-indexed times) costs: the first-indexed
times written by `Archive.add` as a share of indexing, and id-set restrictions (`tag:`, `watch`)
matched from the id column against an Or of id terms.

    flock /tmp/searchkit-bench.lock .venv/bin/python benchmarks/userdata.py [--corpus DIR]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from whoosh import query as wq

from searchkit import Archive
from searchkit.querylang.query import IdSet
from searchkit.facade.userdata import UserData

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"


def best_of(n: int, run) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default=str(REUTERS))
    args = parser.parse_args()
    spent = [0.0]
    record = UserData.record_first_seen

    def timed(self, ids, when):
        start = time.perf_counter()
        record(self, ids, when)
        spent[0] += time.perf_counter() - start

    UserData.record_first_seen = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "index") as archive:
        start = time.perf_counter()
        added = archive.add([args.corpus]).added
        total = time.perf_counter() - start
        print(f"corpus: {args.corpus}, {added} articles added")
        print("| what | seconds | share |")
        print("|---|---|---|")
        print(f"| index (Archive.add) | {total:.2f} | |")
        print(f"| of which first-indexed times | {spent[0]:.3f} | {spent[0] / total:.2%} |")
        archive.save_search("oil", "oil")
        archive.tag_query("oil", add=["oil"], confirm=True)
        ids = frozenset(a.id for a in archive.export("*"))
        searcher = archive._engine._ix.searcher()  # type: ignore[union-attr]
        oil = wq.Or([wq.Term("body", "oil"), wq.Term("headline", "oil")])
        plain = wq.And([oil, wq.Or([wq.Term("id", i) for i in sorted(ids)])])
        column = wq.And([oil, IdSet(wq.Or([wq.Term("id", i) for i in sorted(ids)]))])
        rows = [
            (f"oil AND one of {len(ids)} ids: Or of id terms", lambda: list(searcher.docs_for_query(plain))),
            (f"oil AND one of {len(ids)} ids: IdSet (id column)", lambda: list(searcher.docs_for_query(column))),
            ("watch, every article new (Archive.watch)", lambda: archive.watch(since="2000-01-01", mark=False)),
            ("search oil (no user data)", lambda: archive.search("oil", limit=10)),
            ("search tag:oil (the same articles, tagged)", lambda: archive.search("tag:oil", limit=10)),
            ("search crude --facet tags", lambda: archive.search("crude", facets=["tags"], limit=10)),
        ]
        for name, run in rows:
            print(f"| {name} | {best_of(3, run):.3f} | |")


if __name__ == "__main__":
    main()
