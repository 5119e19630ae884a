"""Records shared by every part of searchkit: articles, search results, index summaries.

Nothing here knows about the search engine, so the CLI, the output module and any backend can use it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

# The field lists, declared in the field registry (`searchkit.fields`) and imported from here by
# the faces: tag fields, the named entities, what extraction adds to, what a user can facet on.
from .fields import ENTITY_FIELDS, EXTRACTED_FIELDS, FACET_FIELDS, TAG_FIELDS  # noqa: F401

# Orders of search results, and the periods a timeline can count by.
SORTS = ("relevance", "newest", "oldest")
# "Few matches": a search finding fewer articles gets a did-you-mean suggestion and, for an
# all-words query, the any-word offer (`SearchResult.suggestion`, `SearchResult.any_words`).
FEW_MATCHES = 5
PERIODS = ("year", "month", "week", "day")
# Source formats `add` reads (`sources`).
FORMATS = ("text", "reuters", "jsonl")
# What facet, timeline and related counts count: articles, or stories (wire-copy clusters).
COUNTS = ("articles", "stories")
# How relevance orders the matches; what each does is `querylang.ranking.RANKINGS` (which loads Whoosh).
RANKING_NAMES = ("plain", "feedback")
DEFAULT_RANKING = "plain"
# Facets and filters on the user's own data (`searchkit.facade.userdata`), counted by `Archive`, not the engine.
USER_FACETS = ("tags",)


@dataclass
class Article:
    """One news article, as read from a source file and enriched before indexing."""

    id: str
    headline: str = ""
    body: str = ""
    published: datetime | None = None  # a date or an ISO string is converted (`__post_init__`)
    source: str = ""
    section: str = ""
    url: str = ""
    dateline: str = ""
    authors: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    # Countries of the places (a city counts toward its country), as place codes (`usa`, `uk`).
    countries: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    # Days named in the text, explicitly or relative to the publication date.
    mentioned: list[date] = field(default_factory=list)
    # Months ("1987-03") and years ("1985") named in the text without a day.
    mentioned_periods: list[str] = field(default_factory=list)
    # What entity extraction found in the text, per field (people, orgs, places, countries). The
    # fields above hold the source's own tags followed by these; a value that is in a field but not
    # here came from the source only.
    extracted: dict[str, list[str]] = field(default_factory=dict)
    # Where the article came from: "path" or "path:record". Not part of its identity.
    origin: str = ""

    def __post_init__(self) -> None:
        # A library user may give the date as text or as a date: stored as a naive datetime.
        published = self.published
        if published is None or type(published) is datetime:
            return
        if isinstance(published, str):
            from .enrich.dates import parse_datetime  # noqa: PLC0415
            try:
                self.published = parse_datetime(published) if published.strip() else None
            except ValueError as exc:
                raise ValueError(f"Article {self.id!r}: published {published!r}: {exc}") from None
        elif isinstance(published, datetime):
            self.published = published
        elif isinstance(published, date):
            self.published = datetime(published.year, published.month, published.day)
        else:
            raise TypeError(f"Article {self.id!r}: published must be a datetime, a date or an ISO 8601 "
                            f"string such as '2021-03-02', got {type(published).__name__}")

    @property
    def entities(self) -> list[str]:
        """People, organisations and places together (the combined `entities` field)."""
        return [value for name in ENTITY_FIELDS for value in getattr(self, name)]

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready values (dates as ISO 8601 strings). Not `dataclasses.asdict`:
        its deep copy through every value was most of the cost of an article's fingerprint."""
        out: dict[str, Any] = {}
        for name in _ARTICLE_FIELDS:
            value = getattr(self, name)
            out[name] = (list(value) if type(value) is list else
                         {k: list(v) for k, v in value.items()} if type(value) is dict else value)
        out["published"] = self.published.isoformat() if self.published else None
        out["mentioned"] = [d.isoformat() for d in self.mentioned]
        return out


_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))


@dataclass
class Problem:
    """A file or record that could not be indexed, and why."""

    path: str
    reason: str
    record: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.record}" if self.record is not None else self.path
        return f"{where}: {self.reason}"


MAX_ERRORS_PER_FILE = 100


@dataclass
class IndexSummary:
    """What one `Archive.add` run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped_files: int = 0
    # The files skipped because they are not articles (hidden files are only counted).
    skipped: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    _per_file: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def failed_paths(self) -> list[str]:
        """The files (or other origins) with at least one problem."""
        return list(self._per_file)

    def report(self, problem: Problem) -> None:
        """Count a failure; list at most MAX_ERRORS_PER_FILE of one file's (a file of a million bad
        lines would otherwise make a summary of a million lines), then one line for the rest."""
        self.failed += 1
        shown = self._per_file.get(problem.path, 0)
        self._per_file[problem.path] = shown + 1
        if shown < MAX_ERRORS_PER_FILE:
            self.errors.append(problem)
        elif shown == MAX_ERRORS_PER_FILE:
            self.errors.append(Problem(problem.path, "more problems in this file are not listed"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped_files": self.skipped_files,
            "skipped": self.skipped,
            "errors": [dataclasses.asdict(e) for e in self.errors],
        }


@dataclass
class Span:
    """A highlighted stretch of a snippet: characters [start, end)."""

    start: int
    end: int


@dataclass
class ScorePart:
    """One part of a hit's relevance score (`explain=True`): a searched word in one field, or a
    word that feedback added (`expansion`, ranking `feedback`)."""

    field: str
    term: str  # as indexed (stemmed in headline and body)
    score: float
    kind: str = "word"  # or "expansion"


@dataclass
class Hit:
    """One search result."""
    id: str
    headline: str
    published: datetime | None
    source: str
    section: str
    people: list[str]
    orgs: list[str]
    places: list[str]
    topics: list[str]
    score: float | None  # BM25F relevance; None when sorted by date (no score is computed)
    snippet: str
    highlights: list[Span] = field(default_factory=list)
    # Set by a collapsed search only: the wire-copy cluster and how many matches it holds.
    cluster: str | None = None
    copies: int | None = None
    # Set by a collapsed search only: the cluster's earliest article (its first report).
    first_report: FirstReport | None = None
    # Set by a search with `explain=True`: the parts of `score`.
    explain: list[ScorePart] | None = None
    # The user's tags and note on the article (`Archive.tag`, `Archive.note`).
    tags: list[str] = field(default_factory=list)
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["published"] = self.published.isoformat() if self.published else None
        out["highlights"] = [[s.start, s.end] for s in self.highlights]
        if self.copies is None:
            del out["cluster"], out["copies"], out["first_report"]
        elif self.first_report is not None:
            out["first_report"] = self.first_report.to_dict()
        if self.explain is None:
            del out["explain"]
        return out


@dataclass
class FirstReport:
    """The earliest published article of a wire-copy cluster: who ran the story first."""

    id: str
    source: str
    published: datetime | None

    @classmethod
    def of(cls, article: Article) -> FirstReport:
        return cls(article.id, article.source, article.published)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source,
                "published": self.published.isoformat() if self.published else None}


@dataclass
class FacetValue:
    value: str
    count: int
    # The display name of an entity (people, orgs, places), whose `value` is its id (`canonical`).
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "count": self.count}
        if self.label is not None:
            out["label"] = self.label
        return out


@dataclass
class MissingValue:
    """A filter value (`places=brasil`) or a tag value in a query (`places:brasil`) that no article
    has, with close values of its field that articles do have."""

    fieldname: str
    value: str
    in_query: bool
    close: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.fieldname}{':' if self.in_query else '='}{self.value}"


@dataclass
class AnyWords:
    """The any-word form of an all-words query that found few articles, and how many it finds."""

    query: str  # `w1 OR w2 ...`
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total}


@dataclass
class SearchResult:
    """A page of hits, the exact total, and facet counts over all matches."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # A corrected query from the index's vocabulary when this one finds few or no articles.
    suggestion: str | None = None
    # The same words joined by OR when this all-words query finds few articles and that finds more
    # (`querylang.anywords`): offered, never applied.
    any_words: AnyWords | None = None
    # True when wire copies were collapsed: `total` then counts clusters, not articles.
    collapsed: bool = False
    # "stories": the facet counts are of wire-copy clusters instead of articles
    count: str = "articles"
    # Articles that match but have no date, left out by the date limits (`date_from`/`date_to`,
    # year and month filters): they would be in the matches without those limits.
    undated_left_out: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values]
                       for name, values in self.facets.items()},
            "suggestion": self.suggestion,
            "any_words": self.any_words.to_dict() if self.any_words else None,
            **({"count": self.count} if self.count != "articles" else {}),
            "undated_left_out": self.undated_left_out,
        }


@dataclass
class TimelineBucket:
    period: str  # 1987, 1987-03, 1987-W10 (ISO week) or 1987-03-02
    count: int  # matching articles published in the period
    total: int  # all articles published in the period

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0


@dataclass
class Timeline:
    """Matching articles per period, every period from the first match to the last."""

    query: str
    by: str
    buckets: list[TimelineBucket]
    undated: int = 0  # matching articles without a date (in no bucket)
    # "stories": counts are wire-copy clusters, each in the period of its earliest matching article
    count: str = "articles"

    def to_dict(self) -> dict[str, Any]:
        out = {"query": self.query, "by": self.by,
               "buckets": [{"period": b.period, "count": b.count, "total": b.total,
                            "share": round(b.share, 6)} for b in self.buckets]}
        if self.count != "articles":
            out["count"] = self.count
        return out


@dataclass
class RelatedEntity:
    value: str
    count: int  # matching articles with this value
    background: int  # articles in the whole archive with this value
    score: float  # log-likelihood G² of the over-representation
    # The display name of an entity (people, orgs, places), whose `value` is its id (`canonical`).
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        if self.label is None:
            del out["label"]
        return out


@dataclass
class Related:
    query: str
    field: str
    total: int  # matching articles
    documents: int  # articles in the archive
    entities: list[RelatedEntity]
    # "stories": every count above is of wire-copy clusters instead of articles
    count: str = "articles"

    def to_dict(self) -> dict[str, Any]:
        out = {"query": self.query, "field": self.field,
               "entities": [e.to_dict() for e in self.entities]}
        if self.count != "articles":
            out["count"] = self.count
        return out


@dataclass
class Stats:
    documents: int
    date_range: tuple[date, date] | None
    size_bytes: int | None  # None: not known (a Xapian cluster)
    facets: dict[str, list[FacetValue]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "date_range": [d.isoformat() for d in self.date_range] if self.date_range else None,
            "size_bytes": self.size_bytes,
            "facets": {name: [v.to_dict() for v in values]
                       for name, values in self.facets.items()},
        }


@dataclass
class SearchOptions:
    """Everything a search asks for, independent of the engine that answers it."""

    query: str
    date_from: date | None = None
    date_to: date | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    sort: str = "relevance"
    limit: int = 10
    page: int = 1
    facet_top: int = 10
    snippets: bool = True
    collapse: bool = False
    # A facet's values as its canonical entities (`canonical.FieldTable`): a document's tuple of
    # values -> the entity ids to count for it.
    facet_labels: dict[str, Callable[[tuple], tuple]] = field(default_factory=dict)
    # For a field value written in the query (`people:volcker`): every spelling of its entity.
    tag_spellings: dict[str, Callable[[str], list[str]]] = field(default_factory=dict)
    count: str = "articles"  # or "stories": facets, timelines and related values count clusters
    explain: bool = False
    ranking: str = DEFAULT_RANKING  # a name in RANKING_NAMES
    # The article ids of each user tag named by `tag:` in the query or a `tags` filter.
    tagged: dict[str, frozenset[str]] = field(default_factory=dict)
    # Only these articles (None: no restriction), e.g. those first indexed since a saved search ran.
    only_ids: frozenset[str] | None = None


@dataclass
class MatchSummary:
    """What the matches of one query add up to (a row of `Archive.batch`)."""

    total: int  # matching articles
    stories: int | None  # their wire-copy clusters; None where the backend keeps none (a cluster)
    first: date | None  # the earliest publication day among them
    last: date | None
    facets: dict[str, list[FacetValue]]  # the top values of each field asked for
    months: list[FacetValue]  # matches per month ("1987-03"), every month from first to last


@dataclass
class Optimized:
    """What `Archive.optimize` did: the index's segments before and after, and its articles."""

    segments_before: int
    segments: int
    documents: int
    merged: bool  # False: already one segment without deleted documents (or empty)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
