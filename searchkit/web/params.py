"""Request parameters -> the arguments of an `Archive` call. The names mirror the CLI's options
(`q`, `from`, `to`, `sort`, `page`, `limit`, `facet`, `filter`, `collapse`, `by`, `field`,
`format`, `top`); a bad value raises `QueryError` with a message naming the parameter."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from ..facade.archive import parse_filters as archive_filters
from ..errors import QueryError
from ..model import COUNTS, FACET_FIELDS, PERIODS, SORTS, TAG_FIELDS, USER_FACETS

MAX_LIMIT = 1000
# The sidebar's facets on the search page (exchanges, companies and month are API-only).
PAGE_FACETS = ("people", "orgs", "places", "countries", "topics", "source", "section", "year", "tags")
# Facet and filter fields: the index's and the user's tags.
ALL_FACETS = (*FACET_FIELDS, *USER_FACETS)
EXPORT_FORMATS = ("jsonl", "csv")
MAX_TOP = 1000
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _one(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise QueryError(f"parameter {name!r} given {len(values)} times (once at most)")
    return values[0] if values else None


def _int(params: QueryParams, name: str, default: int, lo: int, hi: int) -> int:
    text = _one(params, name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"parameter {name!r} must be a whole number, got {text[:50]!r}") from None
    if not lo <= value <= hi:
        raise QueryError(f"parameter {name!r} must be between {lo} and {hi}, got {value}")
    return value


def _choice(params: QueryParams, name: str, choices: tuple[str, ...], default: str) -> str:
    value = _one(params, name) or default
    if value not in choices:
        raise QueryError(f"unknown {name} {value[:50]!r} ({name}: {', '.join(choices)})")
    return value


def _bool(params: QueryParams, name: str) -> bool:
    text = (_one(params, name) or "").lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise QueryError(f"parameter {name!r} must be true or false, got {text[:50]!r}")


def parse_filters(items: list[str]) -> dict[str, list[str] | str]:
    """`filter=places=usa` items, as the CLI's `--filter FIELD=VALUE`; an unknown field is refused
    here, before any search."""
    parsed = archive_filters(items, "parameter 'filter'")
    for name in parsed:
        if name not in ALL_FACETS:
            raise QueryError(f"unknown filter field {name[:50]!r} (fields: {', '.join(ALL_FACETS)})")
    return dict(parsed)


class MatchArgs(TypedDict):
    """The keyword arguments every `Archive` reading method takes besides the query."""

    date_from: str | None
    date_to: str | None
    filters: dict[str, list[str] | str]


@dataclass
class Matching:
    """Which articles a request is about: the query, its date range and filters."""

    q: str
    date_from: str | None
    date_to: str | None
    filters: dict[str, list[str] | str] = field(default_factory=dict)

    def kwargs(self) -> MatchArgs:
        return {"date_from": self.date_from, "date_to": self.date_to, "filters": self.filters}


def matching(params: QueryParams, default_q: str = "") -> Matching:
    q = (_one(params, "q") or "").strip() or default_q
    return Matching(q=q, date_from=_one(params, "from") or None, date_to=_one(params, "to") or None,
                    filters=parse_filters(params.getlist("filter")))


@dataclass
class SearchRequest:
    match: Matching
    sort: str
    page: int
    limit: int
    facets: tuple[str, ...]
    collapse: bool
    top: int


def search_request(params: QueryParams, facets_default: tuple[str, ...] = (),
                   limit_default: int = 10) -> SearchRequest:
    facets = tuple(params.getlist("facet")) or facets_default
    for name in facets:
        if name not in ALL_FACETS:
            raise QueryError(f"unknown facet {name[:50]!r} (facets: {', '.join(ALL_FACETS)})")
    return SearchRequest(
        match=matching(params), sort=_choice(params, "sort", SORTS, "relevance"),
        page=_int(params, "page", 1, 1, 1_000_000), limit=_int(params, "limit", limit_default, 0, MAX_LIMIT),
        facets=facets, collapse=_bool(params, "collapse"), top=_int(params, "top", 10, 1, MAX_TOP))


def period(params: QueryParams, default: str = "month") -> str:
    return _choice(params, "by", PERIODS, default)


def tag_field(params: QueryParams) -> str:
    return _choice(params, "field", TAG_FIELDS, "places")


def top(params: QueryParams) -> int:
    return _int(params, "top", 10, 1, MAX_TOP)


def count(params: QueryParams) -> str:
    """`count=stories`: facets, timeline and related count wire-copy clusters (as `--count`)."""
    return _choice(params, "count", COUNTS, "articles")


def limit(params: QueryParams) -> int:
    return _int(params, "limit", 10, 0, MAX_LIMIT)


def export_format(params: QueryParams) -> str:
    return _choice(params, "format", EXPORT_FORMATS, "jsonl")


def url_with(params: QueryParams, path: str = "/", drop: tuple[str, ...] = (),
             add: tuple[tuple[str, str], ...] = (), remove: tuple[tuple[str, str], ...] = (),
             update: Mapping[str, str | None] | None = None, **replace: str | None) -> str:
    """A URL for the same state with some parameters changed: `drop` removes names, `add` appends
    (name, value) pairs, `remove` takes out pairs, and each keyword (or `update` item, for names
    such as `from`) sets (or, None, clears) one name.
    The page goes back to 1 unless it is set."""
    replace = {**(update or {}), **replace}
    keys = set(replace) | set(drop)
    if "page" not in replace:
        keys.add("page")
    items = [(k, v) for k, v in params.multi_items() if k not in keys and (k, v) not in remove and v != ""]
    items.extend(add)
    items.extend((k, v) for k, v in replace.items() if v is not None and v != "")
    return path + ("?" + urlencode(items) if items else "")
