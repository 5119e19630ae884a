"""How an article is laid out in Xapian: term prefixes, value slots, metadata keys, and the shard an
article id goes to."""
from __future__ import annotations

import hashlib

from ...fields import slot

# Value slots: the registry's stable numbers (`searchkit.fields`), never positions.
SLOT_DATE = slot("date")  # sortable_serialise(day number); absent when undated
SLOT_YEAR = slot("year")  # "1987": the year facet
SLOT_MONTH = slot("month")  # "1987-03": the month facet
# Sort keys, ascending: date (oldest first / newest first, undated last either way), then the time
# of day, then id (the Whoosh backend's order, `timeorder`). Remote shards cannot run a KeyMaker
# (not even the built-in MultiValueKeyMaker), so each order is one precomputed value. (A cluster
# indexed before the time was part of them sorts its older articles by day and id.)
SLOT_OLDEST = 4
SLOT_NEWEST = 5
SORT_SLOTS = {"oldest": SLOT_OLDEST, "newest": SLOT_NEWEST}
NO_DAY = 9_999_999  # sorts after every day number (7 digits)
# Tag facets: the k-th value of a field in slot `slot(field) + k` (k < fields.TAG_SLOTS).
DATE_SLOTS = {"year": SLOT_YEAR, "month": SLOT_MONTH}
META_SCHEMA = "searchkit:schema_version"
# The analysis version (`schema.ANALYSIS`) the cluster's text was indexed with; absent in a cluster
# with documents made before analysis 2, which keeps analysis 1 (for its new articles and queries).
META_ANALYSIS = "searchkit:analysis"
META_SLOTS = "searchkit:slots:"  # + field: how many of its slots some document uses

# Xapian refuses terms longer than 245 bytes; longer ones are left out (see the README).
MAX_TERM_BYTES = 245
ID_PREFIX = "Q"
PRESENCE_PREFIX = "Z"  # Z<field>: the document has something in <field> (`field:*`)
FINGERPRINT_PREFIX = "F"  # F<40 hex digits><id>: the content fingerprint, read in bulk


def field_prefix(fieldname: str) -> str:
    return ID_PREFIX if fieldname == "id" else f"X{fieldname}:"


def term_for(fieldname: str, text: str) -> str:
    if fieldname == "id" and len(text.encode()) > MAX_TERM_BYTES - 1:
        return ID_PREFIX + "#" + hashlib.sha1(text.encode()).hexdigest()
    return field_prefix(fieldname) + text


def id_term(article_id: str) -> str:
    return term_for("id", article_id)


def shard_of(article_id: str, shards: int) -> int:
    """Stable across runs, processes and machines (unlike Python's `hash`)."""
    return int(hashlib.sha1(article_id.encode()).hexdigest()[:8], 16) % shards


def day_term(fieldname: str, day: int) -> str:
    # Zero-padded so that the terms of a field sort in day order (ranges scan them in order).
    return f"{field_prefix(fieldname)}{day:07d}"


def tag_slot(fieldname: str, k: int) -> int:
    return slot(fieldname) + k
