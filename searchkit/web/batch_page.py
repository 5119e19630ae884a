"""The batch (watchlist) page, `/batch`: `searchkit batch` in the browser, over `searchkit.facade.batch`.

A form takes a batch file (one query a line, or a `.csv` with a `query` column as the CLI reads
it) or the same text pasted, with the run's `from`, `to` and filters; the page shows a row per
query (articles, stories, first and last day, a per-month sparkline drawn as SVG, the top people,
organisations and places), rows that match nothing together at the end, and each bad line with its
number and reason. The same form downloads the result as CSV or JSON, in the shapes of `searchkit
batch --csv` and `--json`: the page keeps the queries in its form (nothing is stored on the
server), so a download runs the batch again.

Limits: an upload of at most `MAX_UPLOAD_BYTES` and `MAX_ROWS` queries (a web request should
finish in seconds, not minutes: larger lists go to the CLI), refused whole when binary, not UTF-8
or empty, as the CLI refuses them. The batch runs in a worker thread: the server keeps answering.

`POST /api/batch` takes the same form fields (`curl -F file=@names.txt`) and answers with the JSON
(or CSV with `output=csv`), errors as `{"error": ...}`. A batch changes nothing, so, unlike the
saved-search forms, it is not limited to this site's own pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import anyio
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..facade import batch
from ..cli import batch_output
from .. import output
from ..facade.archive import Archive
from ..errors import QueryError, SearchkitError
from ..model import FacetValue
from . import params
from .pages import templates
from .userpages import content_type, read_body

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_ROWS = 1000
# Room for the form's other fields and the multipart framing, beyond the file itself.
FORM_SLACK = 64 * 1024
OUTPUTS = ("page", "csv", "json")
MAX_TOP = 50
SPARK_WIDTH, SPARK_HEIGHT = 120, 24


@dataclass
class BatchForm:
    """What the form asked for: the batch's text, whether it is CSV, and the run's options."""

    text: str
    name: str  # the uploaded file's name, or "pasted text"
    as_csv: bool
    date_from: str
    date_to: str
    filters: str  # FIELD=VALUE, one a line
    top: int
    output: str
    data: bytes | None = None  # the uploaded file, checked by `batch.read_bytes`

    def filter_items(self) -> list[str]:
        return [line.strip() for line in self.filters.splitlines() if line.strip()]


async def _read_form(request: Request) -> FormData:
    if content_type(request) != "multipart/form-data":
        raise QueryError("the batch form must be sent as multipart/form-data (a file upload)")
    body = await read_body(request, "upload", MAX_UPLOAD_BYTES + FORM_SLACK)

    async def stream():  # the body already read, handed to Starlette's parser
        yield body
        yield b""

    parser = MultiPartParser(request.headers, stream(), max_files=1, max_fields=20,
                             max_part_size=MAX_UPLOAD_BYTES + 1)
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise QueryError(f"the upload could not be read: {exc.message}") from None


def _field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


async def parse_form(form: FormData, default_output: str) -> BatchForm:
    output_kind = _field(form, "output") or default_output
    if output_kind not in OUTPUTS:
        raise QueryError(f"unknown output {output_kind[:50]!r} (output: {', '.join(OUTPUTS)})")
    top_text = _field(form, "top").strip() or str(batch.TOP)
    if not top_text.isdigit() or not 1 <= int(top_text) <= MAX_TOP:
        raise QueryError(f"'top' must be a whole number from 1 to {MAX_TOP}, got {top_text[:20]!r}")
    chosen = BatchForm(text=_field(form, "text"), name="pasted text", as_csv=_field(form, "kind") == "csv",
                       date_from=_field(form, "from").strip(), date_to=_field(form, "to").strip(),
                       filters=_field(form, "filter"), top=int(top_text), output=output_kind)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        chosen.data = await upload.read(MAX_UPLOAD_BYTES + 1)
        chosen.name = upload.filename
        chosen.as_csv = upload.filename.lower().endswith(".csv")
    return chosen


def rows_of(chosen: BatchForm) -> list[batch.BatchQuery]:
    """The form's queries (the file if one was chosen, else the text), read as the CLI reads a
    file; the text shown again on the page is the file's."""
    data = chosen.data if chosen.data is not None else chosen.text.encode("utf-8")
    rows = batch.read_bytes(data, chosen.name, chosen.as_csv, max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_ROWS)
    if chosen.data is not None:
        chosen.text = chosen.data.decode("utf-8-sig")
    return rows


def run(archive: Archive, chosen: BatchForm, rows: list[batch.BatchQuery]) -> batch.BatchResult:
    filters = params.parse_filters(chosen.filter_items())
    # The run's own dates and filters are checked once, not reported again on every row.
    archive.search("*", date_from=chosen.date_from or None, date_to=chosen.date_to or None,
                   filters=filters, limit=0, snippets=False)
    return batch.run(archive, rows, date_from=chosen.date_from or None, date_to=chosen.date_to or None,
                     filters={k: [v] if isinstance(v, str) else list(v) for k, v in filters.items()},
                     top=chosen.top)


@dataclass
class Spark:
    """A row's matches per month as SVG bars (a bar per `step` months when there are many)."""

    bars: list[tuple[float, float, float, str]]  # x, width, height, title
    first: str
    last: str
    step: int


def spark(months: list[FacetValue]) -> Spark | None:
    if not months:
        return None
    sums, step = batch_output.month_sums(months)
    peak = max(sums) or 1
    width = SPARK_WIDTH / len(sums)
    bars = []
    for i, n in enumerate(sums):
        period = months[i * step].value
        end = months[min(len(months), (i + 1) * step) - 1].value
        label = period if end == period else f"{period} to {end}"
        bars.append((i * width, width, n / peak * SPARK_HEIGHT, f"{label}: {n}"))
    return Spark(bars, months[0].value, months[-1].value, step)


def _search_url(spec: batch.BatchQuery, chosen: BatchForm) -> str:
    """The search page for one row, with its own dates and filters or the run's."""
    items = [("q", spec.query)]
    for name, own, run_value in (("from", spec.date_from, chosen.date_from), ("to", spec.date_to, chosen.date_to)):
        if own or run_value:
            items.append((name, own or run_value))
    own_fields = set(spec.filters)
    items += [("filter", item) for item in chosen.filter_items() if item.partition("=")[0].strip() not in own_fields]
    items += [("filter", f"{k}={v}") for k, values in spec.filters.items() for v in values]
    return "/?" + urlencode(items)


def _page(request: Request, chosen: BatchForm | None, status: int = 200, error: str | None = None,
          rows: list[batch.BatchQuery] | None = None, result: batch.BatchResult | None = None) -> Response:
    context: dict[str, Any] = {"form": chosen, "error": error, "result": None, "max_rows": MAX_ROWS,
                               "max_size": batch.size_text(MAX_UPLOAD_BYTES), "max_top": MAX_TOP,
                               "default_top": batch.TOP, "svg": {"width": SPARK_WIDTH, "height": SPARK_HEIGHT}}
    if result is not None and rows is not None and chosen is not None:
        shown = [(row, spark(row.summary.months) if row.summary else None, _search_url(spec, chosen))
                 for spec, row in zip(rows, result.rows, strict=True) if row.error is not None or row.total]
        context.update(result=result, shown=shown, entity_fields=batch.ENTITY_FIELDS)
    return templates.TemplateResponse(request, "batch.html", context, status_code=status)


def batch_page(request: Request) -> Response:
    return _page(request, None)


def _download(result: batch.BatchResult, kind: str) -> Response:
    if kind == "csv":
        text, media = batch_output.batch_csv(result), "text/csv; charset=utf-8"
    else:
        text, media = output.to_json(result.to_dict()), "application/json"
    return Response(text + "\n", media_type=media,
                    headers={"content-disposition": f'attachment; filename="searchkit-batch.{kind}"'})


async def _handle(request: Request, default_output: str) -> Response:
    """Reads the form, runs the batch in a worker thread, answers in the asked form. Errors:
    the page again with the message (HTML), or `{"error"}` (the API)."""
    archive: Archive = request.app.state.archive
    api = default_output != "page"
    chosen: BatchForm | None = None

    def failed(status: int, message: str) -> Response:
        if api:
            return JSONResponse({"error": message}, status_code=status)
        return _page(request, chosen, status, message)

    try:
        chosen = await parse_form(await _read_form(request), default_output)
        rows = rows_of(chosen)
        ready = chosen
        result = await anyio.to_thread.run_sync(lambda: run(archive, ready, rows))
    except QueryError as exc:
        return failed(400, str(exc))
    except batch.BatchFileError as exc:
        return failed(400, str(exc))
    except SearchkitError as exc:
        return failed(503, str(exc))
    if chosen.output != "page":
        return _download(result, chosen.output)
    return _page(request, chosen, rows=rows, result=result)


async def batch_post(request: Request) -> Response:
    return await _handle(request, "page")


async def api_batch(request: Request) -> Response:
    return await _handle(request, "json")


ROUTES = [
    Route("/batch", batch_page),
    Route("/batch", batch_post, methods=["POST"]),
    Route("/api/batch", api_batch, methods=["POST"]),
]
