"""The user's data in the browser: the forms that add and remove an article's tags and edit its
note (POST, then back to the article page; saved searches are in `saved_pages`). A POST is
accepted from this site's own pages only (its `Origin` or `Sec-Fetch-Site` header says so):
another site cannot make a reader's browser change their tags."""
from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..facade.archive import Archive
from ..errors import QueryError, SearchkitError
from .pages import message_page

# Form bodies above this are refused before they are parsed (a note is at most 20,000 characters).
MAX_FORM_BYTES = 256 * 1024
# A body over its limit is read (and dropped) up to this size before the refusal is sent.
DRAIN_BYTES = 64 * 1024 * 1024


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


async def read_form(request: Request) -> QueryParams:
    """An HTML form's fields, read up to MAX_FORM_BYTES (parsed here: these forms are URL-encoded;
    Starlette's parser reads any size)."""
    if content_type(request) != "application/x-www-form-urlencoded":
        raise QueryError("a form must be sent as application/x-www-form-urlencoded")
    return QueryParams((await read_body(request, "form")).decode("utf-8", "replace"))


def content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, what: str, limit: int = MAX_FORM_BYTES) -> bytes:
    """The request's body, or QueryError when it is longer than `limit` bytes. A longer body is
    still read to its end (up to DRAIN_BYTES), unkept: a browser shows the answer only once it
    has sent its upload."""
    body = bytearray()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            body += chunk
        elif size > DRAIN_BYTES:
            break
    if size > limit:
        raise QueryError(f"{what} too large (the limit is {limit:,} bytes)")
    return bytes(body)


async def article_post(request: Request) -> Response:
    """`/articles/{id}/tags` (fields `add`, `remove`) and `/articles/{id}/note` (field `note`)."""
    archive: Archive = request.app.state.archive
    article_id, what = str(request.path_params["article_id"]), request.path_params["what"]
    if what not in ("tags", "note"):
        return message_page(request, 404, "No such page.")
    if not same_origin(request):
        return message_page(request, 403, "Refused: a change must come from this site's own pages.")
    try:
        form = await read_form(request)
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
