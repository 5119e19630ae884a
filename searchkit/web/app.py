"""The Starlette application: JSON API routes, server-rendered pages, security headers and error
handling. Every route calls `Archive` and renders its records with `model`'s `to_dict` (the same
JSON as the CLI's `--json`) or the templates."""
from __future__ import annotations

import asyncio
import inspect
import io
import logging
import os
import queue
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import output
from ..facade.archive import Archive
from ..errors import ArchiveError, QueryError, SearchkitError
from . import batch_page, entities_page, pages, params, saved_pages, userpages
from .openapi import OPENAPI

log = logging.getLogger("searchkit.web")
HERE = Path(__file__).parent
# No inline script or style anywhere: an article's text can never run (see README, Security).
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Bytes of export output gathered before they are sent.
EXPORT_CHUNK = 64 * 1024
# Threads of one server process that read the archive (each keeps a searcher of its own). One:
# more threads in one process contend for the GIL and serve fewer requests per second, not more
# (RESULTS.md, Serving); `--workers` runs processes side by side instead. A fixed pool also keeps
# its searchers warm: Starlette's default pool (anyio's) replaces a thread idle for 10 s, and each
# new thread opened a new searcher.
SEARCH_THREADS = 1


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every response (pure ASGI: streamed exports stay streamed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def on_search_threads(route: BaseRoute) -> BaseRoute:
    """`route` with its endpoint, if a plain function (it reads the archive), run on the app's
    search threads instead of Starlette's default thread pool."""
    if not isinstance(route, Route) or inspect.iscoroutinefunction(route.endpoint):
        return route
    endpoint = route.endpoint

    async def run(request: Request) -> Any:
        pool: ThreadPoolExecutor = request.app.state.search_threads
        return await asyncio.get_running_loop().run_in_executor(pool, endpoint, request)

    run.__name__ = endpoint.__name__
    return Route(route.path, run, methods=list(route.methods or ()), name=route.name)


def error_json(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def api(handler: Callable[[Archive, Request], Any]) -> Callable[[Request], Response]:
    """A JSON endpoint: the handler's dict, or a 400/404/503 JSON error naming the problem."""

    def endpoint(request: Request) -> Response:
        try:
            result = handler(request.app.state.archive, request)
        except QueryError as exc:
            return error_json(400, str(exc))
        except LookupError as exc:
            return error_json(404, str(exc.args[0]))
        except SearchkitError as exc:
            return error_json(503, str(exc))
        if isinstance(result, Response):
            return result
        return Response(output.to_json(result), media_type="application/json")

    endpoint.__name__ = handler.__name__
    return endpoint


def _article_id(request: Request) -> str:
    return str(request.path_params["article_id"])


def api_search(archive: Archive, request: Request) -> dict[str, Any]:
    r = params.search_request(request.query_params)
    return archive.search(r.match.q, **r.match.kwargs(), facets=r.facets, sort=r.sort, limit=r.limit,
                          page=r.page, facet_top=r.top, collapse=r.collapse,
                          count=params.count(request.query_params)).to_dict()


def api_article(archive: Archive, request: Request) -> dict[str, Any]:
    article = archive.get(_article_id(request))
    if article is None:
        raise LookupError(f"no article with id {_article_id(request)!r}")
    return output.article_json(article, archive.first_report(article.id),
                               archive.entity_table().article_entities(article)) | archive.annotations(article.id)


def api_timeline(archive: Archive, request: Request) -> dict[str, Any]:
    m = params.matching(request.query_params)
    return archive.timeline(m.q, by=params.period(request.query_params), **m.kwargs(),
                            count=params.count(request.query_params)).to_dict()


def api_related(archive: Archive, request: Request) -> dict[str, Any]:
    m, query = params.matching(request.query_params), request.query_params
    return archive.related(m.q, field=params.tag_field(query), top=params.top(query), **m.kwargs(),
                           count=params.count(query)).to_dict()


def api_similar(archive: Archive, request: Request) -> dict[str, Any]:
    m = params.matching(request.query_params)
    result = archive.similar(_article_id(request), limit=params.limit(request.query_params),
                             **m.kwargs())
    if result is None:
        raise LookupError(f"no article with id {_article_id(request)!r}")
    return result.to_dict()


def api_stats(archive: Archive, request: Request) -> dict[str, Any]:
    return archive.stats(params.top(request.query_params)).to_dict()


def api_export(archive: Archive, request: Request) -> Response:
    m = params.matching(request.query_params)
    fmt = params.export_format(request.query_params)
    # Checks the query before the response starts (a bad one is a 400, not a broken download).
    total = archive.search(m.q, **m.kwargs(), limit=0).total
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    return StreamingResponse(_export_chunks(archive.path, m, fmt), media_type=media, headers={
        "content-disposition": f'attachment; filename="searchkit-export.{fmt}"',
        "x-total-count": str(total)})


async def _export_chunks(path: Path | str, match: params.Matching, fmt: str) -> AsyncIterator[str]:
    """The export, written by a thread of its own on an `Archive` of its own (a search snapshot
    belongs to the thread that opened it) and handed over in chunks; a client that goes away
    stops the thread."""
    chunks: queue.Queue[str | None | BaseException] = queue.Queue(maxsize=8)
    stop = threading.Event()
    thread = threading.Thread(target=_write_export, args=(path, match, fmt, chunks, stop), daemon=True)
    thread.start()
    try:
        while True:
            item = await anyio.to_thread.run_sync(chunks.get)
            if item is None:
                return
            if isinstance(item, BaseException):
                log.warning("export stopped: %s", item)
                return
            yield item
    finally:
        stop.set()


def _write_export(path: Path | str, match: params.Matching, fmt: str,
                  chunks: queue.Queue[str | None | BaseException], stop: threading.Event) -> None:
    def put(item: str | None | BaseException) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    try:
        with Archive(path, create=False) as archive:
            buffer = io.StringIO()
            write = output.export_writer(fmt, buffer, annotate=archive.annotations)
            for article in archive.export(match.q, **match.kwargs()):
                write(article)
                if buffer.tell() >= EXPORT_CHUNK:
                    if not put(buffer.getvalue()):
                        return
                    buffer.seek(0)
                    buffer.truncate()
            put(buffer.getvalue())
    except Exception as exc:  # reported to the client's stream; never a traceback
        put(exc)
    finally:
        put(None)


def openapi(request: Request) -> Response:
    return JSONResponse(OPENAPI)


async def not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return error_json(404, f"no such endpoint: {request.url.path[:200]}")
    return pages.message_page(request, 404, "No such page.")


async def internal_error(request: Request, exc: Exception) -> Response:
    """A bug: one line in the log, a short message to the client, never a traceback."""
    log.error("internal error on %s: %s: %s", request.url.path[:200], type(exc).__name__, exc)
    if request.url.path.startswith("/api/"):
        return error_json(500, "internal error (logged on the server)")
    return pages.message_page(request, 500, "Internal error (logged on the server).")


def create_app(index: str | os.PathLike[str] | Archive) -> Starlette:
    """The web application over the archive at `index` (opened read-only: `create=False`; a
    missing index raises `ArchiveError` here, before anything is served)."""
    archive = index if isinstance(index, Archive) else Archive(index, create=False)
    routes = [
        Route("/", pages.search_page),
        Route("/articles/{article_id:path}", pages.article_page),
        Route("/articles/{article_id:path}/{what:str}", userpages.article_post, methods=["POST"]),
        *saved_pages.ROUTES,
        *batch_page.ROUTES,
        Route("/api/search", api(api_search)),
        Route("/api/articles/{article_id:path}", api(api_article)),
        Route("/api/timeline", api(api_timeline)),
        Route("/api/related", api(api_related)),
        Route("/api/similar/{article_id:path}", api(api_similar)),
        Route("/api/stats", api(api_stats)),
        Route("/api/export", api(api_export)),
        Route("/api/openapi.json", openapi),
        Route("/entities", entities_page.entities_page),
        Route("/api/entities", api(entities_page.api_entities)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=[on_search_threads(route) for route in routes],
                    exception_handlers={404: not_found, Exception: internal_error})
    # Idle until the first request; its threads end with the process.
    app.state.search_threads = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="searchkit-search")
    app.state.archive = archive
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> Starlette:
    """The factory uvicorn's worker processes call (`searchkit serve --workers N`): the index is
    in $SEARCHKIT_SERVE_INDEX, and the process ends with its parent."""
    from .server import die_with_parent  # noqa: PLC0415

    die_with_parent()
    try:
        return create_app(os.environ["SEARCHKIT_SERVE_INDEX"])
    except ArchiveError as exc:
        raise SystemExit(f"Error: {exc}") from None
