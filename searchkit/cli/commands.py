"""The `searchkit` command: a thin layer over `Archive` that parses options and prints.

Results go to stdout; progress, warnings and errors to stderr. Exit codes: 0 success, 1 failure,
2 usage error (bad option, query, date or filter).
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import sys
import textwrap

import click

from .. import __version__, output
from ..facade.archive import Archive, parse_filters
from ..errors import IndexInterrupted, QueryError, SearchkitError
from ..fields import ENTITY_FIELDS, QUERY_FIELDS
from ..model import COUNTS, FACET_FIELDS, FORMATS, PERIODS, SORTS, TAG_FIELDS, USER_FACETS, FirstReport, SearchResult


class UsageError(click.UsageError):
    """A usage error with one line, not click's usage block (the command's --help has that)."""

    def show(self, file=None):
        click.echo(f"Error: {self.format_message()}", err=True)


class QueryCommand(click.Command):
    """A command taking a QUERY: a query that starts with `-` (`-oil`, `'-gas oil'`) is read by click as
    an unknown option; the error then says how to pass it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click's parser consumes `args`
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            word = _negated_word(given, exc.option_name)
            if word is None:
                raise
            quoted = "'" + word.replace("'", "'\\''") + "'"
            first = word.split()[0]
            raise UsageError(f"{quoted} was read as an option; to exclude words, put the query after --: "
                             f"searchkit {self.name} -- {quoted} (or write NOT {first[1:]} for {first})") from None


def _negated_word(args: list[str], option_name: str) -> str | None:
    """The argument click took for the unknown option `option_name` if it looks like `-word`."""
    for arg in args:
        if arg == "--":
            return None
        if (arg.startswith(option_name) and not arg.startswith("--")
                and len(arg.split()[0]) > 2 and arg[1:2].isalpha()):
            return arg
    return None


def handle_errors(func):
    """Library exceptions become one-line messages at the CLI edge; a traceback is never shown."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # so that a closed pipe shows up here, not at interpreter exit
            return result
        except BrokenPipeError:  # `searchkit ... | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except QueryError as exc:
            raise UsageError(str(exc)) from None
        except SearchkitError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM in `index`: one line, exit 130
            summary = exc.summary if isinstance(exc, IndexInterrupted) else None
            click.echo("Error: interrupted" + (
                f": {summary.added + summary.updated} articles committed (added {summary.added}, "
                f"updated {summary.updated}); run the same command again to index the rest"
                if summary else " (work committed before this point is kept)"), err=True)
            sys.exit(130)
        except click.ClickException:
            raise
        except Exception as exc:  # a bug: say so in one line; SEARCHKIT_DEBUG=1 shows the traceback
            if os.environ.get("SEARCHKIT_DEBUG"):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (set SEARCHKIT_DEBUG=1 for details)") from None

    return wrapper


def index_option(func):
    return click.option(
        "--index", "index_dir", envvar="SEARCHKIT_INDEX", default="index", show_default=True,
        type=click.Path(file_okay=False),
        help="Index folder, or a Xapian cluster xapian://HOST:PORT[,HOST:PORT...] "
             "(or set $SEARCHKIT_INDEX).")(func)


def paging_options(what: str):
    """--limit and --page of a command that lists `what` ("Hits", "Articles") a page at a time."""
    def decorate(func):
        func = click.option("--page", "-p", default=1, show_default=True, type=click.IntRange(1),
                            help="Page number (past the last page: exit 1).")(func)
        return click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(0, 10_000),
                            help=f"{what} per page.")(func)
    return decorate


def output_options(func):
    """The shared output switches of every command: --json prints one JSON object on stdout;
    --color says when text is coloured."""
    func = click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True, expose_value=False, callback=_set_color,
                        help="Colour text output: on a terminal unless $NO_COLOR is set (auto), "
                             "always, or never.")(func)
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(func)


def _set_color(ctx: click.Context, param: click.Parameter, value: str) -> None:
    # ctx.color None lets click colour on a terminal only (https://no-color.org: any non-empty NO_COLOR).
    ctx.color = True if value == "always" else False if value == "never" or os.environ.get("NO_COLOR") else None


def echo_text(text: str) -> None:
    """Text output, wrapped between words to the terminal's width on a terminal (piped: as is, one
    line per record, for grep and friends)."""
    if sys.stdout.isatty():
        text = output.wrap(text, shutil.get_terminal_size().columns)
    click.echo(text)


def _open(index_dir: str, create: bool = False) -> Archive:
    return Archive(index_dir, create=create)


def count_option(func):
    """--count: what facet, timeline and related counts count."""
    return click.option("--count", "count", type=click.Choice(COUNTS), default="articles", show_default=True,
                        help="Count articles, or stories: wire-copy clusters (a story re-sent five "
                             "times counts once).")(func)


def match_options(func):
    """--from, --to and --filter: which articles a command looks at besides the query."""
    func = click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
                        help="Keep matches whose FIELD has VALUE (repeatable; one field's values are OR-ed).")(func)
    func = click.option("--to", "date_to", metavar="DATE",
                        help="Published on or before DATE (a month: its end).")(func)
    func = click.option("--from", "date_from", metavar="DATE",
                        help="Published on or after DATE (1987, March 1987, 1987-03-01, ...).")(func)
    return func


def _refuse_together(first: tuple[str, object], second: tuple[str, object], why: str = "pick one") -> None:
    """Exit 2 when two options that cannot both apply are given (never silently ignore one)."""
    if first[1] and second[1]:
        raise UsageError(f"{first[0]} and {second[0]} cannot be used together: {why}")


def _check_page(result: SearchResult) -> None:
    """A page past the end is a failure (exit 1) naming the last page, not an empty success."""
    if result.total and result.page > result.pages:
        raise click.ClickException(f"page {result.page} is past the last page ({result.pages}) "
                                   f"of {result.total} matches")


def _no_such_values(archive: Archive, query: str, filters: dict[str, list[str]]) -> str | None:
    """When nothing matches: the filter or tag values no article has (with close values), if any,
    so that a misspelt value is not blamed on the query."""
    missing = archive.missing_values(query, filters)
    return output.missing_text(missing) if missing else None


def _progress_shown() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="searchkit")
def main():
    """Full-text search for news archives.

    \b
    Example:
      searchkit index examples/archive
      searchkit search "oil prices" --facet places
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Read every file in this format instead of detecting it per file.")
@click.option("--rebuild", is_flag=True, help="Empty the index first and index everything again.")
@click.option("--check", is_flag=True,
              help="Read every file again, even those unchanged (size and time) since the last run.")
@click.option("--lock-timeout", default=30.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait while another process writes to the index.")
@click.option("--date", "default_date", metavar="DATE",
              help="The date of articles that have none of their own (an undated source such as BBC): "
                   "2005, 2005-06 or 2005-01-01 (the first day named), so --from/--to and date sorts "
                   "include them. Every file is read again.")
@output_options
@handle_errors
def index(paths, index_dir, fmt, rebuild, check, lock_timeout, default_date, as_json):
    """Index news files and folders (recursively).

    Formats are detected per file: plain-text articles (.txt: headline, blank line, body; a
    folder of section folders gives each article its section), Reuters-21578 SGML (.sgm) and
    JSON Lines (.jsonl). Re-running on the same files updates changed articles and skips
    unchanged ones. Files or records that cannot be read are reported and skipped; the exit
    code is 1 if any failed.

    \b
    Example:
      searchkit index ../shared/corpora/reuters21578 ../shared/corpora/bbc
      searchkit index feed.jsonl --json > summary.json
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`: like Ctrl-C
    archive = Archive(index_dir, create=True, lock_timeout=lock_timeout)
    if _progress_shown():
        with click.progressbar(length=archive.sources_size(paths), label="indexing", file=sys.stderr,
                               show_pos=False, show_percent=True) as bar:
            summary = archive.add(paths, format=fmt, rebuild=rebuild, check=check, progress=bar.update,
                                  default_date=default_date)
    else:
        summary = archive.add(paths, format=fmt, rebuild=rebuild, check=check, default_date=default_date)
    if as_json:
        click.echo(output.to_json(summary.to_dict()))
    else:
        echo_text(output.summary_text(summary))
    sys.exit(0 if summary.ok else 1)


@main.command(cls=QueryCommand)
@click.argument("query")
@index_option
@paging_options("Hits")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="newest/oldest: by publication day and time of day (undated last).")
@match_options
@click.option("--facet", "facets", multiple=True, type=click.Choice((*FACET_FIELDS, *USER_FACETS)),
              help="Count the top values of FIELD over all matches (repeatable).")
@click.option("--facet-limit", default=10, show_default=True, type=click.IntRange(0),
              help="Values shown per facet (0: all).")
@click.option("--collapse", is_flag=True,
              help="Show one article per wire-copy cluster (near duplicates), with its number of copies "
                   "and its first report (the cluster's earliest article).")
@count_option
@click.option("--csv", "as_csv", is_flag=True, help="Print the hits as CSV (not with --json or --facet).")
@click.option("--explain", is_flag=True,
              help="Show each hit's score split into its words and fields (BM25F; relevance order only).")
@output_options
@handle_errors
def search(query, index_dir, limit, page, sort, date_from, date_to, filters, facets, facet_limit, collapse,
           count, as_csv, explain, as_json):
    """Search the archive.

    \b
    Query language:
      oil prices              both words (stemmed: "price" matches "prices")
      oil OR gas, oil -gas    either word; exclude a word (also NOT gas)
      -gas, NOT gas           every article without the word (a query starting
                              with - goes after --: searchkit search -- -gas)
      (oil OR gas) prices     grouping
      "interest rates"        exact phrase; "interest rates"~3 within 3 words
      headline:oil            a field (any case): {query_fields}
      places:west-germany     a whole tag value; people:"paul volcker" for several words
      date:1987-03            a year, month or day; date:[1987-03-01 TO 1987-04-15]
      infla*                  prefix
      tag:lead                your own tag (searchkit tag); also --filter tags=lead, --facet tags

    A filtered field that is also faceted is counted under the other filters only, so its other
    values stay visible (multi-select facets). When few articles match, a corrected query may be
    suggested ("Did you mean").

    \b
    Example:
      searchkit search "oil prices" --facet places --sort newest
      searchkit search coffee --filter places=brazil --facet places --collapse
      searchkit search 'date:[March 1987 TO April 1987] coffee' --json | jq .total
    """
    _refuse_together(("--json", as_json), ("--csv", as_csv))
    _refuse_together(("--csv", as_csv), ("--facet", facets), "CSV has the hits only; --json has the facets")
    archive = _open(index_dir)
    parsed = parse_filters(filters)
    result = archive.search(query, date_from=date_from, date_to=date_to, filters=parsed,
                            facets=facets, sort=sort, limit=limit, page=page, collapse=collapse,
                            facet_top=facet_limit, count=count, explain=explain)
    _check_page(result)
    if as_json:
        click.echo(output.to_json(result.to_dict()))
    elif as_csv:
        click.echo(output.search_csv(result))
    else:
        echo_text(result.total == 0 and _no_such_values(archive, query, parsed) or output.search_text(result))


# The field names of the query language, from the field registry, wrapped under their column.
search.help = (search.help or "").replace("{query_fields}", textwrap.fill(
    " ".join(QUERY_FIELDS), width=94, initial_indent=" " * 51, subsequent_indent=" " * 30).lstrip())


@main.command(cls=QueryCommand)
@click.argument("query")
@index_option
@click.option("--by", type=click.Choice(PERIODS), default="month", show_default=True,
              help="Period of each bar (week: ISO week).")
@click.option("--share", is_flag=True,
              help="Draw each period's matches as a share of all articles published in it.")
@match_options
@count_option
@click.option("--csv", "as_csv", is_flag=True, help="Print period,count,total,share as CSV (not with --json).")
@output_options
@handle_errors
def timeline(query, index_dir, by, share, date_from, date_to, filters, count, as_csv, as_json):
    """Matching articles per year, month, week or day, as a bar chart.

    Every period from the first match to the last is shown, empty ones included. JSON:
    {query, by, buckets: [{period, count, total, share}]}; share = count / total. With
    --count stories, each story (wire-copy cluster) counts once, in the period of its earliest
    matching article, and a period's total is the stories first published in it.

    \b
    Example:
      searchkit timeline oil --by month
      searchkit timeline "interest rates" --by week --share --json
    """
    _refuse_together(("--json", as_json), ("--csv", as_csv))
    archive = _open(index_dir)
    parsed = parse_filters(filters)
    result = archive.timeline(query, by=by, date_from=date_from, date_to=date_to, filters=parsed, count=count)
    if as_json:
        click.echo(output.to_json(result.to_dict()))
    elif as_csv:
        click.echo(output.timeline_csv(result))
    else:
        echo_text(not result.buckets and not result.undated and _no_such_values(archive, query, parsed)
                  or output.timeline_text(result, share=share))


@main.command(cls=QueryCommand)
@click.argument("query")
@index_option
@click.option("--field", type=click.Choice(TAG_FIELDS),
              default="places", show_default=True, help="The tag field to rank.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1), help="Values shown.")
@match_options
@count_option
@output_options
@handle_errors
def related(query, index_dir, field, top, date_from, date_to, filters, count, as_json):
    """Entities over-represented among the matches, compared with the whole archive.

    The score is Dunning's log-likelihood G² of the value's share among matches against its
    share in the rest of the archive (only over-represented values, in at least 2 matches).

    \b
    Example:
      searchkit related coffee --field places
      searchkit related "interest rates" --field people --json
    """
    archive = _open(index_dir)
    parsed = parse_filters(filters)
    result = archive.related(query, field=field, top=top, date_from=date_from, date_to=date_to, filters=parsed,
                             count=count)
    if as_json:
        click.echo(output.to_json(result.to_dict()))
    else:
        echo_text(result.total == 0 and _no_such_values(archive, query, parsed) or output.related_text(result))


@main.command()
@click.argument("article_id")
@index_option
@paging_options("Articles")
@match_options
@output_options
@handle_errors
def similar(article_id, index_dir, limit, page, date_from, date_to, filters, as_json):
    """Articles most like one article (its key words and its people, organisations and places).

    JSON has the shape of `search --json`.

    \b
    Example:
      searchkit similar reuters-42
      searchkit similar bbc-business-001 --json | jq '.hits[].id'
    """
    result = _open(index_dir).similar(article_id, limit=limit, page=page, date_from=date_from,
                                      date_to=date_to, filters=parse_filters(filters))
    if result is None:
        raise click.ClickException(f"no article with id {article_id!r}")
    _check_page(result)
    if as_json:
        click.echo(output.to_json(result.to_dict()))
    else:
        echo_text(output.search_text(result))


@main.command(cls=QueryCommand)
@click.argument("query")
@index_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="One JSON article per line, or CSV with a header.")
@click.option("--excel", is_flag=True,
              help="CSV for spreadsheets: a UTF-8 byte order mark first, and cells starting with = + - @ "
                   "written as text (a leading ').")
@match_options
@handle_errors
def export(query, index_dir, fmt, excel, date_from, date_to, filters):
    """Write every matching article to stdout, oldest first then by id (undated last).

    jsonl lines have the fields of `show --json`; CSV joins list values with "; " and writes
    `extracted` as a JSON object; `origin` is the file (and record) the article was read from, as
    the index recorded it. A progress bar is drawn on stderr on a terminal.

    \b
    Example:
      searchkit export coffee --format jsonl > coffee.jsonl
      searchkit export "oil prices" --from 1987-03 --to 1987-04 --format csv > oil.csv
      searchkit export coffee --format csv --excel > coffee.csv
    """
    if excel and fmt != "csv":
        raise UsageError("--excel needs --format csv")
    archive = _open(index_dir)
    parsed = parse_filters(filters)
    articles = archive.export(query, date_from=date_from, date_to=date_to, filters=parsed)
    write = output.export_writer(fmt, sys.stdout, excel=excel, annotate=archive.annotations)
    if _progress_shown():
        total = archive.search(query, date_from=date_from, date_to=date_to, filters=parsed,
                               limit=0).total
        with click.progressbar(articles, length=total, label="exporting", file=sys.stderr) as bar:
            for article in bar:
                write(article)
    else:
        for article in articles:
            write(article)


@main.command()
@click.argument("article_id")
@index_option
@output_options
@handle_errors
def show(article_id, index_dir, as_json):
    """Print one whole article.

    An article with wire copies shows its first report: the earliest published article of its
    cluster. JSON: the article's fields, `first_report` {id, source, published} (the article
    itself when it has no copies) and `entities`: its people, orgs and places as {value: id, label}.

    \b
    Example:
      searchkit show reuters-42
      searchkit show bbc-business-001 --json
    """
    archive = _open(index_dir)
    article = archive.get(article_id)
    if article is None:
        raise click.ClickException(f"no article with id {article_id!r}")
    first = archive.first_report(article_id) or article
    annotations = archive.annotations(article_id)
    if as_json:
        entities = archive.entity_table().article_entities(article)
        click.echo(output.to_json(output.article_json(article, first, entities) | annotations))
    else:
        echo_text(output.article_text(article, FirstReport.of(first), len(archive.wire_copies(article_id)),
                                      **annotations))


@main.command()
@click.argument("file", type=click.Path())
@index_option
@match_options
@click.option("--top", default=5, show_default=True, type=click.IntRange(0),
              help="People, organisations and places shown per row (0: all).")
@click.option("--export", "export_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write each row's matches to DIR/<row name>.jsonl (as `export --format jsonl`).")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per query (not with --json).")
@output_options
@handle_errors
def batch(file, index_dir, date_from, date_to, filters, top, export_dir, as_csv, as_json):
    """Run a list of queries (a watchlist) and summarise each.

    FILE has one query a line (blank lines and # comments skipped), or is a .csv with a header:
    a `query` column, an optional `name` column, and optional `from`, `to` and filter-field
    columns (`places`, `source`, ...; several values in a cell separated by ;) that replace
    --from, --to and that field's --filter for the row. For each query: matching articles,
    stories (wire-copy clusters), first and last publication day, a per-month sparkline and the
    top people, organisations and places. Rows without a match are listed together at the end.
    A row that cannot be run is reported on its line and the others go on (exit code 1).
    At most 10,000 queries a file. JSON: {rows: [{line, name, query, total, stories, first,
    last, people, orgs, places, months: [{period, count}], error}]}.

    \b
    Example:
      searchkit batch names.txt --from 1987-03 --json
      searchkit batch watchlist.csv --export matches/
    """
    _refuse_together(("--json", as_json), ("--csv", as_csv))
    from . import batch_output  # noqa: PLC0415
    result = _open(index_dir).batch(file, date_from=date_from, date_to=date_to,
                                    filters=parse_filters(filters), top=top, export=export_dir)
    if as_json:
        click.echo(output.to_json(result.to_dict()))
    elif as_csv:
        click.echo(batch_output.batch_csv(result))
    else:
        echo_text(batch_output.batch_text(result))
    if result.failed:
        sys.exit(1)


@main.command()
@index_option
@click.option("--top", default=10, show_default=True, type=click.IntRange(1), help="Values per facet.")
@output_options
@handle_errors
def stats(index_dir, top, as_json):
    """Document count, date range, index size and the top values of each facet.

    \b
    Example:
      searchkit stats --json
    """
    result = _open(index_dir).stats(top)
    if as_json:
        click.echo(output.to_json(result.to_dict()))
    else:
        echo_text(output.stats_text(result))


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (another than 127.0.0.1 lets other machines in: a warning is printed).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each with its own searchers; they end with this one).")
@handle_errors
def serve(index_dir, host, port, workers):
    """Serve the archive in a browser and as a JSON API (/api/..., described at
    /api/openapi.json) until Ctrl-C. The index is never written; the pages and the API change
    only your tags, notes and saved searches.

    \b
    Example:
      searchkit serve --index index --port 8080
      curl 'http://127.0.0.1:8080/api/search?q=coffee&facet=places'
    """
    from ..web.server import serve as run  # noqa: PLC0415  (the web stack loads only for this command)
    _open(index_dir).close()  # a missing index is an error before anything listens
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}: other machines can read this archive "
                   f"(there is no login)", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {index_dir} at http://{shown}:{port}/ (Ctrl-C stops)", err=True)
    try:
        run(index_dir, host, port, workers)
    except KeyboardInterrupt:
        sys.exit(130)


@main.group()
def cluster():
    """Start and stop a local Xapian cluster (one xapian-tcpsrv per shard) to try the
    xapian:// backend on one machine.

    \b
    Example:
      searchkit cluster start --shards 2 cluster/
      searchkit index ../shared/corpora/reuters21578 --index "$(searchkit cluster address cluster/)"
      searchkit cluster stop cluster/
    """


@cluster.command("start")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--shards", default=2, show_default=True, type=click.IntRange(1, 64), help="Number of shards.")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port of the first shard (the next ones count up); default: free ports.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@handle_errors
def cluster_start(folder, shards, port, host):
    """Start a writable xapian-tcpsrv per shard on FOLDER/shard-N and print the cluster address.

    Shard databases already in FOLDER are served as they are. The servers run in the background
    until `searchkit cluster stop FOLDER`.

    \b
    Example:
      searchkit cluster start --shards 2 --port 7100 cluster/
    """
    from ..backends import cluster as clusters  # noqa: PLC0415  (process handling: only for these commands)
    click.echo(clusters.start(folder, shards=shards, port=port, host=host).address)


@cluster.command("stop")
@click.argument("folder", type=click.Path(file_okay=False))
@handle_errors
def cluster_stop(folder):
    """Stop the servers started in FOLDER (the shard databases stay).

    \b
    Example:
      searchkit cluster stop cluster/
    """
    from ..backends import cluster as clusters  # noqa: PLC0415
    click.echo(f"stopped {clusters.stop(folder).address}")


@cluster.command("address")
@click.argument("folder", type=click.Path(file_okay=False))
@handle_errors
def cluster_address(folder):
    """Print the xapian:// address of the cluster started in FOLDER (exit 1 if a server is down).

    \b
    Example:
      export SEARCHKIT_INDEX="$(searchkit cluster address cluster/)"
    """
    from ..backends import cluster as clusters  # noqa: PLC0415
    local = clusters.status(folder)
    down = [str(pid) for pid, up in zip(local.pids, local.running()) if not up]
    if down:
        raise click.ClickException(f"{local.address}: server process(es) {', '.join(down)} not running")
    click.echo(local.address)


@main.group(invoke_without_command=True)
@index_option
@click.option("--type", "field", type=click.Choice(ENTITY_FIELDS), default="people",
              show_default=True, help="The entity field to list.")
@click.option("--query", "-q", default="*", show_default=True,
              help="Count only in the articles matching this query.")
@click.option("--prefix", default="", help="Only entities whose label or a spelling starts with this.")
@click.option("--limit", "-n", default=50, show_default=True, type=click.IntRange(0),
              help="Entities per page (0: all).")
@click.option("--page", "-p", default=1, show_default=True, type=click.IntRange(1), help="Page to show.")
@match_options
@output_options
@click.pass_context
@handle_errors
def entities(ctx, index_dir, field, query, prefix, limit, page, date_from, date_to, filters, as_json):
    """List the archive's people, organisations or places with their article counts.

    Spellings of one entity are one value (see README, "Canonical entities"): each entity has an
    id, a label and the spellings the index holds. The file entities.txt in the index folder
    merges, renames, blocks, retypes and splits entities (edit it, or use the subcommands); its
    bad lines are reported on stderr as FILE:LINE: reason.

    \b
    Example:
      searchkit entities --type orgs --prefix bank
      searchkit entities --type people --query oil --json
      searchkit entities merge people "Mr Blair" --into "Tony Blair"
      searchkit entities retype people "Merrill Lynch" --to orgs
    """
    if ctx.invoked_subcommand is not None:
        return
    archive = _open(index_dir)
    found = archive.entities(field, query=query, prefix=prefix, date_from=date_from, date_to=date_to,
                             filters=parse_filters(filters))
    for problem in archive.curation_problems():
        click.echo(f"warning: {problem}", err=True)
    if limit and found and page > -(-len(found) // limit):
        raise click.ClickException(f"page {page} is past the last page ({-(-len(found) // limit)}) "
                                   f"of {len(found)} {field}")
    if as_json:
        shown = found[(page - 1) * limit:page * limit] if limit else found
        click.echo(output.to_json({"type": field, "total": len(found), "page": page,
                                   "entities": [e.to_dict() for e in shown]}))
    else:
        echo_text(output.entities_text(field, found, page, limit, query))


def _curate(index_dir: str, action: str, field: str, values: list[str], target: str = "") -> None:
    archive = _open(index_dir)
    if archive.curation_file is not None and not archive.curation_file.parent.is_dir():
        raise click.ClickException(f"no index at {archive.curation_file.parent}")
    line = archive.curate(action, field, values, target)
    click.echo(f"{archive.curation_file}: added {line}")


_ENTITY_FIELD = click.argument("field", type=click.Choice(ENTITY_FIELDS))


@entities.command("merge")
@_ENTITY_FIELD
@click.argument("values", nargs=-1, required=True)
@click.option("--into", required=True, help="The entity (or a new label) they become.")
@index_option
@handle_errors
def entities_merge(field, values, into, index_dir):
    """Make the entities of VALUES one with INTO's (a rule in entities.txt; no re-indexing)."""
    _curate(index_dir, "merge", field, list(values), into)


@entities.command("rename")
@_ENTITY_FIELD
@click.argument("value")
@click.option("--to", "label", required=True, help="The new label.")
@index_option
@handle_errors
def entities_rename(field, value, label, index_dir):
    """Show the entity VALUE names as LABEL (a rule in entities.txt; no re-indexing)."""
    _curate(index_dir, "rename", field, [value], label)


@entities.command("block")
@_ENTITY_FIELD
@click.argument("values", nargs=-1, required=True)
@index_option
@handle_errors
def entities_block(field, values, index_dir):
    """Never list, count or filter on the entities of VALUES (a rule in entities.txt)."""
    _curate(index_dir, "block", field, list(values))


@entities.command("retype")
@_ENTITY_FIELD
@click.argument("values", nargs=-1, required=True)
@click.option("--to", "to", required=True, type=click.Choice(("people", "orgs", "places")),
              help="The field they belong to.")
@index_option
@handle_errors
def entities_retype(field, values, to, index_dir):
    """Move the entities of VALUES from FIELD to another field, e.g. a company listed as a person
    (a rule in entities.txt; no re-indexing)."""
    _curate(index_dir, "retype", field, list(values), to)


@entities.command("split")
@_ENTITY_FIELD
@click.argument("values", nargs=-1, required=True)
@index_option
@handle_errors
def entities_split(field, values, index_dir):
    """Make each of VALUES (an indexed spelling, any case) an entity of its own, out of the entity
    it was grouped into (a rule in entities.txt)."""
    _curate(index_dir, "split", field, list(values))


@main.command()
@index_option
@click.option("--lock-timeout", default=30.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait while another process writes to the index.")
@output_options
@handle_errors
def optimize(index_dir, lock_timeout, as_json):
    """Merge the index's segments into one, the fastest form to search.

    Indexing keeps the segments few by itself; this is for an archive that is complete, or
    before a demanding use. It holds the write lock while it runs; searches go on meanwhile.
    Interrupted or failed, the index stays as it was.

    \b
    Example:
      searchkit optimize --index archive/
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`: like Ctrl-C
    done = Archive(index_dir, create=False, lock_timeout=lock_timeout).optimize()
    if as_json:
        click.echo(output.to_json(done.to_dict()))
    elif not done.merged:
        click.echo(f"nothing to merge: {done.segments} segment{'s' * (done.segments != 1)}, "
                   f"{done.documents} articles")
    else:
        click.echo(f"merged {done.segments_before} segment{'s' * (done.segments_before != 1)} into "
                   f"{done.segments} ({done.documents} articles)")


from . import workflow_commands as workflow_cli  # noqa: E402,F401  (registers tag, tags, note, notes, save, saved, unsave, watch)
