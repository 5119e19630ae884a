"""The `searchkit` command (a thin face over `searchkit.facade.archive.Archive`)."""

from .commands import main

__all__ = ["main"]
