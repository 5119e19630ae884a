"""Running a query on a Whoosh searcher: exact totals, sorting, paging, facets and snippets."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Iterable

from whoosh import highlight, query, sorting
from whoosh.searching import Searcher

from .model import Article, FacetValue, Hit, Span
from .schema import day_from_number

SORTS = ("relevance", "newest", "oldest")
_NO_DATE_LAST = 2 ** 32  # sort key of an undated article when sorting oldest first


def _tags(value: str | None) -> list[str]:
    """Tag values as indexed, stored and kept in the column: one comma-joined string."""
    return [v for v in value.split(",") if v] if value else []


_DATE_FACETS = {"year": "%Y", "month": "%Y-%m"}


class FacetColumns:
    """Per-document facet values, read once per segment from the index's columns and kept.

    Whoosh's `groupedby` rebuilds a document -> values map from all postings on every query; reading
    the sortable column once per segment and counting over the matched documents is ~10x cheaper.
    """

    def __init__(self) -> None:
        self._segments: dict[tuple[str, str], list] = {}
        self._global: dict[tuple[str, tuple], list] = {}

    def values(self, searcher: Searcher, column: str) -> list:
        """A list indexed by global document number: a tuple of tag values, or for the `date`
        column the day number (0 when undated)."""
        # An empty index has one leaf without a segment (and without columns).
        leaves = [r for r, _ in searcher.reader().leaf_readers() if r.segment() is not None]
        segment_ids = tuple(r.segment().segment_id() for r in leaves)
        key = (column, segment_ids)
        if key not in self._global:
            # Forget what belonged to segments that merges have since removed.
            self._segments = {k: v for k, v in self._segments.items() if k[0] in segment_ids}
            self._global = {k: v for k, v in self._global.items() if k[1] == segment_ids}
            self._global[key] = [v for reader in leaves for v in self._segment_values(reader, column)]
        return self._global[key]

    def _segment_values(self, reader, column: str) -> list:
        key = (reader.segment().segment_id(), column)
        if key not in self._segments:
            raw = reader.column_reader(column, translate=True)
            if column == "date":
                self._segments[key] = [day if day > 0 else 0 for day in raw]
            else:
                self._segments[key] = [tuple(_tags(value)) for value in raw]
        return self._segments[key]

    def count(self, searcher: Searcher, fieldname: str, docnums: Iterable[int], top: int) -> list[FacetValue]:
        counts: Counter = Counter()
        if fieldname in _DATE_FACETS:
            days = self.values(searcher, "date")
            fmt = _DATE_FACETS[fieldname]
            for day, n in Counter(days[d] for d in docnums).items():
                if day:
                    counts[day_from_number(day).strftime(fmt)] += n
        else:
            values = self.values(searcher, fieldname)
            for d in docnums:
                counts.update(values[d])
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:top or None]
        if fieldname in _DATE_FACETS:
            ranked.sort()  # periods read best in time order
        return [FacetValue(v, n) for v, n in ranked]


class SnippetFormatter(highlight.Formatter):
    """Returns (text, [Span]) instead of markup, so each output format can render highlights."""

    between = " … "

    def format(self, fragments, replace=False):
        text_parts: list[str] = []
        spans: list[Span] = []
        length = 0
        for i, fragment in enumerate(fragments):
            if i:
                text_parts.append(self.between)
                length += len(self.between)
            source = fragment.text
            index = fragment.startchar
            for t in sorted(fragment.matches, key=lambda tok: (tok.startchar, -tok.endchar)):
                if t.startchar is None or t.startchar < index:
                    continue
                before = source[index:t.startchar]
                word = source[t.startchar:t.endchar]
                text_parts.append(before)
                length += len(before)
                spans.append(Span(length, length + len(word)))
                text_parts.append(word)
                length += len(word)
                index = t.endchar
            rest = source[index:fragment.endchar]
            text_parts.append(rest)
            length += len(rest)
        return _collapse_whitespace("".join(text_parts), spans)


def _collapse_whitespace(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Collapse runs of whitespace (Reuters bodies are wrapped) while keeping spans aligned."""
    out: list[str] = []
    mapping: list[int] = []  # old index -> new index
    prev_space = False
    for ch in text:
        mapping.append(len(out))
        if ch.isspace():
            if not prev_space:
                out.append(" ")
            prev_space = True
        else:
            out.append(ch)
            prev_space = False
    mapping.append(len(out))
    return "".join(out).strip(), [Span(mapping[s.start], mapping[s.end]) for s in spans]


def _lead(text: str, chars: int = 240) -> str:
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text.rfind(" ", 0, chars)
    return text[:cut if cut > 0 else chars] + " …"


def _parse_published(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def stored_to_article(fields: dict) -> Article:
    return Article(
        id=fields["id"], headline=fields.get("headline", ""), body=fields.get("body", ""),
        published=_parse_published(fields.get("published")), source=fields.get("source", ""),
        section=fields.get("section", ""), url=fields.get("url", ""), dateline=fields.get("dateline", ""),
        authors=list(fields.get("authors") or []), people=_tags(fields.get("people")),
        orgs=_tags(fields.get("orgs")), places=_tags(fields.get("places")),
        countries=_tags(fields.get("countries")),
        mentioned_periods=list(fields.get("mentioned_periods") or []),
        extracted={k: list(v) for k, v in (fields.get("extracted") or {}).items()},
        topics=_tags(fields.get("topics")), exchanges=_tags(fields.get("exchanges")),
        companies=_tags(fields.get("companies")),
        mentioned=[day_from_number(n) for n in fields.get("mentioned") or []],
        origin=fields.get("origin", ""))


def sort_facet(sort: str):
    if sort == "relevance":
        return None
    if sort == "newest":
        return sorting.MultiFacet([sorting.FieldFacet("date", reverse=True), sorting.FieldFacet("id")])
    undated_last = sorting.TranslateFacet(lambda day: day if day > 0 else _NO_DATE_LAST, sorting.FieldFacet("date"))
    return sorting.MultiFacet([undated_last, sorting.FieldFacet("id")])


def run(searcher: Searcher, q: query.Query, *, filter_q: query.Query | None, facets: Iterable[str],
        facet_columns: FacetColumns, sort: str, limit: int, page: int, facet_top: int = 10,
        snippets: bool = True) -> tuple[int, list[Hit], dict[str, list[FacetValue]]]:
    """Total, the hits of one page, and facet counts over every match."""
    matched = query.And([q, filter_q]) if filter_q is not None else q
    docset = set(searcher.docs_for_query(matched))
    total = len(docset)
    facet_counts = {name: facet_columns.count(searcher, name, docset, facet_top) for name in facets}
    hits: list[Hit] = []
    start = (page - 1) * limit
    if total and limit and start < total:
        results = searcher.search(q, filter=docset, limit=start + limit, sortedby=sort_facet(sort),
                                  terms=snippets)
        results.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
        results.formatter = SnippetFormatter()
        for hit in results[start:start + limit]:
            article = stored_to_article(hit.fields())
            snippet, spans = "", []
            if snippets and article.body:
                snippet, spans = hit.highlights("body", text=article.body, top=2)
            if not snippet:
                snippet = _lead(article.body)
            hits.append(Hit(
                id=article.id, headline=article.headline, published=article.published,
                source=article.source, section=article.section, people=article.people,
                orgs=article.orgs, places=article.places, topics=article.topics,
                score=round(float(hit.score), 4) if sort == "relevance" else None,
                snippet=snippet, highlights=spans))
    return total, hits, facet_counts


def all_docnums(searcher: Searcher) -> list[int]:
    return list(searcher.docs_for_query(query.Every()))

