"""The Whoosh backend: one index folder, its segment writer and searcher."""
from ... import querylang  # noqa: F401  (first: imports Whoosh without its slow unused imports)
