"""searchkit: full-text search for news archives, built on Whoosh."""
from importlib.metadata import version

from .archive import Archive
from .backends import Capabilities
from .errors import ArchiveError, ArchiveLockedError, IndexInterrupted, QueryError, SearchkitError
from .model import (Article, FacetValue, Hit, IndexSummary, Problem, Related, RelatedEntity, SearchResult,
                    Span, Stats, Timeline, TimelineBucket)

__version__ = version("searchkit")

__all__ = ["Archive", "Article", "ArchiveError", "ArchiveLockedError", "Capabilities", "FacetValue", "Hit",
           "IndexInterrupted", "IndexSummary", "Problem", "QueryError", "Related", "RelatedEntity", "SearchResult",
           "SearchkitError", "Span", "Stats", "Timeline", "TimelineBucket", "__version__"]
