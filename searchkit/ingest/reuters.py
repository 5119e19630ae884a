"""The `reuters` format: Reuters-21578 SGML (`reut2-*.sgm`), one article per `<REUTERS>` element."""
from __future__ import annotations

import html
import re
from datetime import datetime
from typing import TYPE_CHECKING, Iterator

from ..enrich.dates import parse_datetime
from ..model import Article, Problem
from ..text import clean_text

if TYPE_CHECKING:
    from .sources import SourceFile

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


def read_reuters(sf: SourceFile, data: bytes) -> Iterator[Article | Problem]:
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
