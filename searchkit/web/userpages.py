"""The user's data in the browser: the forms that add and remove an article's tags and edit its
note (POST, then back to the article page), the saved-searches page with each search's new
articles, and `/api/saved`. A POST is accepted from this site's own pages only (its `Origin` or
`Sec-Fetch-Site` header says so): another site cannot make a reader's browser change their tags."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..archive import Archive
from ..errors import QueryError, SearchkitError
from ..userdata import SavedSearch, timestamp
from .pages import message_page, templates

# Form bodies above this are refused before they are parsed (a note is at most 20,000 characters).
MAX_FORM_BYTES = 256 * 1024


def same_origin(request: Request) -> bool:
    """True when the browser says the request comes from this site: `Sec-Fetch-Site: same-origin`,
    else an `Origin` equal to this server's. A request with neither is refused."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is not None and origin == f"{request.url.scheme}://{request.url.netloc}"


def article_url(article_id: str) -> str:
    return "/articles/" + quote(article_id, safe="")


async def _form(request: Request) -> dict[str, str]:
    """An HTML form's fields (first value of each), read up to MAX_FORM_BYTES (parsed here: the
    pages' forms are URL-encoded, and Starlette's own parser needs another dependency)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise QueryError("a form must be sent as application/x-www-form-urlencoded")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise QueryError(f"form too large (the limit is {MAX_FORM_BYTES:,} bytes)")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


async def article_post(request: Request) -> Response:
    """`/articles/{id}/tags` (fields `add`, `remove`) and `/articles/{id}/note` (field `note`)."""
    archive: Archive = request.app.state.archive
    article_id, what = str(request.path_params["article_id"]), request.path_params["what"]
    if what not in ("tags", "note"):
        return message_page(request, 404, "No such page.")
    if not same_origin(request):
        return message_page(request, 403, "Refused: a change must come from this site's own pages.")
    try:
        form = await _form(request)
        if what == "note":
            archive.note(article_id, form.get("note", ""))
        else:
            archive.tag([article_id], add=[t for t in form.get("add", "").split() if t],
                        remove=[form["remove"]] if form.get("remove") else [])
    except QueryError as exc:
        return message_page(request, 400, str(exc))
    except SearchkitError as exc:
        status = 404 if archive.get(article_id) is None else 503
        return message_page(request, status, str(exc))
    return RedirectResponse(article_url(article_id), status_code=303)


def search_url(saved: SavedSearch) -> str:
    """The search page for a saved search's query and options."""
    options = saved.options
    items = [("q", saved.query)]
    items += [(name, options[key]) for name, key in (("from", "date_from"), ("to", "date_to"))
              if options.get(key)]
    items += [("filter", f"{k}={v}") for k, values in options.get("filters", {}).items() for v in values]
    if options.get("sort"):
        items.append(("sort", options["sort"]))
    return "/?" + urlencode(items)


def _saved_with_new(archive: Archive) -> list[dict[str, Any]]:
    """Each saved search with its number of articles new since its last watch (not marked)."""
    return [{**found.search.to_dict(), "new": found.new, "since": timestamp(found.since),
             "url": search_url(found.search)}
            for found in archive.watch(limit=0, mark=False)]


def saved_page(request: Request) -> Response:
    archive: Archive = request.app.state.archive
    try:
        searches = _saved_with_new(archive)
    except SearchkitError as exc:
        return message_page(request, 503, str(exc))
    return templates.TemplateResponse(request, "saved.html", {"searches": searches})


def api_saved(archive: Archive, request: Request) -> dict[str, Any]:
    return {"searches": [{k: v for k, v in s.items() if k != "url"} for s in _saved_with_new(archive)]}
