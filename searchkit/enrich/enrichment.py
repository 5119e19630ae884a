"""Enrichment between reading and indexing: tidy fields, find the dateline, dates mentioned in the
text, and entities extracted from the text (`searchkit.enrich.entities`).

Each step is a function Article -> Article; `enrich` runs them in order.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta
from typing import Callable

from . import entities
from .dates import parse_datetime
from ..model import EXTRACTED_FIELDS, TAG_FIELDS, Article
from ..text import clean_text

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


# Each pattern starts with a lookahead for the first letters its matches can start with: the
# engine then tries the alternatives at few places (the same matches, in half and 4/5 the time).
_MENTIONED = re.compile(
    rf"(?=[JFMASOND\d])\b(?:(?P<md>{_MONTH}\s+\d{{1,2}})(?:,?\s+(?P<mdy>\d{{4}}))?|"
    rf"(?P<dm>\d{{1,2}}\s+{_MONTH})(?:\s+(?P<dmy>\d{{4}}))?|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))\b")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
# Relative days, and months and years without a day. A bare year needs a word before it that makes
# it a time ("in 1985", "since 1980", "fiscal 1986"), so that amounts such as "1985 tonnes" are not.
_RELATIVE = re.compile(
    r"(?=[YyTtLlNnoJFMASODIisubfdemBa])"
    r"\b(?:(?P<rel>[Yy]esterday|[Tt]oday|[Tt]omorrow)|(?P<which>[Ll]ast|[Nn]ext|[Tt]his|on)\s+"
    r"(?P<wd>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)|(?P<pwhich>[Ll]ast|[Nn]ext|[Tt]his)\s+"
    r"(?P<unit>week|month|year)|"
    rf"(?P<mon>{_MONTH})(?:\s+(?P<mony>\d{{4}})\b|(?!\s*\d))|"
    r"(?:[Ii]n|[Ss]ince|until|by|from|[Dd]uring|for|of|end-|mid-|fiscal|year|[Bb]efore|[Aa]fter|through|"
    r"to|and|early|late)\s?(?<=[\s-])(?P<year>(?:19|20)\d\d)(?![\d,.]\d|\s*(?:pct|percent|tonnes|dlrs|mln|billion|shares)\b))")


# Words in a date's sentence that place a month or day without a year before or after publication.
_PAST_WORDS = re.compile(r"\b(?:since|ago|earlier|was|were|had|has been|have been|rose|fell|ended|began|"
                         r"increased|decreased|declined|totalled|totaled|averaged)\b", re.IGNORECASE)
_FUTURE_WORDS = re.compile(r"\b(?:will|shall|until|till|next|expected|due|scheduled|planned|plans?|set for|"
                           r"forecast|projected|starting|beginning)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;]\s")


def _year_of(text: str, start: int, end: int, month: int, day: int | None, pub: date) -> int:
    """The year of a month (or a day) written without one: the occurrence nearest the publication
    that the words of its sentence allow ("since October" in March 1987 is October 1986, "will
    open in October" is October 1987). "since" right before it is decisive; else the tense of the
    sentence, when it says only one thing; else the nearest occurrence (the earlier on a tie)."""
    head = text[max(0, start - 80):start]
    cut = [m.end() for m in _SENTENCE_END.finditer(head)]
    head = head[cut[-1]:] if cut else head
    tail = text[end:end + 80]
    stop = _SENTENCE_END.search(tail)
    sentence = head + " " + (tail[:stop.start()] if stop else tail)
    if re.search(r"\bsince\s+(?:early\s+|late\s+|mid-?)?$", head, re.IGNORECASE):
        direction = -1
    else:
        past, future = _PAST_WORDS.search(sentence), _FUTURE_WORDS.search(sentence)
        direction = -1 if past and not future else 1 if future and not past else 0
    here = (pub.month, day or pub.day) if day else (pub.month, 0)
    there = (month, day or 0)
    if there == here:
        return pub.year
    forward = pub.year if there > here else pub.year + 1
    back = pub.year if there < here else pub.year - 1
    if direction:
        return back if direction < 0 else forward
    months_ahead = (month - pub.month) % 12 or 12
    return forward if months_ahead < 12 - months_ahead else back


def find_mentioned_dates(article: Article) -> Article:
    """Days, months and years named in the text.

    Days: "March 3, 1987", "3 March", "1987-03-03" (a day without a year takes the year nearest
    the publication that its sentence's tense allows, `_year_of`); "yesterday", "today",
    "tomorrow"; "last Tuesday" (the one before the publication day),
    "next Tuesday" (the one after), "on Tuesday"/"this Tuesday" (the one in the six days up to and
    including the publication day, the news convention). Months ("in March": the same way;
    "March 1985"; "last month") and years ("in 1985", "last year") go to
    `mentioned_periods` as "1987-03" and "1985". Anything relative needs a publication date.
    """
    found: set[date] = set()
    periods: set[str] = set()
    pub = article.published.date() if article.published else None
    text = article.body
    day_spans: list[tuple[int, int]] = []
    mo: int | None
    for m in _MENTIONED.finditer(text):
        if m.group("iso"):
            y, mo, d = (int(x) for x in m.group("iso").split("-"))
        else:
            month_day = (m.group("md") or m.group("dm")).split()
            if month_day[0][0].isdigit():
                month_day.reverse()
            mo, d = _MONTHS.get(month_day[0].lower().rstrip(".")), int(month_day[1])
            year = m.group("mdy") or m.group("dmy")
            if year is None and pub is None:
                continue
            y = int(year) if year else _year_of(text, m.start(), m.end(), mo, d, pub) if mo and pub else 0
        if mo is None:  # not a month's name
            continue
        try:
            found.add(date(y, mo, d))
            day_spans.append(m.span())
        except (ValueError, TypeError):
            continue
    for m in _RELATIVE.finditer(text):
        if any(a <= m.start() < b for a, b in day_spans):
            continue
        if m.group("mon") is not None:
            word = m.group("mon")
            if word == "May" and not m.group("mony") and not re.search(
                    r"\b(?:in|from|to|since|until|by|of|early|late|mid-?|end-?)\s*$",
                    text[max(0, m.start() - 8):m.start()]):
                continue  # "May" starting a sentence is mostly the verb
            if not word[0].isupper():
                continue
            month = _MONTHS.get(word.lower().rstrip("."))
            year = int(m.group("mony")) if m.group("mony") else \
                (_year_of(text, m.start(), m.end(), month, None, pub) if pub and month else None)
            if year and month:
                periods.add(f"{year:04d}-{month:02d}")
            continue
        if m.group("year") is not None:
            periods.add(m.group("year"))
            continue
        if pub is None:
            continue
        if m.group("rel"):
            found.add(pub + timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[
                m.group("rel").lower()]))
        elif m.group("wd"):
            wd = _WEEKDAYS.index(m.group("wd").lower())
            which = m.group("which").lower()
            back = (pub.weekday() - wd) % 7
            if which == "last":
                found.add(pub - timedelta(days=back or 7))
            elif which == "next":
                found.add(pub + timedelta(days=(wd - pub.weekday()) % 7 or 7))
            else:
                found.add(pub - timedelta(days=back))
        else:
            step = {"last": -1, "next": 1, "this": 0}[m.group("pwhich").lower()]
            unit = m.group("unit").lower()
            if unit == "week":
                monday = pub - timedelta(days=pub.weekday()) + timedelta(weeks=step)
                found.update(monday + timedelta(days=i) for i in range(7))
            elif unit == "month":
                index = pub.year * 12 + pub.month - 1 + step
                periods.add(f"{index // 12:04d}-{index % 12 + 1:02d}")
            else:
                periods.add(f"{pub.year + step:04d}")
    article.mentioned = sorted(found)
    article.mentioned_periods = sorted(periods)
    return article


def _surname(name: str) -> str:
    return entities.slug(name).split("-")[-1]


def extract_entities(article: Article) -> Article:
    """People, organisations, places and countries from the text (`searchkit.enrich.entities`).

    What was found is kept in `article.extracted`; each field then holds the source's own values
    followed by the extracted ones it lacks (a person whose surname a source tag already names is
    not added again: Reuters' `volcker` and the text's "Paul Volcker" are one). The source's places
    that are countries count toward `countries` too.
    """
    found = entities.extract(article.headline, article.body, article.dateline, article.published)
    article.extracted = {name: list(getattr(found, name)) for name in EXTRACTED_FIELDS}
    day = article.published.date() if article.published else None
    source_countries = [c for c in (entities.place_country(p, day) for p in article.places) if c]
    known_surnames = {_surname(p) for p in article.people}
    article.people = _tag_values([*article.people, *(p for p in found.people
                                                     if _surname(p) not in known_surnames)])
    article.orgs = _tag_values([*article.orgs, *found.orgs])
    article.places = _tag_values([*article.places, *found.places])
    article.countries = _tag_values([*article.countries, *source_countries, *found.countries])
    return article


STEPS: list[Step] = [tidy, find_dateline, find_mentioned_dates, extract_entities]


def enrich(article: Article, steps: list[Step] | None = None) -> Article:
    for step in STEPS if steps is None else steps:
        article = step(article)
    return article
