"""The read-only analysis commands: timeline, related, batch, stats, and entities (with its
curation subcommands)."""
from __future__ import annotations

import sys

import click

from .. import output
from ..facade.archive import parse_filters
from ..fields import ENTITY_FIELDS
from ..model import PERIODS, TAG_FIELDS
from .commands import main
from .options import (QueryCommand, _no_such_values, _open, _refuse_together, count_option, echo_text, handle_errors,
                      index_option, match_options, output_options)


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
