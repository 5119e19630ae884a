"""The Xapian backend: the same archive on remote shards served by `xapian-tcpsrv`."""
from ... import querylang  # noqa: F401  (first: imports Whoosh without its slow unused imports)
