"""The query language both backends share: the schema's fields and analysis (`schema`) and the
parser with its date and filter forms (`query`), built on Whoosh's parser and analyzers."""
from . import whoosh_import  # noqa: F401  (first: imports Whoosh without its slow unused imports)
