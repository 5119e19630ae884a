"""Readers: news files on disk -> `Article` records (or a `Problem` for what cannot be read).

Formats, detected per file (`format=` forces one):
- `text`: a plain-text article: headline on the first line, a blank line, then paragraphs.
  Files in section folders of a collection (`bbc/business/001.txt`) get the folder as their
  section (`is_section_collection`).
- `reuters`: Reuters-21578 SGML (`reut2-*.sgm`), one article per `<REUTERS>` element.
- `jsonl`: JSON Lines, one article object per line.
This module finds the files and their formats (`discover`) and reads one (`read`) with its
format's reader: `plaintext`, `reuters`, `jsonl` (what they share, decoding and limits: `textfiles`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..model import FORMATS, Article, Problem  # noqa: F401  (FORMATS: `sources.FORMATS`, as before)
from .jsonl import read_jsonl
from .plaintext import parse_text_article, read_text  # noqa: F401  (`sources.parse_text_article`, as before)
from .reuters import read_reuters
from .textfiles import MAX_ARTICLE_BYTES, decode, megabytes, slug

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
    prefix = "-".join(slug(p) for p in (source, section) if p)
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
                yield from read_jsonl(sf, f)
                return
            size = os.fstat(f.fileno()).st_size
            if sf.format == "text" and size > MAX_ARTICLE_BYTES:
                yield Problem(str(sf.path), f"file too large for one article ({megabytes(size)}; "
                                            f"the limit is {megabytes(MAX_ARTICLE_BYTES)})")
                return
            data = f.read()
        except OSError as exc:
            yield Problem(str(sf.path), f"cannot read file ({exc.strerror or exc})")
            return
        reader = read_text if sf.format == "text" else read_reuters
        yield from reader(sf, data)





