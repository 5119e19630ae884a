"""searchkit: full-text search for news archives, built on Whoosh.

Every type that the public API (`Archive` and its results) returns is importable from here;
tests/test_public_api.py checks it.
"""
from importlib.metadata import version

from .facade.archive import Archive
from .backends import Capabilities
from .facade.batch import BatchResult, BatchRow
from .enrich.canonical import Entity, EntityTable
from .errors import ArchiveError, ArchiveLockedError, IndexInterrupted, QueryError, SearchkitError
from .model import (AnyWords, Article, FacetValue, FirstReport, Hit, IndexSummary, MatchSummary, MissingValue,
                    Optimized, Problem, Related, RelatedEntity, ScorePart, SearchResult, Span, Stats, Timeline,
                    TimelineBucket)
from .facade.userdata import Note, SavedSearch
from .facade.workflow import WatchResult

# From the installed package's metadata (pyproject.toml's `version`), never written twice.
__version__ = version("searchkit")

__all__ = ["AnyWords", "Archive", "Article", "ArchiveError", "ArchiveLockedError", "BatchResult", "BatchRow",
           "Capabilities", "Entity", "EntityTable", "FacetValue", "FirstReport", "Hit", "IndexInterrupted",
           "IndexSummary", "MatchSummary", "MissingValue", "Note", "Optimized", "Problem", "QueryError",
           "Related", "RelatedEntity", "SavedSearch", "ScorePart", "SearchResult", "SearchkitError", "Span", "Stats",
           "Timeline", "TimelineBucket", "WatchResult", "__version__"]
