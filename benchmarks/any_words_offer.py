"""How often the any-word offer (`SearchResult.any_words`, issue 23) appears on the reporter's
needs (`eval_relevance.NEEDS`), and what its OR query's first 10 would give against the typed
all-words query's, in nDCG@10 on each Lewis half (the index of `eval_relevance.py --index`).

    flock /tmp/searchkit-cpu.lock .venv/bin/python benchmarks/any_words_offer.py --index /tmp/relevance-full-idx
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from searchkit import Archive

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_relevance import NEEDS, ROOT, library_rank, ndcg_at, read_judgments, reuters_files  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--index", type=Path, required=True, help="an index built by eval_relevance.py")
    args = parser.parse_args(argv)
    judged = read_judgments(reuters_files(args.corpora))
    with Archive(args.index, create=False) as archive:
        for split in ("train", "test"):
            typed: list[float] = []  # every query, as typed
            offered: list[tuple[float, float]] = []  # (as typed, OR form) of those with the offer
            for topic, text in NEEDS.items():
                relevant = judged.relevant(topic, split)
                typed.append(ndcg_at(library_rank(archive, text, split), relevant, 10))
                offer = archive.search(text, filters={"section": split}, limit=0).any_words
                if offer is not None:
                    offered.append((typed[-1], ndcg_at(library_rank(archive, offer.query, split), relevant, 10)))
            gain = sum(after - before for before, after in offered)
            print(f"{split}: {len(offered)} of {len(NEEDS)} queries get the offer; on them nDCG@10 "
                  f"{statistics.fmean(b for b, _ in offered) if offered else 0:.3f} as typed, "
                  f"{statistics.fmean(a for _, a in offered) if offered else 0:.3f} for the OR form; "
                  f"all {len(NEEDS)}: {statistics.fmean(typed):.3f} as typed, "
                  f"{statistics.fmean(typed) + gain / len(typed):.3f} with the OR form where offered")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
