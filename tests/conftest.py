"""Shared fixtures. The real corpora are read from ../shared/corpora (never copied here); tests that
need them skip with a reason when that folder is absent."""
from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from searchkit import Archive, IndexSummary

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "archive"
CORPORA = ROOT.parent / "shared" / "corpora"
REUTERS = CORPORA / "reuters21578"
BBC = CORPORA / "bbc"
SEED = CORPORA / "seed"

needs_corpora = pytest.mark.skipif(
    not REUTERS.is_dir() or not BBC.is_dir(),
    reason=f"real corpora not found at {CORPORA} (a fresh clone has no ../shared)")
try:
    import xapian  # noqa: F401
    HAVE_XAPIAN_BINDINGS = True
except ImportError:
    HAVE_XAPIAN_BINDINGS = False
# Tests of the Xapian backend: they need its servers and its Python bindings.
needs_xapian = [
    pytest.mark.skipif(shutil.which("xapian-tcpsrv") is None,
                       reason="xapian-tcpsrv not installed (apt-get install xapian-tools)"),
    pytest.mark.skipif(not HAVE_XAPIAN_BINDINGS, reason="Xapian bindings not installed (pip install '.[xapian]')"),
]
# The session fixtures that index the real corpora (they skip without them).
CORPUS_FIXTURES = frozenset({"corpus_index", "corpus"})


def pytest_collection_modifyitems(config, items):
    """Every test that needs the real corpora carries the `corpora` marker (`-m "not corpora"` runs
    the others): those that use a corpus fixture, and those skipped without ../shared/corpora."""
    for item in items:
        guarded = any("corpora" in str(mark.kwargs.get("reason", "")) for mark in item.iter_markers("skipif"))
        if guarded or CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.corpora)


@pytest.fixture(scope="session")
def example_archive(tmp_path_factory) -> Archive:
    """The repository's example archive (13 fictional articles), indexed once."""
    archive = Archive(tmp_path_factory.mktemp("examples") / "index")
    summary = archive.add([EXAMPLES])
    assert summary.failed == 0 and summary.added == 13, summary
    return archive


@pytest.fixture(scope="session")
def xapian_cluster(tmp_path_factory):
    """A 2-shard Xapian cluster on loopback (`xapian-tcpsrv`), for the whole session. A test that
    uses it skips, with `needs_xapian`'s reason, where the servers or bindings are missing."""
    for mark in needs_xapian:
        if mark.args[0]:
            pytest.skip(mark.kwargs["reason"])
    from searchkit.backends import cluster
    folder = tmp_path_factory.mktemp("cluster")
    local = cluster.start(folder, shards=2)
    yield local
    cluster.stop(folder)


@pytest.fixture(scope="session")
def example_cluster(xapian_cluster) -> Archive:
    """The example archive (`example_archive`'s 13 articles) on that cluster."""
    archive = Archive(xapian_cluster.address)
    summary = archive.add([EXAMPLES])
    assert summary.failed == 0 and summary.added == 13, summary
    return archive


@contextlib.contextmanager
def keep_segments() -> Iterator[None]:
    """Indexing runs keep every segment they write (no merges at their end): for tests of searching
    across segments on a few hundred articles, which the merge policy would make one segment."""
    from searchkit.backends.whoosh import merge_policy
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(merge_policy, "plan_merges", lambda sizes: [])
        yield


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """Held by one process of the test run at a time (an fcntl lock: released if it dies)."""
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_tmp(tmp_path_factory) -> Path:
    """A folder shared by the processes of one test run: with pytest-xdist (`-n 2` in pyproject)
    each worker has a base temporary folder of its own inside the run's."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> tuple[Path, IndexSummary]:
    """All of Reuters-21578, BBC and the seed article, indexed once per test run: the first
    worker process to need it builds it, the other waits for it and uses the same index.

    Returns the index path and the IndexSummary of the run.
    """
    if not REUTERS.is_dir() or not BBC.is_dir():
        pytest.skip(f"real corpora not found at {CORPORA}")
    folder = shared_tmp(tmp_path_factory) / "corpora"
    done = folder / "summary.pickle"
    with _exclusive(shared_tmp(tmp_path_factory) / "corpora.lock"):
        if not done.exists():
            folder.mkdir(exist_ok=True)
            with Archive(folder / "index") as archive:
                summary = archive.add([REUTERS, BBC, SEED])
            done.write_bytes(pickle.dumps(summary))
    return folder / "index", pickle.loads(done.read_bytes())


@pytest.fixture(scope="session")
def corpus(corpus_index) -> Archive:
    return Archive(corpus_index[0], create=False)
