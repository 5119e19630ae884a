"""The size and modification time of each file an index was built from, so that a re-run skips the
files that have not changed since (`Archive.add`, unless `check=True`) instead of parsing them
again to find their articles unchanged. Kept in `files.sqlite` in the index folder."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

FILENAME = "files.sqlite"


def file_key(path: Path) -> tuple[str, int, int] | None:
    """(real path, size, mtime in ns) of a file, or None if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), st.st_size, st.st_mtime_ns


class FileStats:
    """Files indexed whole and without a problem, with their size, mtime and article count."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / FILENAME
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.path)
            self._db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, "
                             "mtime_ns INTEGER NOT NULL, articles INTEGER NOT NULL) WITHOUT ROWID")
        return self._db

    def unchanged(self, key: tuple[str, int, int]) -> int | None:
        """The number of articles of a file indexed when it had this size and mtime, else None."""
        if not self.path.exists():
            return None
        row = self._connect().execute("SELECT articles FROM files WHERE path = ? AND size = ? AND mtime_ns = ?",
                                      key).fetchone()
        return row[0] if row else None

    def record(self, done: dict[tuple[str, int, int], int], failed: set[str]) -> None:
        """After a run's last commit: the files read whole (by key, with their article count), but
        those in `failed` (real paths of files with a problem), which are read again next time."""
        db = self._connect()
        with db:
            db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in failed])
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                           [(*key, n) for key, n in done.items() if key[0] not in failed])

    def clear(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
