"""The `jsonl` format: JSON Lines, one article object per line (a bad line is a Problem naming it;
the others are read)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterator

from ..enrich.dates import parse_datetime
from ..fields import SOURCE_TAG_FIELDS
from ..model import Article, Problem
from ..text import clean_text
from .textfiles import MAX_ARTICLE_BYTES, decode, megabytes, slug

if TYPE_CHECKING:
    from .sources import SourceFile

_JSON_TEXT = ("id", "headline", "body", "source", "section", "url", "dateline")
_JSON_LISTS = ("authors", *SOURCE_TAG_FIELDS)


_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16/32: lines cannot be split on the byte b"\n"


def _jsonl_lines(f) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, problem) per non-blank line, read one line at a time (a JSON Lines file
    may be far larger than memory). Lines split on b"\n" only: JSON strings may hold U+2028."""
    head = f.read(8192)
    f.seek(0)
    if head.startswith(_WIDE_BOMS):
        lines = enumerate(decode(f.read()).split("\n"), 1)
    else:
        if b"\x00" in head:
            raise ValueError("binary file (contains NUL bytes)")
        lines = enumerate(f, 1)
    for lineno, raw in lines:
        if isinstance(raw, bytes):
            if len(raw) > MAX_ARTICLE_BYTES:
                yield lineno, None, f"line too long for one article ({megabytes(len(raw))})"
                continue
            if lineno == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                raw = decode(raw)
            except ValueError as exc:
                yield lineno, None, str(exc)
                continue
        if raw.strip():
            yield lineno, raw, None


def read_jsonl(sf: SourceFile, f) -> Iterator[Article | Problem]:
    path = str(sf.path)
    default_source = slug(sf.path.stem)
    seen_any = False
    try:
        for lineno, line, problem in _jsonl_lines(f):
            seen_any = True
            record = f"line {lineno}"
            if problem:
                yield Problem(path, problem, record)
                continue
            assert line is not None  # (a line without a problem has its text)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Problem(path, f"invalid JSON ({exc.msg} at column {exc.colno})", record)
                continue
            except RecursionError:
                yield Problem(path, "invalid JSON (nested too deeply)", record)
                continue
            try:
                yield _json_article(obj, default_source, f"{path}:{record}")
            except ValueError as exc:
                yield Problem(path, str(exc), record)
    except ValueError as exc:
        yield Problem(path, str(exc))
        return
    if not seen_any:
        yield Problem(path, "empty file")


def _json_article(obj: object, default_source: str, origin: str) -> Article:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    fields: dict[str, Any] = {}  # Article's keyword arguments
    if "headline" not in obj and isinstance(obj.get("title"), str):
        obj = {**obj, "headline": obj["title"]}
    if "body" not in obj and isinstance(obj.get("text"), str):
        obj = {**obj, "body": obj["text"]}
    for name in _JSON_TEXT:
        value = obj.get(name)
        if value is None:
            continue
        if name == "id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError(f"field {name!r} must be a string, got {type(value).__name__}")
        fields[name] = clean_text(value)
    for name in _JSON_LISTS:
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"field {name!r} must be a list of strings")
        fields[name] = [clean_text(v) for v in value]
    if not str(fields.get("id", "")).strip():
        raise ValueError("missing 'id'")
    fields["id"] = str(fields["id"]).strip()
    if not (fields.get("headline") or fields.get("body")):
        raise ValueError("empty article: no headline and no body")
    raw_date = obj.get("published", obj.get("date"))
    published = None
    if raw_date not in (None, ""):
        if not isinstance(raw_date, str):
            raise ValueError(f"date must be a string, got {type(raw_date).__name__}")
        published = parse_datetime(raw_date)
    fields.setdefault("source", default_source)
    return Article(**fields, published=published, origin=origin)
