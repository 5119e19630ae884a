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
            typed, either = [], []
            for topic, text in NEEDS.items():
                relevant = judged.relevant(topic, split)
                offer = archive.search(text, filters={"section": split}, limit=0).any_words
                if offer is None:
                    continue
                typed.append(ndcg_at(library_rank(archive, text, split), relevant, 10))
                either.append(ndcg_at(library_rank(archive, offer.query, split), relevant, 10))
            print(f"{split}: {len(typed)} of {len(NEEDS)} queries get the offer; on them nDCG@10 "
                  f"typed {statistics.fmean(typed) if typed else 0:.3f}, "
                  f"OR form {statistics.fmean(either) if either else 0:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
