"""Batch search (a watchlist): many queries in one run, each summarised.

A batch file is a text file (one query a line; blank lines and `#` comments skipped) or a CSV file
(`.csv`, with a header: a `query` column, an optional `name` column, and optional per-row filter
columns `from`, `to` and any filter field such as `places` or `source`; several values of a field
in one cell are separated by `;`). A row's own `from`, `to` or field replaces the run's option for
that row. Every row is summarised by the engine in one pass over the matches (`Engine.summary`):
total, stories, first and last day, the top people, organisations and places, matches per month.
A row that cannot be read or run gets an `error`, and the others go on.

Limits: a file is read as UTF-8 (a byte order mark is allowed) and refused as a whole when it
holds binary data, no query, or more than `MAX_ROWS` queries; a query longer than
`MAX_QUERY_CHARS` fails on its own row.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import ArchiveError, QueryError
from ..model import ENTITY_FIELDS, FACET_FIELDS, Article, MatchSummary

if TYPE_CHECKING:
    from .analysis import Analysis

# One batch reads at most this many queries (larger lists: split them, or run them as several
# batches); with the file read at most MAX_FILE_BYTES, memory stays bounded.
MAX_ROWS = 10_000
MAX_QUERY_CHARS = 1_000
MAX_FILE_BYTES = 16 * 1024 * 1024
# How many values of each co-mentioned field (ENTITY_FIELDS) a row shows.
TOP = 5
_SAMPLE = 8192  # bytes looked at for binary data


class BatchFileError(ArchiveError):
    """A batch file that cannot be used at all (missing, binary, empty, too large)."""


@dataclass
class BatchQuery:
    """One row of a batch file: its line, name, query and own date range and filters."""

    line: int
    name: str
    query: str
    date_from: str | None = None
    date_to: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None  # why the row cannot be run


@dataclass
class BatchRow:
    """A row's result: its summary, or the error that stopped it."""

    line: int
    name: str
    query: str
    summary: MatchSummary | None = None
    error: str | None = None
    export: str | None = None  # the JSON Lines file its matches were written to

    @property
    def total(self) -> int:
        return self.summary.total if self.summary else 0

    def to_dict(self) -> dict[str, Any]:
        s = self.summary
        out: dict[str, Any] = {
            "line": self.line, "name": self.name, "query": self.query,
            "total": self.total, "stories": s.stories if s else None,
            "first": s.first.isoformat() if s and s.first else None,
            "last": s.last.isoformat() if s and s.last else None}
        for name in ENTITY_FIELDS:
            out[name] = [v.to_dict() for v in s.facets.get(name, [])] if s else []
        out["months"] = [{"period": m.value, "count": m.count} for m in s.months] if s else []
        out["error"] = self.error
        if self.export is not None:
            out["export"] = self.export
        return out


@dataclass
class BatchResult:
    rows: list[BatchRow]

    @property
    def matched(self) -> list[BatchRow]:
        return [r for r in self.rows if r.error is None and r.total]

    @property
    def unmatched(self) -> list[BatchRow]:
        return [r for r in self.rows if r.error is None and not r.total]

    @property
    def failed(self) -> list[BatchRow]:
        return [r for r in self.rows if r.error is not None]

    def to_dict(self) -> dict[str, Any]:
        return {"rows": [r.to_dict() for r in self.rows]}


# ------------------------------------------------------------ reading a batch file

def read_file(path: str | os.PathLike) -> list[BatchQuery]:
    """The rows of a batch file; BatchFileError (one line naming the file) if it is unusable."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise BatchFileError(f"{path}: cannot read the batch file: {exc.strerror or exc}") from None
    return read_bytes(data, str(path), as_csv=path.suffix.lower() == ".csv")


def size_text(size: int) -> str:
    """A byte limit as people write it: `16 MB`, `512 KB`."""
    return f"{size // 2**20} MB" if size >= 2**20 else f"{size // 1024} KB"


def read_bytes(data: bytes, name: str, as_csv: bool, max_bytes: int = MAX_FILE_BYTES,
               max_rows: int = MAX_ROWS) -> list[BatchQuery]:
    """The rows of a batch file's content (`name` is the file named in errors; `as_csv`: a CSV
    with a header, else one query a line); BatchFileError if it is unusable."""
    if len(data) > max_bytes:
        raise BatchFileError(f"{name}: larger than {size_text(max_bytes)}; a batch takes at most {max_rows} queries "
                             f"(split the file)")
    if b"\0" in data[:_SAMPLE]:
        raise BatchFileError(f"{name}: not a text file (binary data); a batch file has one query a "
                             f"line, or is a CSV with a 'query' column")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchFileError(f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    rows = read_csv(text, name) if as_csv else read_lines(text.splitlines())
    if not rows:
        raise BatchFileError(f"{name}: no queries in the batch file (empty, or only blank lines and "
                             f"# comments)")
    if len(rows) > max_rows:
        raise BatchFileError(f"{name}: more than {max_rows} queries; a batch takes at most "
                             f"{max_rows} (split the file)")
    return rows


def rows_of(source: str | os.PathLike | Iterable[str]) -> list[BatchQuery]:
    """A batch file's rows (a str or path is a file), or one row per query of a list."""
    if isinstance(source, (str, os.PathLike)):
        return read_file(source)
    rows = read_lines(source)
    if len(rows) > MAX_ROWS:
        raise QueryError(f"more than {MAX_ROWS} queries; a batch takes at most {MAX_ROWS}")
    return rows


def read_lines(lines: Iterable[str]) -> list[BatchQuery]:
    """One query a line (the line is its name); blank lines and `#` comments skipped."""
    rows = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text and not text.startswith("#"):
            rows.append(_checked(BatchQuery(number, text, text)))
            if len(rows) > MAX_ROWS:
                break
    return rows


_RANGE_COLUMNS = ("from", "to")


def read_csv(text: str, path: Path | str = "batch") -> list[BatchQuery]:
    """Rows of a CSV batch: `query`, optional `name`, `from`, `to` and filter-field columns."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None:
            return []
        columns = [c.strip().lower() for c in header]
        unknown = [c for c in columns if c not in ("query", "name", *_RANGE_COLUMNS, *FACET_FIELDS)]
        if "query" not in columns or unknown:
            raise BatchFileError(
                f"{path}: line 1: " + (f"unknown column {unknown[0][:40]!r}" if unknown else "no 'query' column")
                + f" (columns: query, name, from, to, or a filter field: {', '.join(FACET_FIELDS)})")
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            rows.append(_csv_row(reader.line_num, columns, values))
            if len(rows) > MAX_ROWS:
                break
        return rows
    except csv.Error as exc:
        raise BatchFileError(f"{path}: line {reader.line_num}: not valid CSV: {exc}") from None


def _csv_row(line: int, columns: list[str], values: list[str]) -> BatchQuery:
    if len(values) != len(columns):
        return BatchQuery(line, "", "", error=f"{len(values)} cells, the header has {len(columns)}")
    cells = {c: v.strip() for c, v in zip(columns, values)}
    query = cells["query"]
    row = BatchQuery(line, cells.get("name") or query, query, date_from=cells.get("from") or None,
                     date_to=cells.get("to") or None)
    for name in FACET_FIELDS:
        found = [v.strip() for v in cells.get(name, "").split(";") if v.strip()]
        if found:
            row.filters[name] = found
    return _checked(row)


def _checked(row: BatchQuery) -> BatchQuery:
    if not row.query:
        row.error = "empty query"
    elif len(row.query) > MAX_QUERY_CHARS:
        row.error = f"query longer than {MAX_QUERY_CHARS} characters"
    elif any(ord(c) < 32 for c in row.query):
        row.error = "control character in the query"
    return row


# ------------------------------------------------------------ running

def run(archive: Analysis, rows: list[BatchQuery], *, date_from: str | date | None = None,
        date_to: str | date | None = None, filters: dict[str, list[str]] | None = None,
        top: int = TOP, export: str | os.PathLike | None = None) -> BatchResult:
    """Summarise every row on `archive` (a row's own dates and fields replace the run's); with
    `export`, each matched row's articles are written to a JSON Lines file in that folder."""
    folder = _export_folder(export) if export is not None else None
    names: set[str] = set()
    out = []
    for spec in rows:
        row = BatchRow(spec.line, spec.name, spec.query, error=spec.error)
        matching: dict[str, Any] = {"date_from": spec.date_from or date_from,
                                    "date_to": spec.date_to or date_to,
                                    "filters": {**(filters or {}), **spec.filters}}
        if row.error is None:
            try:
                row.summary = archive.summary(spec.query, **matching, fields=ENTITY_FIELDS, top=top)
            except QueryError as exc:
                row.error = str(exc)
        if folder is not None and row.total:
            target = folder / f"{file_stem(spec.name, spec.line, names)}.jsonl"
            _export(archive.export(spec.query, **matching), target)
            row.export = str(target)
        out.append(row)
    return BatchResult(out)


def _export_folder(export: str | os.PathLike) -> Path:
    folder = Path(export)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"{folder}: cannot create the export folder: {exc.strerror or exc}") from None
    return folder


_UNSAFE = re.compile(r"[^\w-]+")


def file_stem(name: str, line: int, taken: set[str]) -> str:
    """A file name for a row, from its name: letters, digits, `_` and `-` only (never a path
    separator or `..`), at most 60 characters, unique among `taken` (which it joins)."""
    stem = _UNSAFE.sub("-", name.casefold()).strip("-_")[:60].strip("-_") or f"line-{line}"
    unique, n = stem, 2
    while unique in taken:
        unique, n = f"{stem}-{n}", n + 1
    taken.add(unique)
    return unique


def _export(articles: Iterable[Article], target: Path) -> None:
    """Articles as JSON Lines (as `export --format jsonl`; a lone surrogate written as `?`)."""
    try:
        with open(target, "w", encoding="utf-8", errors="replace") as f:
            for article in articles:
                f.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ArchiveError(f"{target}: cannot write the export: {exc.strerror or exc}") from None


