"""The workflow commands of `searchkit` (tag, tags, note, notes, save, saved, unsave, watch): thin
layers over `Archive`'s user-data methods (see `searchkit.facade.workflow`), registered on `cli.main`."""
from __future__ import annotations

import re

import click

from .. import output
from ..facade.archive import parse_filters
from .commands import main
from .options import (UsageError, _open, _refuse_together, echo_text, handle_errors, index_option, match_options,
                      output_options)
from ..model import SORTS, Hit
from ..facade.userdata import timestamp
from ..facade.workflow import BULK_CONFIRM, WatchResult


def _tag_changes(add: tuple[str, ...], remove: tuple[str, ...]) -> str:
    return " ".join([*(f"+{t.casefold()}" for t in add), *(f"-{t.casefold()}" for t in remove)])


@main.command()
@click.argument("article_ids", metavar="[ID]...", nargs=-1)
@index_option
@click.option("--add", "add", multiple=True, metavar="TAG", help="Tag to add (repeatable).")
@click.option("--remove", "remove", multiple=True, metavar="TAG", help="Tag to remove (repeatable).")
@click.option("--query", "query", metavar="QUERY", help="Tag every article matching QUERY instead of IDs.")
@match_options
@click.option("--yes", is_flag=True, help=f"Confirm tagging more than {BULK_CONFIRM} articles by --query.")
@output_options
@handle_errors
def tag(article_ids, index_dir, add, remove, query, date_from, date_to, filters, yes, as_json):
    """Add or remove your own tags on articles, by id or by query.

    A tag is one word of letters, digits, '-', '_' or '.', stored in lower case. Tags are kept
    beside the index (userdata.sqlite), survive re-indexing and --rebuild, and are searched as
    tag:lead, filtered with --filter tags=lead and counted with --facet tags. With --query, the
    number of articles tagged is printed; more than 100 need --yes. Nothing changes when an id is
    unknown.

    \b
    Example:
      searchkit tag reuters-42 reuters-43 --add lead --remove todo
      searchkit tag --query "coffee frost" --filter places=brazil --add frost --yes
    """
    _refuse_together(("IDs", article_ids), ("--query", query), "tag by ids or by query")
    if not article_ids and not query:
        raise UsageError("give article IDs or --query QUERY")
    if not add and not remove:
        raise UsageError("give --add TAG or --remove TAG")
    if not query and (date_from or date_to or filters):
        raise UsageError("--from, --to and --filter go with --query")
    archive = _open(index_dir)
    if query:
        count = archive.tag_query(query, add=add, remove=remove, date_from=date_from, date_to=date_to,
                                  filters=parse_filters(filters), confirm=yes)
    else:
        count = len(archive.tag(article_ids, add=add, remove=remove))
    if as_json:
        click.echo(output.to_json({"tagged": count, "add": [t.casefold() for t in add],
                                   "remove": [t.casefold() for t in remove]}))
    else:
        echo_text(f"{count} article{'' if count == 1 else 's'}: {_tag_changes(add, remove)}")


@main.command()
@index_option
@output_options
@handle_errors
def tags(index_dir, as_json):
    """List your tags with their number of articles, most used first.

    \b
    Example:
      searchkit tags --json
    """
    counted = _open(index_dir).tags()
    _listing(as_json, "tags", [{"value": t.value, "count": t.count} for t in counted],
             [f"{t.value} ({t.count})" for t in counted], "(no tags yet)")


def _listing(as_json: bool, key: str, records: list[dict], lines: list[str], empty: str) -> None:
    """A list command's output: `{key: records}` as JSON, else the lines (or `empty`)."""
    if as_json:
        click.echo(output.to_json({key: records}))
    else:
        echo_text("\n".join(lines) or empty)


@main.command()
@click.argument("article_id")
@click.argument("text", required=False)
@index_option
@click.option("--clear", is_flag=True, help="Remove the article's note.")
@output_options
@handle_errors
def note(article_id, text, index_dir, clear, as_json):
    """Write, show or clear your note on an article (one note per article; writing replaces it).

    Without TEXT, prints the note. Notes are kept beside the index like tags, and appear in
    `show`, in search hits (--json) and in `export`. Up to 20,000 characters.

    \b
    Example:
      searchkit note reuters-42 "Call the ministry's press office"
      searchkit note reuters-42
      searchkit note reuters-42 --clear
    """
    _refuse_together(("TEXT", text), ("--clear", clear), "--clear removes the note")
    archive = _open(index_dir)
    if text is not None or clear:
        archive.note(article_id, None if clear else text)
    elif archive.get(article_id) is None:
        raise click.ClickException(f"no article with id {article_id!r}")
    current = archive.note_of(article_id)
    if as_json:
        click.echo(output.to_json({"id": article_id, "notes": current}))
    elif text is None and not clear:
        echo_text(output.sanitize(current, keep_newlines=True) if current else "(no note)")
    else:
        echo_text(f"note {'cleared' if clear else 'saved'} on {output.sanitize(article_id)}")


@main.command()
@index_option
@output_options
@handle_errors
def notes(index_dir, as_json):
    """List every note, most recently edited first.

    \b
    Example:
      searchkit notes --json
    """
    found = _open(index_dir).notes()
    _listing(as_json, "notes", [n.to_dict() for n in found],
             [f"{output.sanitize(n.id)}  {timestamp(n.updated)}  {output.sanitize(n.text)}" for n in found],
             "(no notes yet)")


def _options_text(options: dict) -> str:
    parts = [f"--from {options['date_from']}"] if options.get("date_from") else []
    if options.get("date_to"):
        parts.append(f"--to {options['date_to']}")
    parts += [f"--filter {k}={v}" for k, values in options.get("filters", {}).items() for v in values]
    if options.get("sort"):
        parts.append(f"--sort {options['sort']}")
    return " ".join(output.sanitize(p) for p in parts)


@main.command()
@click.argument("name")
@click.argument("query")
@index_option
@match_options
@click.option("--sort", type=click.Choice(SORTS), default="newest", show_default=True,
              help="Order of the new articles `watch` lists.")
@click.option("--replace", is_flag=True, help="Replace a saved search of the same name.")
@output_options
@handle_errors
def save(name, query, index_dir, date_from, date_to, filters, sort, replace, as_json):
    """Save a search under NAME, for `watch` to report what is new for it.

    The query and options are checked by running it once. Saved searches are kept beside the
    index (userdata.sqlite) and survive re-indexing and --rebuild. A name already saved is
    refused unless --replace.

    \b
    Example:
      searchkit save coffee-frost "coffee frost" --filter places=brazil
    """
    saved = _open(index_dir).save_search(name, query, date_from=date_from, date_to=date_to,
                                         filters=parse_filters(filters), sort=sort, replace=replace)
    if as_json:
        click.echo(output.to_json(saved.to_dict()))
    else:
        echo_text(f"saved {output.sanitize(saved.name)}: {output.sanitize(saved.query)} "
                  f"{_options_text(saved.options)}".rstrip())


@main.command()
@index_option
@output_options
@handle_errors
def saved(index_dir, as_json):
    """List the saved searches with their options and when each was last watched.

    JSON: {"searches": [{"name", "query", "options", "last_watched"}]}.

    \b
    Example:
      searchkit saved --json
    """
    searches = _open(index_dir).saved_searches()
    _listing(as_json, "searches", [s.to_dict() for s in searches],
             [f"{output.sanitize(s.name)}: {output.sanitize(s.query)} {_options_text(s.options)}".rstrip()
              + f" (last watched: {timestamp(s.last_watched) or 'never'})" for s in searches],
             "(no saved searches)")


@main.command()
@click.argument("name")
@index_option
@handle_errors
def unsave(name, index_dir):
    """Forget a saved search.

    \b
    Example:
      searchkit unsave coffee-frost
    """
    _open(index_dir).unsave(name)
    echo_text(f"unsaved {output.sanitize(name)}")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def _md(text: str) -> str:
    """Untrusted text as literal Markdown text (one line, special characters escaped)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", output.sanitize(text))


def _hit_line(hit: Hit) -> str:
    day = hit.published.date().isoformat() if hit.published else "undated"
    tagged = f"  [{', '.join(hit.tags)}]" if hit.tags else ""
    return f"  {day}  {output.sanitize(hit.id)}  {output.sanitize(hit.headline) or '(no headline)'}{tagged}"


def _watch_text(found: WatchResult) -> str:
    head = (f"{output.sanitize(found.search.name)}: {found.new} new since {timestamp(found.since)} "
            f"({output.sanitize(found.search.query)})")
    more = found.new - len(found.result.hits)
    return "\n".join([head, *map(_hit_line, found.result.hits), *([f"  ... and {more} more"] if more > 0 else [])])


def _watch_markdown(found: WatchResult) -> str:
    lines = [f"## {_md(found.search.name)}: {found.new} new", "",
             f"Query: {_md(found.search.query)} · since {timestamp(found.since)}", ""]
    for hit in found.result.hits:
        day = hit.published.date().isoformat() if hit.published else "undated"
        source = f" · {_md(hit.source)}" if hit.source else ""
        lines.append(f"- {day} · **{_md(hit.headline) or '(no headline)'}**{source} · {_md(hit.id)}")
    more = found.new - len(found.result.hits)
    if more > 0:
        lines.append(f"- … and {more} more")
    return "\n".join(lines)


@main.command()
@click.argument("names", nargs=-1)
@index_option
@click.option("--since", metavar="DATE", help="Report articles indexed after DATE (UTC; 2026-12-01 or "
                                               "2026-12-01T08:00) instead of after the last watch.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(0, 10_000),
              help="New articles listed per search (all are counted).")
@click.option("--markdown", is_flag=True, help="Print a Markdown digest.")
@click.option("--always", is_flag=True, help="Print every search, even when nothing is new.")
@click.option("--peek", is_flag=True, help="Do not record this run as the searches' last watch.")
@output_options
@handle_errors
def watch(names, index_dir, since, limit, markdown, always, peek, as_json):
    """What is new for each saved search (or those NAMEd): its matches first indexed since it
    was last watched (or saved), newest first unless saved with another --sort.

    "New" means newly indexed, not newly published: an article re-indexed or rebuilt keeps its
    first time. Made for cron: exit 0, and nothing on stdout when nothing is new (unless
    --always). JSON: {"searches": [{"name", "query", "since", "new", "hits"}]}, hits as in
    `search --json`.

    \b
    Example:
      searchkit watch
      searchkit watch coffee-frost --since 2026-12-01 --markdown > digest.md
    """
    _refuse_together(("--json", as_json), ("--markdown", markdown))
    results = _open(index_dir).watch(names or None, since=since, limit=limit, mark=not peek)
    shown = results if always else [r for r in results if r.new]
    if not shown:
        return
    if as_json:
        click.echo(output.to_json({"searches": [r.to_dict() for r in shown]}))
    elif markdown:
        click.echo("\n\n".join(map(_watch_markdown, shown)))
    else:
        echo_text("\n\n".join(map(_watch_text, shown)))
