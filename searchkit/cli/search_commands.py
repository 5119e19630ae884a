"""The commands that find and read articles: search, similar, export, show."""
from __future__ import annotations

import sys
import textwrap

import click

from .. import output
from ..facade.archive import parse_filters
from ..fields import QUERY_FIELDS
from ..model import FACET_FIELDS, SORTS, USER_FACETS, FirstReport
from ..model import DEFAULT_RANKING, RANKING_NAMES
from .commands import main
from .options import (QueryCommand, UsageError, _check_page, _no_such_values, _open, _progress_shown,
                      _refuse_together, count_option, echo_text, handle_errors, index_option, match_options,
                      output_options, paging_options)


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
              help="Show each hit's score split into its words and fields (BM25F; relevance order only), "
                   "and the feedback words that raised it.")
@click.option("--ranking", type=click.Choice(RANKING_NAMES), default=DEFAULT_RANKING, show_default=True,
              help="plain: BM25F; feedback: the first 100 matches re-scored by the words of the first 5 "
                   "(measured: not better on average). Either orders the same matches.")
@output_options
@handle_errors
def search(query, index_dir, limit, page, sort, date_from, date_to, filters, facets, facet_limit, collapse,
           count, as_csv, explain, ranking, as_json):
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
                            facet_top=facet_limit, count=count, explain=explain, ranking=ranking)
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
