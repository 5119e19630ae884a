"""The user's own data about an archive: tags and notes on articles, saved searches, and when each
article was first indexed (for `watch`'s "what is new").

It is kept apart from the index, in `userdata.sqlite` in the index folder, which `--rebuild` does
not remove (it empties the index, the wire-copy table and the file stats only): everything here is
keyed by article id, and ids are stable, so tags, notes and first-indexed times survive re-indexing
and rebuilds. Every write is one SQLite transaction (`BEGIN IMMEDIATE`) in WAL mode with a busy
timeout, so several processes (a cron `watch`, a web server, a shell) can use it at once and a crash
loses at most the change being made.
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import ArchiveError, QueryError

FILENAME = "userdata.sqlite"
# Seconds a write waits for another process's write to finish.
BUSY_TIMEOUT = 10.0
MAX_TAG_CHARS = 50
MAX_NAME_CHARS = 100
# A note is a reporter's memo, not a document store: a bound keeps one paste from bloating the file.
MAX_NOTE_CHARS = 20_000
_TAG = re.compile(r"^\w[\w.-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The query field (`tag:lead`) and filter/facet names of the user's tags.
TAG_FIELD_NAMES = ("tag", "tags")
_TAG_IN_QUERY = re.compile(r'(?<![\w:])(?:[Tt][Aa][Gg][Ss]?):("[^"]*"|[^\s()"]+)')

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tags (id TEXT NOT NULL, tag TEXT NOT NULL, added REAL NOT NULL,
                                 PRIMARY KEY (id, tag)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_tag ON tags (tag, id);
CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, text TEXT NOT NULL, updated REAL NOT NULL)
                                 WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS searches (name TEXT PRIMARY KEY, query TEXT NOT NULL,
                                     options TEXT NOT NULL, created REAL NOT NULL,
                                     last_watched REAL);
CREATE TABLE IF NOT EXISTS first_seen (id TEXT PRIMARY KEY, seen REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS first_seen_by_time ON first_seen (seen);
"""


def check_tag(tag: str) -> str:
    """A tag as stored (lower case), or QueryError: one word of letters, digits, `-`, `_`, `.`."""
    value = tag.strip().casefold()
    if not value or len(value) > MAX_TAG_CHARS or not _TAG.match(value):
        raise QueryError(f"tag {tag[:60]!r} is not allowed: a tag is one word of letters, digits, "
                         f"'-', '_' or '.' (up to {MAX_TAG_CHARS} characters)")
    return value


def tags_in_query(text: str) -> list[str]:
    """The values written after `tag:` (or `tags:`) in a query, as typed."""
    return [value.strip('"') for value in _TAG_IN_QUERY.findall(text)]


def check_name(name: str) -> str:
    """A saved search's name as stored, or QueryError (empty, too long, control characters)."""
    value = name.strip()
    if not value or len(value) > MAX_NAME_CHARS or _CONTROL.search(value):
        raise QueryError(f"saved-search name {name[:60]!r} is not allowed: 1 to {MAX_NAME_CHARS} "
                         f"characters, no control characters")
    return value


def check_note(text: str) -> str:
    if len(text) > MAX_NOTE_CHARS:
        raise QueryError(f"note too long ({len(text):,} characters; the limit is {MAX_NOTE_CHARS:,})")
    if "\x00" in text:
        raise QueryError("a note cannot contain NUL characters")
    return text


def timestamp(when: float | None) -> str | None:
    """Seconds since the epoch as ISO 8601 UTC, to the second."""
    if when is None:
        return None
    return datetime.fromtimestamp(when, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_since(text: str | date | datetime) -> float:
    """`2026-12-01`, `2026-12-01T08:00`, a date or datetime (naive = UTC) as epoch seconds."""
    if isinstance(text, datetime):
        when = text
    elif isinstance(text, date):
        when = datetime(text.year, text.month, text.day)
    else:
        try:
            when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise QueryError(f"--since needs a date or time such as 2026-12-01 or 2026-12-01T08:00, "
                             f"got {text[:60]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


@dataclass
class SavedSearch:
    """A named query with the search options it runs with (`date_from`, `date_to`, `filters`,
    `sort`), and when it was saved and last watched (epoch seconds)."""

    name: str
    query: str
    options: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0
    last_watched: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.query, "options": self.options,
                "last_watched": timestamp(self.last_watched)}


@dataclass
class Note:
    id: str
    text: str
    updated: float

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "updated": timestamp(self.updated)}


class UserData:
    """The SQLite store of one index folder. Reading never creates the file; each thread has its
    own connection (a web server's threads share one `Archive`)."""

    available = True

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / FILENAME
        self._local = threading.local()

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        db = getattr(self._local, "db", None)
        if db is not None:
            return db
        if not create and not self.path.exists():
            return None
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            if create:
                raise self._error(exc) from None
            db = self._read_only(exc)
        self._local.db = db
        return db

    def _read_only(self, exc: sqlite3.Error) -> sqlite3.Connection:
        """A connection that only reads, for an index on a read-only disk (WAL mode cannot open
        there: it creates its shared-memory file). Writes through it fail with `_error`."""
        try:
            return sqlite3.connect(f"{self.path.resolve().as_uri()}?immutable=1", uri=True,
                                   isolation_level=None)
        except sqlite3.Error:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> ArchiveError:
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        return ArchiveError(f"cannot use {self.path}: {'No space left on device' if full else exc}; "
                            f"nothing was changed")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, taken at once so that two writers queue instead of failing; rolled
        back whole on any error."""
        db = self._connect(True)
        assert db is not None
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise self._error(exc) from None

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        db = self._connect(False)
        if db is None:
            return []
        try:
            return db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # ------------------------------------------------------------ tags and notes

    def tag(self, ids: Iterable[str], add: Iterable[str], remove: Iterable[str]) -> None:
        ids, add, remove = list(ids), list(add), list(remove)
        now = time.time()
        with self._write() as db:
            db.executemany("DELETE FROM tags WHERE id = ? AND tag = ?",
                           [(i, t) for i in ids for t in remove])
            db.executemany("INSERT OR IGNORE INTO tags (id, tag, added) VALUES (?, ?, ?)",
                           [(i, t, now) for i in ids for t in add])

    def tags_of(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """Each id's tags, sorted; ids without tags are left out."""
        found: dict[str, list[str]] = {}
        for article_id, tag in self._read_in("SELECT id, tag FROM tags WHERE id IN ({}) ORDER BY id, tag",
                                             ids):
            found.setdefault(article_id, []).append(tag)
        return found

    def notes_of(self, ids: Iterable[str]) -> dict[str, str]:
        return dict(self._read_in("SELECT id, text FROM notes WHERE id IN ({})", ids))

    def _read_in(self, sql: str, ids: Iterable[str]) -> list[tuple]:
        ids = list(ids)
        rows: list[tuple] = []
        for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            chunk = ids[start:start + 500]
            rows += self._read(sql.format(",".join("?" * len(chunk))), chunk)
        return rows

    def ids_tagged(self, tag: str) -> frozenset[str]:
        return frozenset(r[0] for r in self._read("SELECT id FROM tags WHERE tag = ?", (tag,)))

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag with its number of articles, most used first."""
        return [(t, n) for t, n in self._read(
            "SELECT tag, count(*) AS n FROM tags GROUP BY tag ORDER BY n DESC, tag")]

    def set_note(self, article_id: str, text: str) -> None:
        with self._write() as db:
            if text:
                db.execute("INSERT OR REPLACE INTO notes (id, text, updated) VALUES (?, ?, ?)",
                           (article_id, text, time.time()))
            else:
                db.execute("DELETE FROM notes WHERE id = ?", (article_id,))

    def notes(self) -> list[Note]:
        return [Note(*row) for row in self._read("SELECT id, text, updated FROM notes ORDER BY updated DESC, id")]

    # ------------------------------------------------------------ saved searches

    def save_search(self, search: SavedSearch, replace: bool) -> None:
        with self._write() as db:
            exists = db.execute("SELECT 1 FROM searches WHERE name = ?", (search.name,)).fetchone()
            if exists and not replace:
                raise QueryError(f"a saved search named {search.name!r} exists already "
                                 f"(unsave it first, or save with replace)")
            db.execute("INSERT OR REPLACE INTO searches (name, query, options, created, last_watched) "
                       "VALUES (?, ?, ?, ?, ?)", (search.name, search.query, json.dumps(search.options),
                                                  search.created, search.last_watched))

    def saved_searches(self, names: Iterable[str] | None = None) -> list[SavedSearch]:
        """All saved searches by name, or those named (QueryError for a name not saved)."""
        rows = self._read("SELECT name, query, options, created, last_watched FROM searches ORDER BY name")
        found = {name: SavedSearch(name, query, json.loads(options), created, watched)
                 for name, query, options, created, watched in rows}
        if names is None:
            return list(found.values())
        names = list(names)
        unknown = [n for n in names if n not in found]
        if unknown:
            known = ", ".join(found) or "none saved yet"
            raise QueryError(f"no saved search named {unknown[0]!r} (saved: {known})")
        return [found[n] for n in names]

    def unsave(self, name: str) -> None:
        with self._write() as db:
            if db.execute("DELETE FROM searches WHERE name = ?", (name,)).rowcount == 0:
                raise QueryError(f"no saved search named {name!r}")

    def mark_watched(self, name: str, when: float) -> None:
        with self._write() as db:
            db.execute("UPDATE searches SET last_watched = ? WHERE name = ?", (when, name))

    # ------------------------------------------------------------ first indexed

    def record_first_seen(self, ids: list[str], when: float) -> None:
        """Articles newly added to the index; an id seen before keeps its first time."""
        if ids:
            with self._write() as db:
                db.executemany("INSERT OR IGNORE INTO first_seen (id, seen) VALUES (?, ?)",
                               [(i, when) for i in ids])

    def first_seen_between(self, after: float, until: float) -> frozenset[str]:
        return frozenset(r[0] for r in self._read(
            "SELECT id FROM first_seen WHERE seen > ? AND seen <= ?", (after, until)))


class NoUserData:
    """Stands in for `UserData` where there is no local index folder (a Xapian cluster): every use
    raises ArchiveError saying so; indexing records nothing."""

    available = False

    def __getattr__(self, name: str) -> Any:
        raise ArchiveError("a Xapian cluster has no index folder to keep tags, notes, saved searches "
                           "and first-indexed times in: these work on an index folder only")

    def record_first_seen(self, ids: list[str], when: float) -> None:
        pass

    def tags_of(self, ids: Iterable[str]) -> dict[str, list[str]]:
        return {}

    def notes_of(self, ids: Iterable[str]) -> dict[str, str]:
        return {}

    def close(self) -> None:
        pass
