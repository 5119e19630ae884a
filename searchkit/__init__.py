"""searchkit: full-text search for news archives, built on Whoosh."""
from importlib.metadata import version

from .archive import Archive
from .errors import ArchiveError, ArchiveLockedError, QueryError, SearchkitError
from .backends import Capabilities
from .model import (Article, FacetValue, Hit, IndexSummary, Problem, Related, RelatedEntity, SearchResult,
                    Span, Stats, Timeline, TimelineBucket)

__version__ = version("searchkit")

__all__ = ["Archive", "Article", "ArchiveError", "ArchiveLockedError", "Capabilities", "FacetValue", "Hit",
           "IndexSummary", "Problem", "QueryError", "Related", "RelatedEntity", "SearchResult", "SearchkitError",
           "Span", "Stats", "Timeline", "TimelineBucket", "__version__"]
