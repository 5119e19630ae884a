"""`Archive`: the public library API. The CLI is a thin layer over it.

    from searchkit import Archive
    archive = Archive("index")
    archive.add(["../shared/corpora/reuters21578"])
    result = archive.search("oil prices", facets=["places"], sort="newest")
"""
from __future__ import annotations

from .analysis import Analysis
from .annotations import Annotations
from .core import BATCH_SIZE, DEFAULT_INDEX, default_index_path, default_procs, index_exists, parse_filters
from .maintenance import Maintenance

__all__ = ["Archive", "BATCH_SIZE", "DEFAULT_INDEX", "default_index_path", "default_procs", "index_exists",
           "parse_filters"]


class Archive(Maintenance, Analysis, Annotations):
    """A searchable news archive stored in one index directory or on a Xapian cluster.

    `Archive(path)` opens the index at `path` (default: `$SEARCHKIT_INDEX` or `./index`); when there
    is none, the first `add` creates it (unless `create=False`, which raises ArchiveError at once)
    and searching raises ArchiveError; a `xapian://HOST:PORT[,HOST:PORT...]` address opens the
    archive on those `xapian-tcpsrv` shards instead (see `searchkit.backends.cluster`). Methods raise
    `searchkit.errors.SearchkitError` subclasses; nothing here prints or exits.
    """

    # The methods, by concern: opening, searching and reading (`core`), adding and maintenance
    # (`maintenance`), analysis (`analysis`), the user's data (`annotations`).

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
