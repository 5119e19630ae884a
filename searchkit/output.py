"""Rendering results as text, JSON or CSV. Article text is untrusted: it is sanitised before it
reaches a terminal, and JSON is always valid (lone surrogates replaced)."""
from __future__ import annotations

import csv
import io
import json
import dataclasses
import re
import shlex
from typing import Any, Callable

import click

from .model import (TAG_FIELDS, Article, FacetValue, FirstReport, Hit, IndexSummary, MissingValue, Related,
                    SearchResult, Span, Stats, Timeline)
from .text import BIDI_CONTROLS, clean_text



def sanitize(text: str, keep_newlines: bool = False) -> str:
    """Text that is safe to print on a terminal: no escape sequences or control characters."""
    text = BIDI_CONTROLS.sub("", clean_text(text)).replace("\t", " ")
    return text if keep_newlines else " ".join(text.split())


_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # what click.style adds (article text has none left)
_HANGING = re.compile(r"( *)(\d+\. |[\w ]+: )?")


def wrap(text: str, width: int) -> str:
    """Text whose lines fit `width` columns, broken between words only (a longer word keeps its
    line); a continued line is indented under its first word ("  3. ", "places: ")."""
    return "\n".join(part for line in text.split("\n") for part in _wrap_line(line, width))


def _wrap_line(line: str, width: int) -> list[str]:
    if len(_STYLE.sub("", line)) <= width:
        return [line]
    lead, hanging = _HANGING.match(_STYLE.sub("", line)).groups()  # type: ignore[union-attr]
    indent = " " * min(len(lead) + (len(hanging) if hanging and hanging[0].isdigit() else 2 if hanging else 0),
                       width // 2)
    lines, current = [], lead
    for spaces, word in re.findall(r"( *)(\S+)", line[len(lead):]):
        candidate = current + spaces + word
        if len(_STYLE.sub("", candidate)) > width and _STYLE.sub("", current).strip():
            lines.append(current)
            candidate = indent + word
        current = candidate
    return [*lines, current]


def to_json(data: Any) -> str:
    """One line of valid JSON, UTF-8 safe even when the text holds lone surrogates."""
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8")


def _highlight(snippet: str, spans: list[Span]) -> str:
    """The snippet with its highlighted spans styled (the style is dropped when not on a terminal)."""
    out, index = [], 0
    for span in spans:
        out.append(sanitize(snippet[index:span.start], keep_newlines=True))
        out.append(click.style(sanitize(snippet[span.start:span.end], keep_newlines=True),
                               fg="yellow", bold=True))
        index = span.end
    out.append(sanitize(snippet[index:], keep_newlines=True))
    return "".join(out).replace("\n", " ")


def _facets_text(facets: dict[str, list[FacetValue]]) -> list[str]:
    lines = []
    for name, values in facets.items():
        shown = ", ".join(f"{sanitize(v.label or v.value)} ({v.count})" for v in values) or "(none)"
        lines.append(f"  {click.style(name, bold=True)}: {shown}")
    return lines


def search_text(result: SearchResult) -> str:
    lines = []
    one = result.total == 1
    what = ("story (wire copies collapsed) matches" if one else "stories (wire copies collapsed) match"
            ) if result.collapsed else ("article matches" if one else "articles match")
    if result.total == 0:
        lines.append(f"No articles match {sanitize(result.query)!s}.")
    else:
        first = (result.page - 1) * result.limit + 1
        last = first + len(result.hits) - 1
        shown = f"{first}-{last}" if result.hits else "none"
        lines.append(f"{result.total} {what} {sanitize(result.query)} "
                     f"(showing {shown}, page {result.page} of {result.pages})")
    if result.undated_left_out:
        lines.append(undated_text(result.undated_left_out))
    if result.suggestion:
        lines.append(f"Did you mean: {click.style(sanitize(result.suggestion), bold=True)}")
    for n, hit in enumerate(result.hits, (result.page - 1) * result.limit + 1):
        lines.append("")
        lines.append(f"{n:>3}. {click.style(sanitize(hit.headline) or '(no headline)', bold=True)}")
        meta = [hit.published.date().isoformat() if hit.published else "undated", sanitize(hit.source)]
        if hit.section:
            meta.append(sanitize(hit.section))
        meta.append(sanitize(hit.id))
        if hit.copies and hit.copies > 1:
            meta.append(f"{hit.copies} copies")
        if hit.first_report is not None and hit.first_report.id != hit.id:
            meta.append(f"first report: {first_report_text(hit.first_report)}")
        if hit.tags:
            meta.append("tags: " + ", ".join(sanitize(t) for t in hit.tags))
        lines.append("     " + click.style(" · ".join(meta), dim=True))
        if hit.snippet:
            lines.append("     " + _highlight(hit.snippet, hit.highlights))
        if hit.explain is not None:
            lines.append("     " + explain_text(hit))
    if result.any_words is not None:
        lines.append("")
        lines.append(any_words_text(result))
    if result.facets:
        lines.append("")
        lines.append("Facets (stories):" if result.count == "stories" else "Facets:")
        lines.extend(_facets_text(result.facets))
    return "\n".join(lines)


def any_words_text(result: SearchResult) -> str:
    """`Only 2 articles have every word; 341 have any of them: searchkit search 'oil OR opec'`."""
    assert result.any_words is not None
    one, unit = ("story", "stories") if result.collapsed else ("article", "articles")
    if result.total == 0:
        every = f"No {one} has every word"
    elif result.total == 1:
        every = f"Only 1 {one} has every word"
    else:
        every = f"Only {result.total} {unit} have every word"
    many = result.any_words.total
    command = f"searchkit search {shlex.quote(result.any_words.query)}"
    return (f"{every}; {many} {'has' if many == 1 else 'have'} any of them: "
            f"{click.style(sanitize(command), bold=True)}")


def explain_text(hit: Hit) -> str:
    """`score 25.93 = 8.23 headline:price + 6.38 headline:oil + ... + feedback (0.5 body:opec + ...)`
    (`search --explain`)."""
    def joined(kind: str) -> str:
        return " + ".join(f"{part.score:g} {part.field}:{sanitize(part.term)}"
                          for part in hit.explain or [] if part.kind == kind)

    parts, feedback = joined("word"), joined("expansion")
    if feedback:
        parts = f"{parts or '0'} + feedback ({feedback})"
    return click.style(f"score {hit.score:g} = {parts or '(no scored words)'}", dim=True)


def undated_text(left_out: int) -> str:
    """The line saying how many undated matches the date limits left out, and what to do."""
    what = "1 more article matches" if left_out == 1 else f"{left_out} more articles match"
    return (f"{what} but {'has' if left_out == 1 else 'have'} no date, so the date limits left "
            f"{'it' if left_out == 1 else 'them'} out (give a source's undated articles a date: "
            f"searchkit index FOLDER --date DATE).")


def missing_text(missing: list[MissingValue]) -> str:
    """`No article has places=brasil (did you mean brazil?).`, one line per value."""
    lines = []
    for item in missing:
        close = f" (did you mean {' or '.join(sanitize(v) for v in item.close)}?)" if item.close else ""
        lines.append(f"No article has {sanitize(str(item))}{close}.")
    return "\n".join(lines)


HIT_COLUMNS = ("id", "headline", "published", "source", "section", "people", "orgs", "places",
               "topics", "score", "snippet")


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any, excel: bool) -> str:
    """A value as CSV text: lists joined with "; ", a mapping (`extracted`) as JSON."""
    text = (to_json(value) if isinstance(value, dict) else "; ".join(value) if isinstance(value, list)
            else "" if value is None else str(value))
    return "'" + text if excel and text.startswith(_FORMULA_START) else text


def search_csv(result: SearchResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HIT_COLUMNS)
    for hit in result.hits:
        row = hit.to_dict()
        writer.writerow([_csv_cell(row[c], excel=False) for c in HIT_COLUMNS])
    return buf.getvalue().rstrip("\n")


def first_report_text(first: FirstReport, article_id: str | None = None) -> str:
    """`reuters-12 · Reuters · 1987-03-02 (this article)`: who ran a story first."""
    when = first.published.date().isoformat() if first.published else "undated"
    return " · ".join(sanitize(p) for p in (first.id, first.source, when) if p) + (
        " (this article)" if first.id == article_id else "")


def article_json(article: Article, first_report: Article | None,
                 entities: dict[str, list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """`show --json` and /api/articles: every field, `first_report` (the earliest article of
    its wire-copy cluster; the article itself when it has no copies), and `entities`: people, orgs
    and places as the archive's entities ({"value": id, "label": name}, as facets give them)."""
    return {**article.to_dict(), "first_report": FirstReport.of(first_report or article).to_dict(),
            **({"entities": entities} if entities is not None else {})}


def article_text(article: Article, first_report: FirstReport | None = None, copies: int = 0,
                 tags: list[str] | None = None, notes: str = "") -> str:
    """An article; with `first_report`, its wire-copy cluster's earliest article and `copies`
    (the other articles of the cluster); the user's `tags` and `notes`."""
    lines = [click.style(sanitize(article.headline) or "(no headline)", bold=True)]
    meta = [
        ("id", article.id), ("published", article.published.isoformat() if article.published else ""),
        ("source", article.source), ("section", article.section), ("dateline", article.dateline),
        ("url", article.url), ("authors", ", ".join(article.authors)),
        *((name, ", ".join(getattr(article, name))) for name in TAG_FIELDS),
        ("mentioned", ", ".join([*(d.isoformat() for d in article.mentioned),
                                 *article.mentioned_periods])),
        ("extracted", "; ".join(f"{k}: {', '.join(v)}" for k, v in article.extracted.items() if v)),
        ("first report", f"{first_report_text(first_report, article.id)}, of {copies + 1} wire copies"
         if first_report is not None and copies else ""),
        ("tags", ", ".join(tags or [])), ("notes", notes),
    ]
    for name, value in meta:
        if value:
            lines.append(f"{click.style(name + ':', dim=True)} {sanitize(value)}")
    lines.append("")
    lines.append(sanitize(article.body, keep_newlines=True))
    return "\n".join(lines)


def stats_text(stats: Stats) -> str:
    span = (f"{stats.date_range[0].isoformat()} to {stats.date_range[1].isoformat()}"
            if stats.date_range else "no dated articles")
    lines = [f"documents:  {stats.documents}", f"dates:      {span}",
             "index size: " + (f"{stats.size_bytes / 1e6:.1f} MB" if stats.size_bytes is not None
                               else "not known (a cluster's shards do not report it)"),
             "", "Top values:"]
    lines.extend(_facets_text({k: v for k, v in stats.facets.items() if v}))
    return "\n".join(lines)


# Skipped files named in a text summary (`--json` lists all).
SKIPPED_SHOWN = 10


def summary_text(summary: IndexSummary) -> str:
    lines = [f"added {summary.added}, updated {summary.updated}, unchanged {summary.unchanged}, "
             f"failed {summary.failed}"
             + (f" ({summary.skipped_files} other files skipped)" if summary.skipped_files else "")]
    lines.extend(f"  {sanitize(str(e))}" for e in summary.errors)
    if summary.skipped:
        shown = summary.skipped[:SKIPPED_SHOWN]
        more = len(summary.skipped) - len(shown)
        lines.append("skipped, not articles: " + ", ".join(sanitize(p) for p in shown)
                     + (f" and {more} more (--json lists them)" if more else ""))
    return "\n".join(lines)


BAR_WIDTH = 50


def timeline_text(timeline: Timeline, share: bool = False) -> str:
    """One line per period: label, a bar scaled to the largest value, and the value."""
    if not timeline.buckets:
        return f"No dated {timeline.count} match {sanitize(timeline.query)}."
    values = [b.share if share else b.count for b in timeline.buckets]
    peak = max(values) or 1
    width = max(len(b.period) for b in timeline.buckets)
    lines = [f"{sum(b.count for b in timeline.buckets)} dated {timeline.count} match "
             f"{sanitize(timeline.query)}, by {timeline.by}"
             + (" (share of all articles published in the period)" if share else "")]
    for bucket, value in zip(timeline.buckets, values):
        if not bucket.total:  # a gap in the archive, not a period in which nothing matched
            lines.append(f"{bucket.period:<{width}} {'':<{BAR_WIDTH}} (no articles in the archive)")
            continue
        bar = "█" * round(value / peak * BAR_WIDTH)
        shown = f"{value:.1%} ({bucket.count}/{bucket.total})" if share else str(bucket.count)
        lines.append(f"{bucket.period:<{width}} {bar:<{BAR_WIDTH}} {shown}")
    if timeline.undated:
        what = "matches" if timeline.count == "articles" else timeline.count
        lines.append(f"({timeline.undated} undated {what} not shown)")
    return "\n".join(lines)


def timeline_csv(timeline: Timeline) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(("period", "count", "total", "share"))
    for b in timeline.buckets:
        writer.writerow((b.period, b.count, b.total, round(b.share, 6)))
    return buf.getvalue().rstrip("\n")


def related_text(related: Related) -> str:
    if not related.entities:
        return (f"No {related.field} stand out among the {related.total} {related.count} matching "
                f"{sanitize(related.query)}.")
    width = max(len(sanitize(e.label or e.value)) for e in related.entities)
    lines = [f"{related.field} over-represented among the {related.total} {related.count} matching "
             f"{sanitize(related.query)} (of {related.documents}):",
             f"  {'value':<{width}}  {'matches':>7}  {'archive':>7}  {'G2':>9}"]
    for e in related.entities:
        lines.append(f"  {sanitize(e.label or e.value):<{width}}  {e.count:>7}  {e.background:>7}  {e.score:>9.1f}")
    return "\n".join(lines)


ARTICLE_COLUMNS = tuple(f.name for f in dataclasses.fields(Article))
USER_COLUMNS = ("tags", "notes")


def export_writer(fmt: str, stream, excel: bool = False,
                  annotate: Callable[[str], dict[str, Any]] | None = None) -> Callable[[Article], None]:
    """A function writing one article to `stream` as a JSON line or a CSV row (header first).
    `excel`: a UTF-8 byte order mark first, and cells that a spreadsheet would run as formulas
    written as text (a leading `'`). `annotate(id)`: the user's fields added to each article
    (`Archive.annotations`: `tags`, `notes`), as the last columns."""
    if fmt == "jsonl":
        def write_json(article: Article) -> None:
            row = article.to_dict() | annotate(article.id) if annotate else article.to_dict()
            stream.write(to_json(row) + "\n")
        return write_json
    if excel:
        stream.write("\ufeff")
    writer = csv.writer(stream)
    columns = (*ARTICLE_COLUMNS, *USER_COLUMNS) if annotate else ARTICLE_COLUMNS
    writer.writerow(columns)

    def write_csv(article: Article) -> None:
        row = article.to_dict() | annotate(article.id) if annotate else article.to_dict()
        writer.writerow([_csv_cell(row[c], excel) for c in columns])
    return write_csv


def entities_text(field: str, found: list, page: int, per_page: int, query: str = "*") -> str:
    """`searchkit entities`: one page of entities (`canonical.Entity`), most articles first, with
    their other spellings."""
    among = "" if query.strip() == "*" else f" in the articles matching {sanitize(query)}"
    if not found:
        return f"No {field}{among}."
    shown = found[(page - 1) * per_page:page * per_page] if per_page else found
    first = (page - 1) * per_page + 1 if per_page else 1
    lines = [f"{len(found)} {field}{among}" + (f" ({first}-{first + len(shown) - 1} shown)"
                                                 if len(shown) < len(found) else "") + ":"]
    width = len(str(shown[0].count)) if shown else 1
    for entity in shown:
        others = [a for a in entity.aliases if a != entity.label]
        also = f"  (also: {', '.join(sanitize(a) for a in others)})" if others else ""
        lines.append(f"  {entity.count:>{width}}  {sanitize(entity.label)}  [{sanitize(entity.id)}]{also}")
    return "\n".join(lines)
