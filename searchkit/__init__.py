"""searchkit: full-text search for news archives, built on Whoosh."""
from . import whoosh_import  # noqa: F401  (first: imports Whoosh without its slow unused imports)
from .archive import Archive
from .errors import ArchiveError, ArchiveLockedError, IndexInterrupted, QueryError, SearchkitError
from .model import Article, FacetValue, Hit, IndexSummary, Problem, SearchResult, Stats

__version__ = "0.1.0"

__all__ = ["Archive", "Article", "ArchiveError", "ArchiveLockedError", "FacetValue", "Hit",
           "IndexInterrupted", "IndexSummary", "Problem", "QueryError", "SearchResult", "SearchkitError",
           "Stats", "__version__"]
