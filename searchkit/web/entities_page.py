"""The entities page (`/entities`) and its API (`/api/entities`): an archive's people, organisations
or places with their article counts (`Archive.entities`), each linking to the search filtered on it."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..facade.archive import Archive
from ..enrich.canonical import CANONICAL_FIELDS
from ..errors import QueryError, SearchkitError
from . import params
from .pages import templates

PER_PAGE = 100


def _listing(archive: Archive, request: Request) -> dict[str, Any]:
    """The entities the request asks for, one page of them, as the CLI's JSON."""
    query = request.query_params
    field = params._choice(query, "type", CANONICAL_FIELDS, "people")
    match = params.matching(query, default_q="*")
    per_page = params._int(query, "limit", PER_PAGE, 1, params.MAX_LIMIT)
    page = params._int(query, "page", 1, 1, 1_000_000)
    found = archive.entities(field, query=match.q, prefix=(params._one(query, "prefix") or "").strip(),
                             **match.kwargs())
    pages = max(1, -(-len(found) // per_page))
    if page > pages:
        raise QueryError(f"page {page} is past the last page ({pages}) of {len(found)} {field}")
    shown = found[(page - 1) * per_page:page * per_page]
    return {"type": field, "total": len(found), "page": page, "pages": pages,
            "entities": [e.to_dict() for e in shown]}


def api_entities(archive: Archive, request: Request) -> dict[str, Any]:
    return _listing(archive, request)


def entities_page(request: Request) -> Response:
    query = request.query_params
    context: dict[str, Any] = {"fields": CANONICAL_FIELDS, "query": query, "error": None,
                               "listing": None, "q": query.get("q", ""),
                               "prefix": query.get("prefix", ""), "type": query.get("type", "people")}
    status = 200
    try:
        context["listing"] = _listing(request.app.state.archive, request)
    except QueryError as exc:
        context["error"], status = str(exc), 400
    except SearchkitError as exc:
        context["error"], status = str(exc), 503
    return templates.TemplateResponse(request, "entities.html", context, status_code=status)
