"""Shared fixtures. The real corpora are read from ../shared/corpora (never copied here); tests that
need them skip with a reason when that folder is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

from searchkit import Archive

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "archive"
CORPORA = ROOT.parent / "shared" / "corpora"
REUTERS = CORPORA / "reuters21578"
BBC = CORPORA / "bbc"
SEED = CORPORA / "seed"

needs_corpora = pytest.mark.skipif(
    not REUTERS.is_dir() or not BBC.is_dir(),
    reason=f"real corpora not found at {CORPORA} (a fresh clone has no ../shared)")


@pytest.fixture(scope="session")
def example_archive(tmp_path_factory) -> Archive:
    """The repository's example archive (13 fictional articles), indexed once."""
    archive = Archive(tmp_path_factory.mktemp("examples") / "index")
    summary = archive.add([EXAMPLES])
    assert summary.failed == 0 and summary.added == 13, summary
    return archive


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> tuple[Path, object]:
    """All of Reuters-21578, BBC and the seed article, indexed once per test session.

    Returns the index path and the IndexSummary of the run.
    """
    if not REUTERS.is_dir() or not BBC.is_dir():
        pytest.skip(f"real corpora not found at {CORPORA}")
    path = tmp_path_factory.mktemp("corpora") / "index"
    with Archive(path) as archive:
        summary = archive.add([REUTERS, BBC, SEED])
    return path, summary


@pytest.fixture(scope="session")
def corpus(corpus_index) -> Archive:
    return Archive(corpus_index[0], create=False)
