"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json. Parameter names are
the CLI's option names; the response shapes are the CLI's `--json` output."""
from __future__ import annotations

from typing import Any

from ..facade.batch import size_text
from ..model import COUNTS, FACET_FIELDS, PERIODS, SORTS, TAG_FIELDS, USER_FACETS
from .batch_page import MAX_ROWS as BATCH_ROWS
from .batch_page import MAX_UPLOAD_BYTES as BATCH_BYTES
from .params import EXPORT_FORMATS, MAX_LIMIT, MAX_TOP


def _param(name: str, description: str, schema: dict[str, Any], where: str = "query",
           repeat: bool = False) -> dict[str, Any]:
    if repeat:
        schema = {"type": "array", "items": schema}
    out: dict[str, Any] = {"name": name, "in": where, "description": description, "schema": schema}
    if where == "path":
        out["required"] = True
    if repeat:
        out["style"], out["explode"] = "form", True
    return out


_Q = _param("q", "Query in searchkit's query language (`*`: every article).", {"type": "string"})
_FROM = _param("from", "Published on or after (1987, 1987-03, March 1987, 1987-03-01).", {"type": "string"})
_TO = _param("to", "Published on or before (a month or year: its end).", {"type": "string"})
_FILTER = _param("filter", "FIELD=VALUE; one field's values are OR-ed, fields AND-ed.",
                 {"type": "string", "example": "places=usa"}, repeat=True)
_MATCH = [_Q, _FROM, _TO, _FILTER]
_ID = _param("article_id", "Article id.", {"type": "string"}, where="path")
_LIMIT = _param("limit", f"Hits per page (0-{MAX_LIMIT}).", {"type": "integer", "minimum": 0,
                                                             "maximum": MAX_LIMIT, "default": 10})
_TOP = _param("top", f"Values per facet or list (1-{MAX_TOP}).", {"type": "integer", "minimum": 1,
                                                                  "maximum": MAX_TOP, "default": 10})
_COUNT = _param("count", "Count articles, or stories (wire-copy clusters).",
                {"type": "string", "enum": list(COUNTS), "default": "articles"})
_ERRORS = {"400": {"description": "A bad parameter: `{\"error\": message}`."},
           "404": {"description": "No such article: `{\"error\": message}`."}}


def _get(summary: str, parameters: list[dict[str, Any]], shape: str,
         media: str = "application/json") -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": parameters,
                    "responses": {"200": {"description": shape, "content": {media: {}}}, **_ERRORS}}}


_NAME = _param("name", "Saved search name (URL-encoded).", {"type": "string"}, where="path")
_UNAVAILABLE = {"503": "No saved searches on a Xapian cluster (no index folder to keep them in): "
                       "`{\"error\": message}`."}
_REFUSED = {"403": "The browser says another site sent it: `{\"error\": message}`."}


def _json_body(shape: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"type": "object"},
                                                               "example": shape}}}


def _call(summary: str, responses: dict[str, str], parameters: list[dict[str, Any]] | None = None,
          body: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": summary, "parameters": parameters or [], "responses": {
        code: {"description": text} for code, text in {**responses, **_UNAVAILABLE}.items()}}
    if body is not None:
        out["requestBody"] = body
    return out


_SAVED_PATHS: dict[str, Any] = {
    "/api/saved": {
        "get": _call("Saved searches (as `searchkit saved --json`), each with its number of articles "
                     "indexed since it was last watched (not marking them seen).",
                     {"200": "{searches: [{name, query, options, last_watched, new, since}]}"}),
        "post": _call("Save a search (as `searchkit save --json`).", {
            "201": "The saved search: {name, query, options, last_watched}.",
            "400": "A bad name, query, date, filter or sort: `{\"error\": message}`.",
            "409": "The name is taken (send \"replace\": true): `{\"error\": message}`.", **_REFUSED},
            body=_json_body({"name": "coffee-frost", "query": "coffee frost", "from": "1987-01", "to": None,
                             "filter": ["places=brazil"], "sort": "newest", "replace": False})),
    },
    "/api/saved/{name}": {"delete": _call("Forget a saved search (as `searchkit unsave`).", {
        "200": "{unsaved: name}", "404": "No saved search of that name.", **_REFUSED}, [_NAME])},
    "/api/saved/{name}/new": {"get": _call(
        "The articles indexed since the search was last watched, not marking them seen (as "
        "`searchkit watch NAME --peek --json`, one search).", {
            "200": "{name, query, since, until, new, hits}: hits as in /api/search; pass `until` to /seen.",
            "404": "No saved search of that name."}, [_NAME, _LIMIT])},
    "/api/saved/{name}/seen": {"post": _call(
        "Mark the search's new articles seen (as `searchkit watch NAME`), up to `until` (the time "
        "/new gave; default now): an article indexed later stays new.", {
            "200": "{name, last_watched, marked}", "404": "No saved search of that name.", **_REFUSED},
        [_NAME], body={"required": False, "content": {"application/json": {
            "schema": {"type": "object"}, "example": {"until": "2026-12-03T08:00:00Z"}}}})},
    "/api/batch": {"post": {
        "summary": "Batch search of a watchlist (as `searchkit batch --json`), sent as "
                   "multipart/form-data: `file` (one query a line, or a .csv with a `query` column), "
                   "or `text` with `kind` (`lines` or `csv`); `from`, `to`, `filter` (FIELD=VALUE, "
                   "one a line), `top`, and `output` (`json` or `csv`). Up to "
                   f"{BATCH_ROWS:,} queries, {size_text(BATCH_BYTES)}.",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "{rows: [{line, name, query, total, stories, first, last, "
                                             "people, orgs, places, months: [{period, count}], error}]}"},
                      "400": {"description": "A binary, empty, non-UTF-8 or too large file, or a bad "
                                             "option: `{\"error\": message}`."}}}},
}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "searchkit", "version": "1",
             "description": "Search over a news archive (the index is never written; /api/saved changes the "
                            "user's saved searches). Shapes are those of the CLI's --json."},
    "paths": {
        "/api/search": _get("Search (as `searchkit search --json`).", [
            *_MATCH,
            _param("sort", "Order.", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
            _param("page", "Page number.", {"type": "integer", "minimum": 1, "default": 1}), _LIMIT,
            _param("facet", "Count the top values of a field over all matches.",
                   {"type": "string", "enum": [*FACET_FIELDS, *USER_FACETS]}, repeat=True), _TOP,
            _param("collapse", "One article per wire-copy cluster.", {"type": "boolean", "default": False}),
            _COUNT,
        ], "{query, total, page, hits: [{id, headline, published, source, section, people, orgs, "
           "places, topics, score, snippet, highlights, tags, notes}], facets: {field: [{value, count}]}, "
           "suggestion, any_words: {query, total} or null}"),
        "/api/articles/{article_id}": _get("One whole article (as `searchkit show --json`).", [_ID],
                                           "Every field of the article, first_report {id, source, "
                                           "published}: its wire-copy cluster's earliest article, and "
                                           "the user's tags and notes."),
        "/api/timeline": _get("Matches per period (as `searchkit timeline --json`).", [
            *_MATCH, _param("by", "Period.", {"type": "string", "enum": list(PERIODS), "default": "month"}),
            _COUNT,
        ], "{query, by, buckets: [{period, count, total, share}]}"),
        "/api/related": _get("Over-represented values (as `searchkit related --json`).", [
            *_MATCH, _param("field", "Tag field.", {"type": "string", "enum": list(TAG_FIELDS),
                                                    "default": "places"}), _TOP, _COUNT,
        ], "{query, field, entities: [{value, count, background, score}]}"),
        "/api/similar/{article_id}": _get("Articles like one article (as `searchkit similar --json`).",
                                          [_ID, _FROM, _TO, _FILTER, _LIMIT], "The shape of /api/search."),
        **_SAVED_PATHS,
        "/api/stats": _get("Archive statistics (as `searchkit stats --json`).", [_TOP],
                           "{documents, date_range, size_bytes, facets}"),
        "/api/export": _get("Every match, streamed, oldest first (as `searchkit export`).", [
            *_MATCH, _param("format", "Output format.", {"type": "string", "enum": list(EXPORT_FORMATS),
                                                         "default": "jsonl"}),
        ], "JSON Lines (one article per line) or CSV with a header; X-Total-Count gives the count.",
            media="application/x-ndjson"),
        "/api/entities": _get("People, organisations or places with counts (as `searchkit entities --json`).", [
            _param("type", "Entity field.", {"type": "string", "enum": ["people", "orgs", "places"],
                                             "default": "people"}),
            *_MATCH, _param("prefix", "Only entities whose label or a spelling starts with this.",
                            {"type": "string"}),
            _param("page", "Page (1-).", {"type": "integer", "minimum": 1, "default": 1}),
            _param("limit", f"Entities per page (1-{MAX_LIMIT}).", {"type": "integer", "minimum": 1,
                                                                   "maximum": MAX_LIMIT, "default": 100}),
        ], "{type, total, page, pages, entities: [{value, label, count, aliases}]}"),
    },
}
