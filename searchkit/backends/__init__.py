"""Search backends behind one checked interface: `whoosh` (an index folder) and `xapian` (a
`xapian://` cluster). `Archive` opens one with `open_engine` and asks its `Capabilities`, never its
type; mypy checks each backend against the `Engine` and `Writer` Protocols (see `_BACKENDS`).
Importing this package loads no engine: a backend's module is imported when it is opened.
What both backends share: `documents` (articles as stored, hits) and `counting` (facets, timelines
and related values from counts); their query planning is `searchkit.querylang.plan`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol, Sequence

from .address import SCHEME

if TYPE_CHECKING:
    from ..model import Article, MatchSummary, Optimized, Related, SearchOptions, SearchResult, Stats, Timeline


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, for the facade to ask instead of testing types."""

    wire_copies: bool  # a local folder keeps wire-copy groups: `collapse=True` and the `cluster` field
    did_you_mean: bool  # `SearchResult.suggestion` for queries with few matches
    size: bool  # `Stats.size_bytes` is known


class Writer(Protocol):
    """One indexing run's writer: `add` articles, `commit` batches, then `close` (or `cancel`)."""

    def add(self, article: Article, fingerprint: str, replace: bool, cluster: str | None = None) -> None: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...
    def cancel(self) -> None: ...


class Engine(Protocol):
    """A backend as `Archive` uses it."""

    capabilities: Capabilities

    def writer(self, lock_timeout: float, procs: int = 0, segment_size: int = 0) -> Writer: ...
    def stop_workers(self) -> None: ...
    def optimize(self, lock_timeout: float) -> Optimized: ...
    def read_fingerprints(self, fill: Callable[[Iterable[tuple[str, str]]], None]) -> None: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...
    def search(self, options: SearchOptions) -> SearchResult: ...
    def timeline(self, options: SearchOptions, by: str) -> Timeline: ...
    def related(self, options: SearchOptions, field: str, top: int) -> Related: ...
    def similar(self, article_id: str, options: SearchOptions,
                exclude: Sequence[str] = ()) -> SearchResult | None: ...
    def export(self, options: SearchOptions) -> Iterator[Article]: ...
    def get(self, article_id: str) -> Article | None: ...
    def stats(self, top: int) -> Stats: ...
    def summary(self, options: SearchOptions, fields: tuple[str, ...], top: int) -> MatchSummary: ...
    # What changes with every commit to the index (marshal-able), to tell when tables made from
    # its values (`curation.CuratedEntities`) are stale; cheap: asked before each search.
    def generation(self) -> tuple: ...


Opener = Callable[[Path | str, bool, float], Engine]


def _open_whoosh(location: Path | str, create: bool, lock_timeout: float) -> Engine:
    from .whoosh.engine import WhooshEngine  # noqa: PLC0415  (lazy: `searchkit` loads no engine)
    return WhooshEngine(Path(location), create=create)


def _open_xapian(location: Path | str, create: bool, lock_timeout: float) -> Engine:
    from .xapian.engine import XapianEngine  # noqa: PLC0415  (lazy: only clusters load xapian)
    # It waits for the shards' write locks when emptying them (`clear`).
    return XapianEngine(str(location), lock_timeout=lock_timeout)


# Address scheme -> opener; an address without a registered scheme is a Whoosh index folder.
_BACKENDS: dict[str, Opener] = {SCHEME: _open_xapian}


def open_engine(location: Path | str, create: bool, lock_timeout: float) -> Engine:
    """The one place that picks the backend, by the address's scheme (`xapian://` -> Xapian)."""
    for scheme, opener in _BACKENDS.items():
        if isinstance(location, str) and location.startswith(scheme):
            return opener(location, create, lock_timeout)
    return _open_whoosh(location, create, lock_timeout)


__all__ = ["Capabilities", "Engine", "Writer", "open_engine"]
