"""Exceptions raised by the library. The CLI turns each into a one-line message and an exit code."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import IndexSummary


class SearchkitError(Exception):
    """Base class of every error searchkit raises on purpose."""


class QueryError(SearchkitError, ValueError):
    """A query, filter, field or date that cannot be understood (a usage error: exit code 2)."""


class ArchiveError(SearchkitError):
    """The index cannot be opened or written (missing, corrupt, read-only, disk full)."""


class ArchiveLockedError(ArchiveError):
    """Another process holds the index's write lock and did not release it in time."""



class IndexInterrupted(KeyboardInterrupt):
    """An indexing run stopped by Ctrl-C (or by SIGTERM where that is handled like Ctrl-C, as in
    the CLI) after committing every article it had read: `summary` counts them."""

    def __init__(self, summary: IndexSummary):
        super().__init__("indexing interrupted")
        self.summary = summary
