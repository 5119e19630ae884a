"""Saved searches in the browser and in the JSON API, over `Archive.save_search`, `unsave` and
`watch` (the CLI's `save`, `saved`, `unsave` and `watch`).

Pages: the search page's "Save this search" form posts to `/saved` (then back to `/saved`: a
reload cannot save twice); `/saved` lists each search with its options, last watch and how many
articles are new since (counted as `watch --peek` does: nothing is marked); `/saved/new?name=`
shows those articles with a button that marks them seen (as `watch` does, up to the time the page
was made: an article indexed since stays new); `/saved/delete` unsaves. A change is accepted from
this site's own pages only (`userpages.same_origin`).

API: GET `/api/saved`, POST `/api/saved` (JSON), DELETE `/api/saved/{name}`, GET
`/api/saved/{name}/new` and POST `/api/saved/{name}/seen`. A write is refused when the browser
says it comes from another site, and POST needs a JSON body (which another site's page cannot
send without the browser asking first). On a Xapian cluster every one of them answers 503 with the
library's message (there is no index folder to keep saved searches in)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import output
from ..facade.archive import Archive
from ..errors import QueryError, SearchkitError
from ..facade.userdata import SavedSearch, check_name, parse_since, timestamp
from . import markup, params
from .pages import message_page, templates
from .userpages import content_type, read_body, read_form, same_origin

# New articles listed on the what's-new page (all are counted, and all are marked seen).
MAX_NEW_SHOWN = 100
# The order a saved search lists its new articles in when the search page had none.
DEFAULT_SORT = "newest"


def option_items(options: dict[str, Any]) -> list[tuple[str, str]]:
    """A saved search's options as the search page's parameters (`from`, `to`, `filter`, `sort`)."""
    items = [(name, options[key]) for name, key in (("from", "date_from"), ("to", "date_to"))
             if options.get(key)]
    items += [("filter", f"{k}={v}") for k, values in options.get("filters", {}).items() for v in values]
    if options.get("sort"):
        items.append(("sort", options["sort"]))
    return items


def search_url(query: str, options: dict[str, Any]) -> str:
    """The search page for a saved search's query and options."""
    return "/?" + urlencode([("q", query), *option_items(options)])


def _listing(archive: Archive) -> list[dict[str, Any]]:
    """Each saved search with its number of articles new since its last watch (not marked)."""
    return [{**found.search.to_dict(), "new": found.new, "since": timestamp(found.since)}
            for found in archive.watch(limit=0, mark=False)]


def _find(archive: Archive, name: str) -> SavedSearch:
    for saved in archive.saved_searches():
        if saved.name == name:
            return saved
    raise LookupError(f"no saved search named {name!r}")


def _status(exc: Exception) -> int:
    """404 an unknown name, 400 bad input, 503 no user data (a cluster) or a failing store."""
    return 404 if isinstance(exc, LookupError) else 400 if isinstance(exc, QueryError) else 503


def _message(exc: Exception) -> str:
    return str(exc.args[0]) if isinstance(exc, LookupError) else str(exc)


# ------------------------------------------------------------ pages

_DONE = {"saved": "Saved", "unsaved": "Deleted", "seen": "Marked as seen the new articles of"}


def saved_page(request: Request) -> Response:
    archive: Archive = request.app.state.archive
    try:
        searches = [{**s, "url": search_url(s["query"], s["options"]),
                     "options_shown": option_items(s["options"]),
                     "new_url": "/saved/new?" + urlencode({"name": s["name"]})} for s in _listing(archive)]
    except SearchkitError as exc:
        return message_page(request, 503, str(exc))
    done = [(verb, request.query_params[key]) for key, verb in _DONE.items() if key in request.query_params]
    return templates.TemplateResponse(request, "saved.html", {"searches": searches, "done": done})


def _form_search(form: QueryParams) -> dict[str, Any]:
    """The search a save form carries, as the save form's template shows it again."""
    items = [(k, v) for k, v in form.multi_items() if k in ("from", "to", "filter", "sort") and v]
    return {"name": form.get("name", ""), "q": form.get("q", ""), "items": items,
            "url": "/?" + urlencode([("q", form.get("q", "")), *items])}


async def save_post(request: Request) -> Response:
    """The search page's save form (fields `name`, `q`, `from`, `to`, `filter`..., `sort`, and
    `replace=1` to replace a search of the same name)."""
    archive: Archive = request.app.state.archive
    if not same_origin(request):
        return message_page(request, 403, "Refused: a change must come from this site's own pages.")
    try:
        form = await read_form(request)
    except QueryError as exc:
        return message_page(request, 400, str(exc))
    context: dict[str, Any] = {"search": _form_search(form), "error": None, "duplicate": False}
    try:
        name = check_name(form.get("name", ""))
        match = params.matching(form)
        if not match.q:
            raise QueryError("nothing to save: the query is empty")
        replace = form.get("replace") == "1"
        if not replace and any(s.name == name for s in archive.saved_searches()):
            context.update(duplicate=True, error=f"A saved search named {name!r} exists already.")
            return templates.TemplateResponse(request, "save_search.html", context, status_code=409)
        # The sort, dates and query are checked by the library (it runs the search once).
        archive.save_search(name, match.q, **match.kwargs(), sort=form.get("sort") or DEFAULT_SORT,
                            replace=replace)
    except QueryError as exc:
        context["error"] = str(exc)
        return templates.TemplateResponse(request, "save_search.html", context, status_code=400)
    except SearchkitError as exc:
        return message_page(request, 503, str(exc))
    return RedirectResponse("/saved?" + urlencode({"saved": name}), status_code=303)


def new_page(request: Request) -> Response:
    """`/saved/new?name=NAME`: the articles new for a saved search, not marked seen."""
    archive: Archive = request.app.state.archive
    name = request.query_params.get("name", "")
    try:
        saved = _find(archive, name)
        found = archive.watch([name], limit=MAX_NEW_SHOWN, mark=False)[0]
    except (LookupError, SearchkitError) as exc:
        return message_page(request, _status(exc), _message(exc))
    return templates.TemplateResponse(request, "saved_new.html", {
        "saved": saved, "found": found, "since": timestamp(found.since), "until": repr(found.until),
        "url": search_url(saved.query, saved.options), "options_shown": option_items(saved.options),
        "hits": [(hit, markup.snippet_pieces(hit.snippet, hit.highlights)) for hit in found.result.hits]})


async def _change(request: Request, change: Callable[[Archive, QueryParams], str]) -> Response:
    """A form that changes a saved search, then back to `/saved` saying what was done."""
    archive: Archive = request.app.state.archive
    if not same_origin(request):
        return message_page(request, 403, "Refused: a change must come from this site's own pages.")
    try:
        form = await read_form(request)
        _find(archive, form.get("name", ""))
        done = change(archive, form)
    except (LookupError, SearchkitError) as exc:
        return message_page(request, _status(exc), _message(exc))
    return RedirectResponse("/saved?" + urlencode({done: form["name"]}), status_code=303)


def exact_time(when: float) -> str:
    """An ISO 8601 UTC time to the microsecond: marking seen up to it leaves nothing unmarked
    that the view counted (`timestamp` keeps whole seconds)."""
    return datetime.fromtimestamp(when, timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _until(value: Any) -> float | None:
    """The time a what's-new view was made: epoch seconds, or an ISO time as `watch --since`."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return parse_since(value)
        except QueryError:
            pass
    raise QueryError(f"'until' must be a time such as 2026-12-03T08:00:00Z, got {str(value)[:60]!r}")


def _unsave(archive: Archive, form: QueryParams) -> str:
    archive.unsave(form["name"])
    return "unsaved"


def _mark_seen(archive: Archive, form: QueryParams) -> str:
    archive.watch([form["name"]], limit=0, mark=True, until=_until(form.get("until")))
    return "seen"


async def delete_post(request: Request) -> Response:
    return await _change(request, _unsave)


async def seen_post(request: Request) -> Response:
    return await _change(request, _mark_seen)


# ------------------------------------------------------------ JSON API

def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _json(data: Any, status: int = 200) -> Response:
    return Response(output.to_json(data), status_code=status, media_type="application/json")


def _cross_site(request: Request) -> bool:
    """True when the browser says another site sent the request (a client such as curl sends
    neither header and is let through)."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    return ((site is not None and site not in ("same-origin", "none"))
            or (origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}"))


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (an empty body: {}), of bounded size."""
    body = await read_body(request, "request body")
    if not body.strip():
        return {}
    if content_type(request) != "application/json":
        raise QueryError("the request body must be JSON (Content-Type: application/json)")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise QueryError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise QueryError("the request body must be a JSON object")
    return data


def _api(handler: Callable[[Archive, Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A JSON endpoint: 400 bad input, 403 another site, 404 unknown name, 409 name taken, 503 no
    user data (a cluster)."""

    async def endpoint(request: Request) -> Response:
        if request.method != "GET" and _cross_site(request):
            return _error(403, "refused: a change must come from this site or a client that is not a browser")
        try:
            return await handler(request.app.state.archive, request)
        except (LookupError, SearchkitError) as exc:
            return _error(_status(exc), _message(exc))

    endpoint.__name__ = handler.__name__
    return endpoint


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise QueryError(f"{key!r} must be a string")
    return value


async def api_saved(archive: Archive, request: Request) -> Response:
    return _json({"searches": _listing(archive)})


async def api_save(archive: Archive, request: Request) -> Response:
    """`{"name", "query", "from", "to", "filter": ["FIELD=VALUE"], "sort", "replace"}` -> 201
    with the saved search (as `searchkit save --json`)."""
    data = await _json_body(request)
    name = check_name(_text(data, "name", "") or "")
    query = (_text(data, "query", "") or "").strip()
    if not query:
        raise QueryError("'query' is required")
    filters = data.get("filter", [])
    if not isinstance(filters, list) or not all(isinstance(f, str) for f in filters):
        raise QueryError("'filter' must be a list of FIELD=VALUE strings")
    sort = _text(data, "sort", DEFAULT_SORT) or DEFAULT_SORT
    replace = data.get("replace", False)
    if not isinstance(replace, bool):
        raise QueryError("'replace' must be true or false")
    if not replace and any(s.name == name for s in archive.saved_searches()):
        return _error(409, f"a saved search named {name!r} exists already (give \"replace\": true)")
    saved = archive.save_search(name, query, date_from=_text(data, "from"), date_to=_text(data, "to"),
                                filters=params.parse_filters(filters), sort=sort, replace=replace)
    return _json(saved.to_dict(), 201)


async def api_unsave(archive: Archive, request: Request) -> Response:
    name = str(request.path_params["name"])
    _find(archive, name)
    archive.unsave(name)
    return _json({"unsaved": name})


async def api_new(archive: Archive, request: Request) -> Response:
    """What `watch NAME --peek --json` reports for one search, with `until` (pass it to /seen)."""
    name = str(request.path_params["name"])
    _find(archive, name)
    found = archive.watch([name], limit=params.limit(request.query_params), mark=False)[0]
    return _json({**found.to_dict(), "until": exact_time(found.until)})


async def api_seen(archive: Archive, request: Request) -> Response:
    """Marks a search's new articles seen (as `watch` does), up to `until` if given."""
    name = str(request.path_params["name"])
    _find(archive, name)
    until = _until((await _json_body(request)).get("until"))
    found = archive.watch([name], limit=0, mark=True, until=until)[0]
    return _json({"name": name, "last_watched": timestamp(found.until), "marked": found.new})


ROUTES = [
    Route("/saved", saved_page),
    Route("/saved", save_post, methods=["POST"]),
    Route("/saved/new", new_page),
    Route("/saved/delete", delete_post, methods=["POST"]),
    Route("/saved/seen", seen_post, methods=["POST"]),
    Route("/api/saved", _api(api_saved)),
    Route("/api/saved", _api(api_save), methods=["POST"]),
    Route("/api/saved/{name:path}/new", _api(api_new)),
    Route("/api/saved/{name:path}/seen", _api(api_seen), methods=["POST"]),
    Route("/api/saved/{name:path}", _api(api_unsave), methods=["DELETE"]),
]
