"""What the commands of `searchkit` share: error handling and exit codes, the common options
(--index, --limit/--page, --json/--color, --count, the match options) and text output."""
from __future__ import annotations

import functools
import os
import shutil
import sys

import click

from .. import output
from ..facade.archive import Archive
from ..errors import IndexInterrupted, QueryError, SearchkitError
from ..model import COUNTS, SearchResult


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
