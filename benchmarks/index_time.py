#!/usr/bin/env python3
"""Time one `Archive.add` of a corpus file into a new index, with a given checkout's searchkit:
for before/after comparisons of indexing changes (run alone: the machine has 2 cores).

    python benchmarks/index_time.py CHECKOUT CORPUS.jsonl INDEX_DIR

Prints the articles added, the wall time, articles per second, and the CPU time of this process
(reading, clustering, writing) and of its children (preparing and indexing processes).
"""
from __future__ import annotations

import resource
import shutil
import sys
import time


def main(checkout: str, corpus: str, index_dir: str) -> None:
    sys.path.insert(0, checkout)
    from searchkit import Archive
    shutil.rmtree(index_dir, ignore_errors=True)
    start = time.perf_counter()
    with Archive(index_dir) as archive:
        added = archive.add([corpus]).added
    wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{added} articles in {wall:.1f} s ({added / wall:.0f}/s); CPU: this process "
          f"{own.ru_utime + own.ru_stime:.1f} s, children {children.ru_utime + children.ru_stime:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
