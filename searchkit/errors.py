"""Exceptions raised by the library. The CLI turns each into a one-line message and an exit code."""


class SearchkitError(Exception):
    """Base class of every error searchkit raises on purpose."""


class QueryError(SearchkitError, ValueError):
    """A query, filter, field or date that cannot be understood (a usage error: exit code 2)."""


class ArchiveError(SearchkitError):
    """The index cannot be opened or written (missing, corrupt, read-only, disk full)."""


class ArchiveLockedError(ArchiveError):
    """Another process holds the index's write lock and did not release it in time."""

