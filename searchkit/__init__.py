"""searchkit: full-text search for news archives, built on Whoosh."""
from .archive import Archive
from .errors import ArchiveError, ArchiveLockedError, QueryError, SearchkitError
from .model import Article, FacetValue, Hit, IndexSummary, Problem, SearchResult, Stats

__version__ = "0.1.0"

__all__ = ["Archive", "Article", "ArchiveError", "ArchiveLockedError", "FacetValue", "Hit",
           "IndexSummary", "Problem", "QueryError", "SearchResult", "SearchkitError", "Stats", "__version__"]
