"""Search backends: `whoosh` (an index folder) and `xapian` (a `xapian://` cluster)."""
