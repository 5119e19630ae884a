"""The query language both backends share: the parser with its date and filter forms (`query`),
built on Whoosh's parser and the fields and analysis of `searchkit.schema` (which stays at that path:
every index pickles its schema's classes by their module's name); a search planned once for every
backend (`plan`); snippets (`snippets`)."""
from . import whoosh_import  # noqa: F401  (first: imports Whoosh without its slow unused imports)
