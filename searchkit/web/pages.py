"""Server-rendered pages: the search page (`/`) and the article page (`/articles/{id}`). All state
is in the URL; a bad parameter shows its message inline (HTTP 400), never a traceback."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from ..facade.archive import Archive
from ..errors import QueryError, SearchkitError
from ..model import EXTRACTED_FIELDS, TAG_FIELDS, SearchResult, Timeline
from ..output import sanitize
from . import histogram, markup, params

# Autoescape everywhere: every value a template prints is escaped unless marked safe (none is).
templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True))
# Headlines and tag values longer than this are cut on the page (the whole text is in the JSON).
MAX_SHOWN = 300
# Timeline: by month unless the matches span more months than this, then by year.
MAX_MONTH_BARS = 120


def clip(text: str | None, size: int = MAX_SHOWN) -> str:
    """Untrusted text for a page: sanitised (no control or bidi characters) and cut to `size`."""
    text = sanitize(text or "")
    return text if len(text) <= size else text[:size] + "…"


templates.env.filters["clip"] = clip
templates.env.globals["url_with"] = params.url_with


def message_page(request: Request, status: int, message: str) -> Response:
    return templates.TemplateResponse(request, "message.html", {"message": message}, status_code=status)


def _timeline(archive: Archive, request: Request, match: params.Matching, count: str) -> Timeline:
    by = params.period(request.query_params, default="month") if "by" in request.query_params else None
    if by is None:
        timeline = archive.timeline(match.q, by="month", **match.kwargs(), count=count)
        if len(timeline.buckets) > MAX_MONTH_BARS:
            timeline = archive.timeline(match.q, by="year", **match.kwargs(), count=count)
        return timeline
    if by == "week":
        raise QueryError("the page's timeline counts by year, month or day (week: use /api/timeline)")
    return archive.timeline(match.q, by=by, **match.kwargs(), count=count)


def search_page(request: Request) -> Response:
    archive: Archive = request.app.state.archive
    query = request.query_params
    context: dict[str, Any] = {"q": query.get("q", ""), "error": None, "result": None,
                               "facet_fields": params.PAGE_FACETS, "selected": set(query.getlist("filter")),
                               "query": query, "sort": query.get("sort", "relevance"),
                               "date_from": query.get("from", ""), "date_to": query.get("to", ""),
                               "collapse": query.get("collapse", "") not in ("", "0", "false"),
                               "share": query.get("share", "") not in ("", "0", "false"),
                               "count_stories": query.get("count") == "stories"}
    status = 200
    try:
        r = params.search_request(query, facets_default=params.PAGE_FACETS)
        count = params.count(query)
        if r.match.q:
            result: SearchResult = archive.search(
                r.match.q, **r.match.kwargs(), facets=r.facets, sort=r.sort, limit=r.limit, page=r.page,
                collapse=r.collapse, count=count)
            more = query.get("more")
            if more:
                if more not in r.facets:
                    raise QueryError(f"unknown facet {more[:50]!r} for 'more'")
                result.facets[more] = archive.search(
                    r.match.q, **r.match.kwargs(), facets=[more], limit=0, facet_top=params.MAX_TOP,
                    count=count).facets[more]
            rel_field = params.tag_field(query) if "field" in query else "people"
            bars = histogram.bars(query, _timeline(archive, request, r.match, count), context["share"])
            context.update(
                result=result, first=(r.page - 1) * r.limit + 1, request_=r,
                hits=[(hit, markup.snippet_pieces(hit.snippet, hit.highlights)) for hit in result.hits],
                bars=bars, ticks=histogram.ticks(bars),
                related=archive.related(r.match.q, field=rel_field, top=10, **r.match.kwargs(), count=count),
                rel_field=rel_field, rel_fields=EXTRACTED_FIELDS + ("topics",), more=more)
        else:
            context["stats"] = archive.stats(top=1)  # the page shows the totals only
    except QueryError as exc:
        context["error"], status = str(exc), 400
    except SearchkitError as exc:
        context["error"], status = str(exc), 503
    context["svg"] = {"bars_height": histogram.BARS_HEIGHT, "height": histogram.HEIGHT}
    return templates.TemplateResponse(request, "search.html", context, status_code=status)


def article_page(request: Request) -> Response:
    archive: Archive = request.app.state.archive
    article_id = str(request.path_params["article_id"])
    q = request.query_params.get("q", "")
    try:
        article = archive.get(article_id)
        if article is None:
            return message_page(request, 404, f"No article with id {clip(article_id, 100)!r}.")
        similar = archive.similar(article_id, limit=5)
        copies = archive.wire_copies(article_id)
        first = archive.first_report(article_id) if copies else None
        entities = archive.entity_table()
    except SearchkitError as exc:
        return message_page(request, 503, str(exc))
    mentioned: list[date | str] = [*article.mentioned, *article.mentioned_periods]
    tags = [(name, entities.labelled(name, getattr(article, name))) for name in TAG_FIELDS]
    return templates.TemplateResponse(request, "article.html", {
        "article": article, "q": q, "paragraphs": markup.body_pieces(article, q), "tags": tags,
        "mentioned": mentioned, "similar": similar.hits if similar else [], "copies": copies,
        "first": first, "user": archive.annotations(article_id)})
