"""Issue 19: re-running `index` on unchanged files does not read them again."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from searchkit import Archive
from searchkit.ingest import sources


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(f"Story {n}\n\nOil story number {n}.\n")
    (folder / "bad.txt").write_text("")  # fails: read again every run
    return folder


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the files `sources.read` is asked to read."""
    names: list[str] = []
    real = sources.read

    def counting(sf):
        names.append(sf.path.name)
        return real(sf)

    monkeypatch.setattr(sources, "read", counting)
    return names


def test_unchanged_files_are_not_read_again_unless_checked(tmp_path, reads):
    folder = _folder(tmp_path)
    with Archive(tmp_path / "index", procs=0) as archive:
        first = archive.add([folder])
        assert (first.added, first.failed) == (3, 1) and sorted(reads) == ["0.txt", "1.txt", "2.txt", "bad.txt"]
        reads.clear()
        again = archive.add([folder])
        assert (again.added, again.unchanged, again.failed) == (0, 3, 1)
        assert reads == ["bad.txt"]  # a file that failed is read again
        # a changed file (size or time) is read again, and only it
        (folder / "1.txt").write_text("Story 1\n\nGas story number 1, longer now.\n")
        reads.clear()
        changed = archive.add([folder])
        assert (changed.updated, changed.unchanged) == (1, 2) and sorted(reads) == ["1.txt", "bad.txt"]
        assert archive.search("gas").total == 1
        stat = (folder / "2.txt").stat()
        (folder / "2.txt").write_text("Story 2\n\nCoal story number 2.\n")  # same size
        os.utime(folder / "2.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        reads.clear()
        assert archive.add([folder]).updated == 1 and sorted(reads) == ["2.txt", "bad.txt"]
        reads.clear()
        checked = archive.add([folder], check=True)
        assert checked.unchanged == 3 and sorted(reads) == ["0.txt", "1.txt", "2.txt", "bad.txt"]
        reads.clear()
        rebuilt = archive.add([folder], rebuild=True)
        assert rebuilt.added == 3 and len(reads) == 4
        assert archive.stats().documents == 3
