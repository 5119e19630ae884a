"""The relevance yardstick (benchmarks/eval_relevance.py): its metrics against hand-computed values,
and a run of the whole script on one Reuters file."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import eval_relevance as ev  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"

RANKED = ["a", "b", "c", "d"]
RELEVANT = {"a", "c", "x"}  # "x" is never retrieved


def test_precision_counts_missing_ranks_as_misses() -> None:
    assert ev.precision_at(RANKED, RELEVANT, 2) == 0.5
    assert ev.precision_at(RANKED, RELEVANT, 4) == 0.5
    assert ev.precision_at(RANKED, RELEVANT, 10) == 0.2


def test_ndcg_by_hand() -> None:
    # DCG@3 = 1/log2(2) + 1/log2(4) = 1.5; the ideal puts the 3 relevant first: 1 + 1/log2(3) + 1/2.
    assert ev.ndcg_at(RANKED, RELEVANT, 3) == pytest.approx(1.5 / (1.5 + 1 / math.log2(3)))
    assert ev.ndcg_at(["a", "c"], {"a", "c"}, 10) == pytest.approx(1.0)
    assert ev.ndcg_at(["c", "a"], {"a"}, 10) == pytest.approx(1 / math.log2(3))
    assert ev.ndcg_at(RANKED, set(), 10) == 0.0


def test_average_precision_by_hand() -> None:
    # Relevant at ranks 1 and 3: (1/1 + 2/3) / 3 relevant.
    assert ev.average_precision(RANKED, RELEVANT) == pytest.approx((1 + 2 / 3) / 3)
    # Cut at depth 2: rank 1 only, over min(3, 2).
    assert ev.average_precision(RANKED, RELEVANT, depth=2) == pytest.approx(0.5)
    assert ev.average_precision(["b", "d"], RELEVANT) == 0.0


@pytest.mark.skipif(not (CORPORA / "reuters21578").is_dir(), reason="../shared/corpora/reuters21578 is absent")
def test_script_runs_on_one_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    # reut2-014.sgm holds TRAIN and TEST articles; two frequent topics, the smallest grid.
    code = ev.main(["--corpora", str(CORPORA), "--files", "14", "--min-articles", "3", "--topics", "earn,acq",
                    "--grid", "smoke", "--examples", "1", "--index", str(tmp_path / "index"),
                    "--out-md", str(tmp_path / "r.md"), "--out-json", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    assert set(report["topics"]) == {"earn", "acq"}
    # The Whoosh re-implementation of plain BM25F ranks exactly as the library.
    assert report["same_as_library"] == 2
    for split in ("train", "test"):
        names = [r["name"] for r in report["runs"][split]]
        assert names[0] == "plain BM25F" and "combination" in names
        for run in report["runs"][split]:
            assert all(0.0 <= v <= 1.0 for v in run["means"].values())
    assert "TEST half (held back)" in (tmp_path / "r.md").read_text()


def test_unknown_topic_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ev.main(["--corpora", str(ROOT), "--topics", "nosuchtopic"])
    assert exit_info.value.code == 2
    assert "nosuchtopic" in capsys.readouterr().err
