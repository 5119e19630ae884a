"""A batch's rows as text (with a per-month sparkline) or CSV. Names and queries come from the
user's file and values from articles: sanitised for the terminal."""
from __future__ import annotations

import csv
import io

from ..facade.batch import ENTITY_FIELDS, BatchResult, BatchRow
from ..model import FacetValue
from ..output import _csv_cell, sanitize

SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 60  # marks at most: a longer run of months is drawn several months a mark


def month_sums(months: list[FacetValue], width: int = SPARK_WIDTH) -> tuple[list[int], int]:
    """The matches of each mark: a month each, or `step` months each when there are more months
    than `width`. Returns the sums and `step` (the text sparkline and the web page's SVG)."""
    step = -(-len(months) // width) if months else 1
    return [sum(m.count for m in months[i:i + step]) for i in range(0, len(months), step)], step


def sparkline(months: list[FacetValue], width: int = SPARK_WIDTH) -> tuple[str, int]:
    """One mark per month (per `step` months when there are more than `width`), the tallest the
    busiest; a space for none. Returns the line and `step`."""
    sums, step = month_sums(months, width)
    peak = max(sums, default=0) or 1
    return "".join(SPARKS[min(len(SPARKS) - 1, (n * len(SPARKS) - 1) // peak)] if n else " "
                   for n in sums), step


def _values(values: list[FacetValue]) -> str:
    return ", ".join(f"{sanitize(v.label or v.value)} ({v.count})" for v in values)


def _row_text(row: BatchRow) -> list[str]:
    s = row.summary
    assert s is not None
    stories = f", {s.stories} {'story' if s.stories == 1 else 'stories'}" if s.stories is not None else ""
    dates = f", {s.first} to {s.last}" if s.first else ", undated"
    lines = [f"line {row.line}: {sanitize(row.name)}: {row.total} "
             f"{'article' if row.total == 1 else 'articles'}{stories}{dates}"]
    if s.months:
        spark, step = sparkline(s.months)
        per = "month" if step == 1 else f"{step} months"
        lines.append(f"  {spark}  (a mark per {per}, {s.months[0].value} to {s.months[-1].value})")
    for name in ENTITY_FIELDS:
        if s.facets.get(name):
            lines.append(f"  {name}: {_values(s.facets[name])}")
    if row.export:
        lines.append(f"  exported to {sanitize(row.export)}")
    return lines


def batch_text(result: BatchResult) -> str:
    """Matched rows and failed rows in file order, then the rows without a match together."""
    lines = []
    for row in result.rows:
        if row.error is not None:
            lines.append(f"line {row.line}: {sanitize(row.name) or '(no query)'}: error: {sanitize(row.error)}")
        elif row.total:
            lines += _row_text(row)
    unmatched = result.unmatched
    if unmatched:
        lines.append(f"No match ({len(unmatched)}): "
                     + "; ".join(f"line {r.line}: {sanitize(r.name)}" for r in unmatched))
    return "\n".join(lines)


BATCH_COLUMNS = ("line", "name", "query", "total", "stories", "first", "last", *ENTITY_FIELDS,
                 "months", "error")


def batch_csv(result: BatchResult) -> str:
    """One CSV row per batch row; tag values as `value (count)` joined by "; ", months as
    `period:count`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(BATCH_COLUMNS)
    for row in result.rows:
        data = row.to_dict()
        for name in ENTITY_FIELDS:
            data[name] = [f"{v.get('label', v['value'])} ({v['count']})" for v in data[name]]
        data["months"] = [f"{m['period']}:{m['count']}" for m in data["months"]]
        writer.writerow([_csv_cell(data[c], excel=False) for c in BATCH_COLUMNS])
    return buf.getvalue().rstrip("\n")
