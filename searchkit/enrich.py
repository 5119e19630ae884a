"""Enrichment between reading and indexing: tidy fields, find the dateline, dates mentioned in the
text, and (the [entities] work) entities extracted from the text.

Each step is a function Article -> Article; `enrich` runs them in order.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Callable

from .dates import parse_datetime
from .model import TAG_FIELDS, Article
from .text import clean_text

Step = Callable[[Article], Article]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tag_values(values: list[str]) -> list[str]:
    """Trimmed, distinct values. Commas separate values in the index, so none may contain one."""
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        v = _one_line(v.replace(",", " "))
        if v and v.casefold() not in seen:
            seen.add(v.casefold())
            out.append(v)
    return out


def tidy(article: Article) -> Article:
    """Unicode NFC without control characters or lone surrogates (Articles may come straight from
    a library user, not through a reader), one-line headline, clean distinct tag values."""
    def text(value: str) -> str:
        return unicodedata.normalize("NFC", clean_text(value))

    article.id = _one_line(text(article.id))
    article.headline = _one_line(text(article.headline))
    article.body = text(article.body).strip()
    for name in ("source", "section", "url", "dateline"):
        setattr(article, name, _one_line(text(getattr(article, name))))
    for name in (*TAG_FIELDS, "authors"):
        setattr(article, name, _tag_values([text(v) for v in getattr(article, name)]))
    return article


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
# "OSLO, March 3, 2021 - " or "LONDON, 3 March 2021 -- " at the start of the body.
_DATELINE = re.compile(
    rf"^(?P<place>[A-Z][A-Za-z.'\- ]{{1,40}}?),\s+(?P<date>{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|"
    rf"\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\s*[-\u2013\u2014]+\s*")


def find_dateline(article: Article) -> Article:
    """A leading "CITY, Date - " line gives the dateline, and the date when the source had none."""
    if article.dateline:
        return article
    m = _DATELINE.match(article.body)
    if not m:
        return article
    article.dateline = f"{m.group('place')}, {m.group('date')}"
    if article.published is None:
        try:
            article.published = parse_datetime(m.group("date"))
        except ValueError:
            pass
    return article


_MENTIONED = re.compile(
    rf"\b(?:(?P<md>{_MONTH}\s+\d{{1,2}})(?:,?\s+(?P<mdy>\d{{4}}))?|"
    rf"(?P<dm>\d{{1,2}}\s+{_MONTH})(?:\s+(?P<dmy>\d{{4}}))?|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))\b")


def find_mentioned_dates(article: Article) -> Article:
    """Days named in the text ("March 3, 1987", "3 March", "1987-03-03").

    A day without a year takes the publication year; without a publication date it is skipped.
    Relative dates ("last Tuesday") are the [entities] extractor's job.
    """
    found: set[date] = set()
    for m in _MENTIONED.finditer(article.body):
        text = m.group(0)
        if m.group("iso") is None and not (m.group("mdy") or m.group("dmy")):
            if article.published is None:
                continue
            text = f"{text} {article.published.year}"
        try:
            found.add(parse_datetime(text).date())
        except ValueError:
            continue
    article.mentioned = sorted(found)
    return article


# Entity extraction from the text plugs in here ([entities]); until then entities come from metadata.
STEPS: list[Step] = [tidy, find_dateline, find_mentioned_dates]


def enrich(article: Article, steps: list[Step] | None = None) -> Article:
    for step in STEPS if steps is None else steps:
        article = step(article)
    return article
