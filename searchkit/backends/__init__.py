"""Search backends behind one checked interface: `whoosh` (an index folder) and `xapian` (a
`xapian://` cluster). `Archive` opens one with `open_engine` and asks its `Capabilities`, never its
type; mypy checks each backend against the `Engine` and `Writer` Protocols (see `_BACKENDS`).
Importing this package loads no engine: a backend's module is imported when it is opened.
What both backends share: `documents` (articles as stored, hits) and `counting` (ranked facet
values); their query planning is `searchkit.querylang.plan`. Analysis (timelines, related values,
stats) is written once over `Engine.value_counts`, in `searchkit.facade.analysis`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol, Sequence

from .address import SCHEME

if TYPE_CHECKING:
    from ..model import Article, MatchSummary, Optimized, SearchOptions, SearchResult


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, for the facade to ask instead of testing types."""

    wire_copies: bool  # a local folder keeps wire-copy groups: `collapse=True` and the `cluster` field
    did_you_mean: bool  # `SearchResult.suggestion` for queries with few matches
    size: bool  # `Stats.size_bytes` is known


# The publication day as a field of `Engine.value_counts`: its values are dates (None: undated).
DAY = "day"


@dataclass
class ValueCounts:
    """What `Engine.value_counts` counted: the matches (articles, or stories), and per field the
    matches with each value; with `background`, the same over the whole archive."""

    matches: int
    counts: dict[str, Counter]
    documents: int = 0  # the archive's articles (or stories), with `background`
    background: dict[str, Counter] = field(default_factory=dict)


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
    def value_counts(self, options: SearchOptions | None, fields: Sequence[str], *, top: int = 0,
                     complete: bool = False, background: bool = False) -> ValueCounts:
        """The matches of `options` (every article when None) and, per field, how many of them
        have each value: a tag field's values (with `options.facet_labels`, its entities), `year`
        and `month` periods (`1987`, `1987-03`), `DAY` dates. With `options.count == "stories"`,
        stories (wire-copy clusters) instead of articles: a value counts the stories with a
        matching article that has it; a day, the stories whose earliest matching article is of
        that day. `top`: only the values that can rank among the `top` most frequent need exact
        counts: the others may be left out or, with `complete`, given every one with a count
        that may be approximate (`top=0`: every value, exact). `background`: the same counts over
        the whole archive too."""
        ...
    def size_bytes(self) -> int | None: ...  # None: not known (`Capabilities.size`)
    def similar(self, article_id: str, options: SearchOptions,
                exclude: Sequence[str] = ()) -> SearchResult | None: ...
    def export(self, options: SearchOptions) -> Iterator[Article]: ...
    def get(self, article_id: str) -> Article | None: ...
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


def is_address(location: object) -> bool:
    """A registered backend's address (`xapian://...`), not an index folder."""
    return isinstance(location, str) and any(location.startswith(scheme) for scheme in _BACKENDS)


def open_engine(location: Path | str, create: bool, lock_timeout: float) -> Engine:
    """The one place that picks the backend, by the address's scheme (`xapian://` -> Xapian)."""
    for scheme, opener in _BACKENDS.items():
        if isinstance(location, str) and location.startswith(scheme):
            return opener(location, create, lock_timeout)
    return _open_whoosh(location, create, lock_timeout)


__all__ = ["DAY", "Capabilities", "Engine", "ValueCounts", "Writer", "is_address", "open_engine"]
