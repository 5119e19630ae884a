"""A reporter's workflow over days, on top of searching: tags and notes on articles, saved searches
and what is new for each (`watch`). The data lives in `userdata` (beside the index); the logic that
needs the engine is here, and `Archive` exposes it (`Archive.tag`, `Archive.watch`, ...)."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..errors import ArchiveError
from ..model import FacetValue, SearchOptions, SearchResult
from .userdata import (TAG_FIELD_NAMES, NoUserData, SavedSearch, UserData, check_tag, parse_since,
                       tags_in_query, timestamp)

if TYPE_CHECKING:
    from .core import ArchiveCore

# `tag --query` tags at most this many articles unless confirmed (`confirm=True`, the CLI's --yes).
BULK_CONFIRM = 100
# The options a saved search keeps, as `Archive.search` takes them.
SAVED_OPTIONS = ("date_from", "date_to", "filters", "sort")


def tagged_ids(store: UserData | NoUserData, query: str,
               filters: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """The article ids of each user tag a query (`tag:lead`) or a `tags` filter names (none named:
    the store is not opened, so an archive without user data searches as before)."""
    named = tags_in_query(query) if ":" in query else []
    for name in TAG_FIELD_NAMES:
        named += filters.get(name, [])
    return {tag.casefold(): store.ids_tagged(tag.casefold()) for tag in named}


def tag_facet(search: Callable[[SearchOptions], SearchResult], store: UserData | NoUserData,
              options: SearchOptions, top: int) -> list[FacetValue]:
    """Each tag's number of articles among the matches (most first; top 0: all). Counted under
    the other filters only, as the engine counts a filtered facet (multi-select)."""
    every = {tag: store.ids_tagged(tag) for tag, _ in store.tag_counts()}
    union = frozenset().union(*every.values())
    if options.only_ids is not None:
        union &= options.only_ids
    if not union:
        return []
    among = replace(options, filters={k: v for k, v in options.filters.items() if k not in TAG_FIELD_NAMES},
                    facets=(), limit=len(union), page=1, snippets=False, collapse=False, sort="oldest",
                    only_ids=union)
    matched = {hit.id for hit in search(among).hits}
    counts = sorted(((len(ids & matched), tag) for tag, ids in every.items()), key=lambda c: (-c[0], c[1]))
    values = [FacetValue(tag, n) for n, tag in counts if n]
    return values[:top] if top else values


def check_tags(tags: Iterable[str]) -> list[str]:
    return [check_tag(t) for t in tags]


def existing_ids(archive: ArchiveCore, ids: Iterable[str]) -> list[str]:
    """`ids` in order without repeats, or ArchiveError naming the first that is not indexed."""
    unique = list(dict.fromkeys(ids))
    for article_id in unique:
        if archive.get(article_id) is None:
            raise ArchiveError(f"no article with id {article_id!r}; nothing was changed")
    return unique


@dataclass
class WatchResult:
    """One saved search's matches first indexed in (since, until]."""

    search: SavedSearch
    since: float
    until: float
    result: SearchResult

    @property
    def new(self) -> int:
        return self.result.total

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.search.name, "query": self.search.query, "since": timestamp(self.since),
                "new": self.new, "hits": [h.to_dict() for h in self.result.hits]}


def saved_options(search: SavedSearch) -> dict[str, Any]:
    return {k: v for k, v in search.options.items() if k in SAVED_OPTIONS}


def watch(archive: ArchiveCore, store: UserData | NoUserData, names: Iterable[str] | None, since: Any,
          limit: int, mark: bool, until: float | None = None) -> list[WatchResult]:
    """For each saved search (all, or those named): its matches first indexed after `since` (else
    after it was last watched, else after it was saved) and up to `until` (epoch seconds; now if
    None or later); `mark` records `until` as its last watch."""
    searches = store.saved_searches(None if names is None else list(names))
    given = None if since is None else parse_since(since)
    now = time.time()
    until = now if until is None else min(until, now)
    results = []
    for search in searches:
        after = given if given is not None else (search.last_watched or search.created)
        new_ids = store.first_seen_between(after, until)
        options = saved_options(search)
        result = archive.search(search.query, ids=new_ids, limit=limit, snippets=True, **options)
        results.append(WatchResult(search, after, until, result))
    if mark:
        for search in searches:
            if until > (search.last_watched or 0):  # a watch never moves back (`until` in the past)
                store.mark_watched(search.name, until)
    return results
