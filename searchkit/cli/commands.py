"""The `searchkit` command: a thin layer over `Archive` that parses options and prints.

Results go to stdout; progress, warnings and errors to stderr. Exit codes: 0 success, 1 failure,
2 usage error (bad option, query, date or filter).
"""
from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="searchkit")
def main():
    """Full-text search for news archives.

    \b
    Example:
      searchkit index examples/archive
      searchkit search "oil prices" --facet places
    """


# The commands, registered on `main` by concern (`options` holds what they share).
from . import admin_commands, explore_commands, search_commands  # noqa: E402,F401
from . import workflow_commands as workflow_cli  # noqa: E402,F401  (registers tag, tags, note, notes, save, saved, unsave, watch)
