"""Undated matches left out by a search's date limits: `--from 2004` cannot keep an article without
a date, so the search says how many matches it left out for that reason (issue 19 item 5). Each
backend counts the matches of the same search without its date limits that have no date."""
from __future__ import annotations

import dataclasses

from ..model import SearchOptions

# Filters on the publication date (`--filter year=1987`): they leave out undated articles too.
DATE_FILTERS = ("year", "month")


def without_date_limits(options: SearchOptions) -> SearchOptions | None:
    """The same search without its date limits (`date_from`, `date_to`, year and month filters),
    or None when it has none. The query's own `date:` terms are the user's words, and stay."""
    kept = {name: values for name, values in options.filters.items() if name not in DATE_FILTERS}
    if options.date_from is None and options.date_to is None and len(kept) == len(options.filters):
        return None
    return dataclasses.replace(options, date_from=None, date_to=None, filters=kept)
