"""The Whoosh engine's writers: Whoosh's own writer in this process (`WhooshWriter`), or the
segment-writing worker processes (`WorkersWriter`, see `segment_writer`)."""
from __future__ import annotations

from typing import Callable

from whoosh import index
from whoosh.index import LockError

from ...errors import ArchiveError, ArchiveLockedError
from ...model import Article
from ..documents import TIME_COLUMN, to_document


# Fields added to the schema without a new SCHEMA_VERSION: an index made before has not got them.
_ADDED_FIELDS = (TIME_COLUMN,)


def _fields_missing(schema) -> tuple[str, ...]:
    """The added fields that an older index's schema lacks (left out of its documents: see
    `timeorder` for what that index does without them)."""
    return tuple(name for name in _ADDED_FIELDS if name not in schema)


def _without(doc: dict, names: tuple[str, ...]) -> dict:
    for name in names:
        doc.pop(name, None)
    return doc


def write_error(folder: str, exc: OSError) -> ArchiveError:
    return ArchiveError(f"cannot write the index at {folder}: {exc.strerror or exc}; "
                        f"the index keeps what its last commit held")


def locked_error(folder: str, lock_timeout: float) -> ArchiveLockedError:
    return ArchiveLockedError(
        f"the index at {folder} is being written by another process "
        f"(waited {lock_timeout:g} s); try again when it has finished")


class WhooshWriter:
    """Adds and replaces articles through Whoosh's own writer, in this process; nothing is visible
    to searches until `commit`.

    Whoosh writes a commit's segment files first and the table of contents that lists them last,
    so a failed or killed writer leaves the previous commit intact (its stray files are removed by
    the next commit). The write lock is an fcntl lock: it dies with its process, so a killed writer
    never blocks the next one.
    """

    def __init__(self, ix: index.Index, lock_timeout: float):
        self._ix, self._lock_timeout = ix, lock_timeout
        self._folder = ix.storage.folder
        self._missing = _fields_missing(ix.schema)
        self._writer = self._open()

    def _open(self):
        try:
            return self._ix.writer(timeout=self._lock_timeout, limitmb=256, compound=False)
        except LockError:
            raise locked_error(self._folder, self._lock_timeout) from None
        except OSError as exc:
            raise write_error(self._folder, exc) from None

    def add(self, article: Article, fingerprint: str, replace: bool, cluster: str | None = None) -> None:
        doc = _without(to_document(article, fingerprint, cluster), self._missing)
        if self._writer is None:
            self._writer = self._open()
        try:
            if replace:
                self._writer.update_document(**doc)
            else:
                self._writer.add_document(**doc)
        except OSError as exc:
            self.cancel()
            raise write_error(self._folder, exc) from None

    def commit(self) -> None:
        """Commits the articles added so far; the next `add` starts a new Whoosh writer."""
        try:
            self._writer.commit()
        except OSError as exc:
            self.cancel()
            raise write_error(self._folder, exc) from None
        self._writer = None

    def close(self) -> None:
        """Commits what is left."""
        if self._writer is not None:
            self.commit()

    def cancel(self) -> None:
        if self._writer is None or self._writer.is_closed:
            return
        try:
            self._writer.cancel()
        except OSError:
            pass  # nothing was committed; the lock is released with the file anyway


class WorkersWriter:
    """The same interface, writing segments directly in worker processes (see `segment_writer`): no
    merging at commit, one new segment per `segment_size` articles; a commit becomes visible in
    the background while the next batch is read (all of them by `close`, which then merges small
    adjacent segments). Same crash safety; the lock is held until `close`."""

    def __init__(self, ix: index.Index, lock_timeout: float, workers, segment_size: int):
        from .segment_writer import SegmentBatchWriter
        self._folder = ix.storage.folder
        self._missing = _fields_missing(ix.schema)
        try:
            self._writer = SegmentBatchWriter(ix, lock_timeout, workers, segment_size)
        except LockError:
            raise locked_error(self._folder, lock_timeout) from None
        except OSError as exc:
            raise write_error(self._folder, exc) from None

    def add(self, article: Article, fingerprint: str, replace: bool, cluster: str | None = None) -> None:
        self._guard(self._writer.add, _without(to_document(article, fingerprint, cluster), self._missing), replace)

    def commit(self) -> None:
        self._guard(self._writer.commit)

    def close(self) -> None:
        self._guard(self._writer.close)

    def cancel(self) -> None:
        self._writer.cancel()

    def _guard(self, call: Callable, *args) -> None:
        from .segment_workers import WorkerError
        try:
            call(*args)
        except WorkerError as exc:
            self.cancel()
            if isinstance(exc.cause, OSError):
                raise write_error(self._folder, exc.cause) from None
            raise exc.cause from None
        except OSError as exc:
            self.cancel()
            raise write_error(self._folder, exc) from None
