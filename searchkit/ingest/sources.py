"""Readers: news files on disk -> `Article` records (or a `Problem` for what cannot be read).

Formats, detected per file (`format=` forces one):
- `text`: a plain-text article: headline on the first line, a blank line, then paragraphs.
  Files in section folders of a collection (`bbc/business/001.txt`) get the folder as their
  section (`is_section_collection`).
- `reuters`: Reuters-21578 SGML (`reut2-*.sgm`), one article per `<REUTERS>` element.
- `jsonl`: JSON Lines, one article object per line.
"""
from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..enrich.dates import parse_datetime
from ..fields import SOURCE_TAG_FIELDS
from ..model import FORMATS, Article, Problem  # noqa: F401  (FORMATS: `sources.FORMATS`, as before)
from ..text import CONTROL_CHARS, clean_text

_EXTENSIONS = {".txt": "text", ".text": "text", ".sgm": "reuters", ".sgml": "reuters",
               ".jsonl": "jsonl", ".ndjson": "jsonl"}
# Files that sit beside articles but are not articles.
_NOT_ARTICLES = re.compile(r"^(readme|license|licence|copying|changelog)\b", re.I)


@dataclass(frozen=True)
class SourceFile:
    """A file to read, with what its location tells about its articles."""

    path: Path
    format: str
    source: str
    section: str
    id_prefix: str

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


@dataclass
class Discovery:
    files: list[SourceFile]
    problems: list[Problem]
    skipped: int = 0
    # The files skipped as not articles (documentation, unknown types), by path; hidden files are
    # only counted.
    skipped_paths: list[str] = field(default_factory=list)

    def skip(self, path: str) -> None:
        self.skipped += 1
        self.skipped_paths.append(path)


def _slug(text: str) -> str:
    return re.sub(r"[^\w.]+", "-", text).strip("-") or "x"


def sniff_format(path: Path) -> str | None:
    """The format of a file: from its extension, else from its first bytes."""
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt:
        return fmt
    try:
        with open(path, "rb") as f:
            head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return None
    if head.startswith((b"<!DOCTYPE lewis", b"<REUTERS")):
        return "reuters"
    if head.startswith(b"{"):
        return "jsonl"
    return None


def _is_article_file(entry: os.DirEntry) -> bool:
    return (not entry.name.startswith(".") and not _NOT_ARTICLES.match(entry.name)
            and Path(entry.name).suffix.lower() in _EXTENSIONS)


def _entries(folder: str) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return [e for e in it if not e.name.startswith(".")]
    except OSError:
        return []


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def is_section_collection(folder: str) -> bool:
    """Whether `folder` is a collection of section folders, like `bbc/` of `business/`, `sport/`...:
    it holds no article file itself, and two or more folders that each hold plain-text articles
    and no folder, SGML or JSON Lines file. Decided by the folder's own contents, never by the
    path given to `discover`, so an article's id is the same whichever path reaches it."""
    entries = _entries(folder)
    if any(_is_article_file(e) for e in entries if not _is_dir(e)):
        return False
    sections = [e for e in entries if _is_dir(e)]
    if len(sections) < 2:  # one folder alone in another is not told apart from a plain folder
        return False
    for section in sections:
        inner = _entries(section.path)
        if any(_is_dir(e) for e in inner):
            return False
        formats = {_EXTENSIONS[Path(e.name).suffix.lower()] for e in inner if _is_article_file(e)}
        if formats != {"text"}:
            return False
    return True


def _source_file(path: Path, fmt: str, collections: dict[str, bool]) -> SourceFile:
    """The file with its source and section, from where it lies: in a section folder of a
    collection (`bbc/business/001.txt`) the collection is the source and the folder the section
    (id prefix `bbc-business`); elsewhere the file's folder is the source (`seed`)."""
    folder = Path(os.path.realpath(path.parent))
    parent = str(folder.parent)
    if parent not in collections:
        collections[parent] = folder.parent != folder and is_section_collection(parent)
    if collections[parent]:
        source, section = folder.parent.name, folder.name
    else:
        source, section = folder.name or "archive", ""
    prefix = "-".join(_slug(p) for p in (source, section) if p)
    return SourceFile(path, fmt, source, section, prefix)


def discover(paths: Iterable[str | os.PathLike], fmt: str | None = None) -> Discovery:
    """Find the files to read under `paths` (files, or folders walked recursively)."""
    found = Discovery([], [])
    seen: set[str] = set()
    collections: dict[str, bool] = {}  # folder -> whether it is a collection of section folders
    for given in paths:
        root = Path(given)
        if root.is_file() or (root.exists() and not root.is_dir()):
            file_format = fmt or sniff_format(root) or "text"
            _add(found, seen, _source_file(root, file_format, collections))
        elif root.is_dir():
            _walk(found, seen, root, fmt, collections)
        elif root.is_symlink():
            found.problems.append(Problem(str(root), "broken symbolic link"))
        else:
            found.problems.append(Problem(str(root), "no such file or folder"))
    return found


def _add(found: Discovery, seen: set[str], sf: SourceFile) -> None:
    key = os.path.realpath(sf.path)
    if key not in seen:
        seen.add(key)
        found.files.append(sf)


def _walk(found: Discovery, seen: set[str], root: Path, fmt: str | None,
          collections: dict[str, bool]) -> None:
    """Depth-first, in name order, without recursion (os.walk recurses and fails on very deep
    trees in Python 3.11); each real folder is entered once, so symlink loops end."""
    visited_dirs: set[str] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in visited_dirs:  # a symlink loop or a second link to the same folder
            continue
        visited_dirs.add(real)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            found.problems.append(Problem(str(folder), f"cannot read folder ({exc.strerror or exc})"))
            continue
        subfolders = []
        files: list[tuple[Path, str]] = []
        for entry in entries:
            if entry.name.startswith("."):
                found.skipped += 1
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append(Path(entry.path))
                continue
            if _NOT_ARTICLES.match(entry.name):
                found.skip(entry.path)
                continue
            path = Path(entry.path)
            file_format = fmt or _EXTENSIONS.get(path.suffix.lower())
            if file_format is None and path.suffix == "":
                file_format = sniff_format(path)
            if file_format is None:
                found.skip(entry.path)
                continue
            files.append((path, file_format))
        # Beside files of many articles each (Reuters SGML, JSON Lines), a text file that is not
        # shaped as an article is the collection's documentation (Reuters-21578's category lists).
        documented = fmt is None and any(f != "text" for _, f in files)
        for path, file_format in files:
            if documented and file_format == "text" and _is_documentation(path):
                found.skip(str(path))
            else:
                _add(found, seen, _source_file(path, file_format, collections))
        stack.extend(reversed(subfolders))


def _is_documentation(path: Path) -> bool:
    """Whether a text file reads as text but not as an article: its first line (a headline) is
    followed by another line, not by a blank one. Empty, binary or one-line files are not: they
    are reported as failed articles."""
    try:
        with open(path, "rb") as f:
            lines = decode(f.read(4096)).strip().splitlines()
    except (OSError, ValueError):
        return False
    return len(lines) >= 2 and bool(lines[1].strip())


# ---------------------------------------------------------------- decoding



def decode(data: bytes) -> str:
    """Bytes of a text file -> str. Raises ValueError for binary data.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are decoded as such; other bytes fall back to
    Windows-1252/Latin-1, the usual encoding of older news files (one BBC article is Latin-1).
    """
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
                       (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ValueError(f"invalid {codec} text at byte {exc.start}") from None
    if b"\x00" in data[:65536]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:65536]
    if sample and len(CONTROL_CHARS.findall(sample)) > len(sample) / 20:
        raise ValueError("binary file (not text in any known encoding)")
    return text


# An article larger than this is reported, not indexed: no real article is near it, and Whoosh would
# need gigabytes of memory to index one of this size.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def read(sf: SourceFile) -> Iterator[Article | Problem]:
    """Every article of one file, or a Problem for each file or record that cannot be read."""
    try:
        f = open(sf.path, "rb")
    except IsADirectoryError:
        yield Problem(str(sf.path), "is a folder, not a file")
        return
    except OSError as exc:
        yield Problem(str(sf.path), f"cannot read file ({exc.strerror or exc})")
        return
    with f:
        try:
            if sf.format == "jsonl":
                yield from _read_jsonl(sf, f)
                return
            size = os.fstat(f.fileno()).st_size
            if sf.format == "text" and size > MAX_ARTICLE_BYTES:
                yield Problem(str(sf.path), f"file too large for one article ({_megabytes(size)}; "
                                            f"the limit is {_megabytes(MAX_ARTICLE_BYTES)})")
                return
            data = f.read()
        except OSError as exc:
            yield Problem(str(sf.path), f"cannot read file ({exc.strerror or exc})")
            return
        reader = _read_text if sf.format == "text" else _read_reuters
        yield from reader(sf, data)


# ---------------------------------------------------------------- plain text

# Site furniture that ends the story: everything from such a line on is dropped.
_FURNITURE = re.compile(
    r"^\s*(check also|related articles?|read more|you may also like|more from this section|"
    r"share this( article)?|advertisement)\s*:?\s*$", re.I | re.M)


def parse_text_article(text: str) -> tuple[str, str]:
    """Headline and body of a plain-text article. Raises ValueError if it is not one."""
    text = clean_text(text).strip()
    if not text:
        raise ValueError("empty file")
    headline, sep, rest = text.partition("\n")
    if not rest.strip():
        raise ValueError("no body: expected a headline line, a blank line, then the article")
    if rest.split("\n", 1)[0].strip():
        raise ValueError("not an article: the first line (headline) must be followed by a blank line")
    body = rest.strip()
    cut = _FURNITURE.search(body)
    if cut:
        body = body[:cut.start()].rstrip()
    paragraphs = [re.sub(r"[ \t]*\n[ \t]*", " ", p).strip() for p in re.split(r"\n\s*\n", body)]
    return " ".join(headline.split()), "\n\n".join(p for p in paragraphs if p)


def _read_text(sf: SourceFile, data: bytes) -> Iterator[Article | Problem]:
    try:
        headline, body = parse_text_article(decode(data))
    except ValueError as exc:
        yield Problem(str(sf.path), str(exc))
        return
    if not body:
        yield Problem(str(sf.path), "no body after removing site furniture")
        return
    yield Article(id=f"{sf.id_prefix}-{_slug(sf.path.stem)}", headline=headline, body=body,
                  source=sf.source, section=sf.section, origin=str(sf.path))


# ---------------------------------------------------------------- Reuters-21578 SGML

_REUTERS_START = re.compile(r"<REUTERS\b([^>]*)>")
_REUTERS_END = "</REUTERS>"
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_TAG = {name: re.compile(rf"<{name}>(.*?)</{name}>", re.S)
        for name in ("DATE", "TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES", "COMPANIES",
                     "TITLE", "DATELINE", "BODY")}
_TEXT = re.compile(r"<TEXT\b[^>]*>(.*?)</TEXT>", re.S)
_D = re.compile(r"<D>(.*?)</D>", re.S)
_REUTERS_DATE = re.compile(r"(\d{1,2})-([A-Z]{3})-(\d{4})\s+(\d+):(\d+):(\d+)", re.I)
_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_SIGNATURE = re.compile(r"\s*\bReut(?:er|ers)?\s*$", re.I)
_ANY_TAG = re.compile(r"<[^>]+>")


def _sgml_text(raw: str) -> str:
    return clean_text(html.unescape(raw))


def _reuters_date(raw: str) -> datetime:
    """`26-FEB-1987 15:01:01.79` -> datetime. One real record has hour 605: keep the day."""
    m = _REUTERS_DATE.search(raw)
    if not m:
        return parse_datetime(raw)
    day, mon, year, hh, mi, ss = m.groups()
    if mon.upper() not in _MONTHS:
        raise ValueError(f"unknown month in date {raw.strip()!r}")
    try:
        return datetime(int(year), _MONTHS[mon.upper()], int(day), min(int(hh), 23), min(int(mi), 59),
                        min(int(ss), 59))
    except ValueError as exc:
        raise ValueError(f"impossible date {raw.strip()!r} ({exc})") from None


def _read_reuters(sf: SourceFile, data: bytes) -> Iterator[Article | Problem]:
    # Decode byte by byte so that one invalid byte (reut2-017.sgm has one) costs one character.
    text = data.decode("utf-8", errors="replace")
    path = str(sf.path)
    starts = list(_REUTERS_START.finditer(text))
    if not starts:
        yield Problem(path, "no <REUTERS> article in file")
        return
    for i, start in enumerate(starts):
        newid = _NEWID.search(start.group(1))
        record = newid.group(1) if newid else f"article {i + 1}"
        limit = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        end = text.find(_REUTERS_END, start.end(), limit)
        if end < 0:
            yield Problem(path, "truncated or malformed SGML: no </REUTERS> before the next article"
                          if i + 1 < len(starts) else "truncated SGML: file ends inside the article",
                          record)
            continue
        if not newid:
            yield Problem(path, "article has no NEWID attribute", record)
            continue
        try:
            yield _reuters_article(sf, record, text[start.end():end])
        except ValueError as exc:
            yield Problem(path, str(exc), record)


# A dateline at the start of an untagged article's line: `MEDELLIN, Colombia, June 28 - `.
_UNPROC_DATELINE = re.compile(r"^\s*([A-Z][A-Z.' -]+(?:, [A-Za-z.' -]+)*, [A-Z][a-z]{2,8}\.? \d{1,2}) - ")
# How many of an untagged article's first lines may come before its dateline ("repeat from ...").
_DATELINE_LINES = 3


def _unprocessed(text: str) -> tuple[str, str, str]:
    """Headline, dateline and body of a TYPE="UNPROC" article, whose text has no tags: its first
    line is the headline (`COLOMBIA OPTIMISTIC ON COFFEE QUOTAS`), the rest the body, which is kept
    whole; a dateline on one of the next lines is the article's dateline too."""
    first, _, rest = text.strip().partition("\n")
    headline = " ".join(first.split())
    dateline = ""
    for line in rest.split("\n")[:_DATELINE_LINES]:
        m = _UNPROC_DATELINE.match(line)
        if m:
            dateline = " ".join(m.group(1).split())
            break
    return headline, dateline, rest


def _reuters_article(sf: SourceFile, newid: str, block: str) -> Article:
    def tags(name: str) -> list[str]:
        m = _TAG[name].search(block)
        return [_sgml_text(v).strip() for v in _D.findall(m.group(1))] if m else []

    date_m = _TAG["DATE"].search(block)
    published = _reuters_date(date_m.group(1)) if date_m and date_m.group(1).strip() else None
    text_m = _TEXT.search(block)
    inner = text_m.group(1) if text_m else ""
    title_m, dateline_m, body_m = (_TAG[n].search(inner) for n in ("TITLE", "DATELINE", "BODY"))
    headline = " ".join(_sgml_text(title_m.group(1)).split()) if title_m else ""
    dateline = " ".join(_sgml_text(dateline_m.group(1)).split()).rstrip(" -") if dateline_m else ""
    if body_m:
        body = body_m.group(1)
    elif title_m or dateline_m:  # TYPE="BRIEF": a headline only
        body = ""
    else:  # TYPE="UNPROC": untagged text, see `_unprocessed`
        headline, dateline, body = _unprocessed(_sgml_text(_ANY_TAG.sub(" ", inner)))
    body = _SIGNATURE.sub("", _sgml_text(body).strip()).strip()
    if not headline and not body:
        raise ValueError("empty article: no title and no body")
    return Article(
        id=f"reuters-{newid}", headline=headline, body=body, published=published, source="reuters",
        dateline=dateline, topics=tags("TOPICS"), places=tags("PLACES"), people=tags("PEOPLE"),
        orgs=tags("ORGS"), exchanges=tags("EXCHANGES"), companies=tags("COMPANIES"),
        origin=f"{sf.path}:{newid}")


# ---------------------------------------------------------------- JSON Lines

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
                yield lineno, None, f"line too long for one article ({_megabytes(len(raw))})"
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


def _read_jsonl(sf: SourceFile, f) -> Iterator[Article | Problem]:
    path = str(sf.path)
    default_source = _slug(sf.path.stem)
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
