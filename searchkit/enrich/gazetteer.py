"""The gazetteer and the other data files of entity extraction: place names, given names,
known organisations, and country codes as of a day (borders changed)."""
from __future__ import annotations

import gzip
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..text import slug

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict, dict, dict, frozenset[str]]:
    """name -> (kind, iso, canonical); UPPER NAME -> same (for capitals-only headlines); iso -> code;
    the names that count as places only with evidence from the article (`_evident`)."""
    names: dict[str, tuple[str, str, str]] = {}
    codes: dict[str, str] = {}
    ambiguous: set[str] = set()
    with gzip.open(DATA / "gazetteer.tsv.gz", "rt", encoding="utf-8") as f:
        for line in f:
            name, kind, iso, canon = line.rstrip("\n").split("\t")
            if kind == "code":
                codes[name] = iso
            elif kind == "ambiguous":
                ambiguous.add(name)
            else:
                names[name] = (kind, iso, canon)
    names.setdefault("US", ("country", "US", "United States"))  # BBC's spelling (Reuters: U.S.)
    upper: dict[str, tuple[str, str, str]] = {}
    for name, value in names.items():
        if value[0] != "town" and name.upper() not in upper:
            upper[name.upper()] = value
    return names, upper, codes, frozenset(ambiguous)


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    return frozenset((DATA / "given_names.txt").read_text(encoding="utf-8").split())


@lru_cache(maxsize=1)
def _known_orgs() -> tuple[dict[str, tuple[str, bool]], frozenset[str]]:
    """Spelling -> (name shown, whether it is also a common word) of the organisations listed in
    `data/organisations.txt`, and the first words of those spellings."""
    known: dict[str, tuple[str, bool]] = {}
    for line in (DATA / "organisations.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        common = line.startswith("~")
        spellings = line.lstrip("~").split("|")
        for spelling in spellings:
            known.setdefault(spelling, (spellings[0], common))
    return known, frozenset(s.split()[0] for s in known)


# Where borders or names changed: (iso codes, until this day, the code before it).
_ERAS = (
    ({"DE"}, date(1990, 10, 3), "west-germany"),
    ({"DD"}, date(1990, 10, 3), None),  # East Germany stays itself before; Germany after
    ({"RU", "UA", "BY", "KZ", "UZ", "GE", "AM", "AZ", "LT", "LV", "EE", "MD", "KG", "TJ", "TM"},
     date(1991, 12, 26), "ussr"),
    ({"CZ", "SK"}, date(1993, 1, 1), "czechoslovakia"),
    ({"SI", "HR", "BA", "MK", "RS", "ME"}, date(1991, 6, 25), "yugoslavia"),
    ({"CD"}, date(1997, 5, 17), "zaire"),
    ({"MM"}, date(1989, 6, 18), "burma"),
    ({"KH"}, date(1989, 5, 1), "kampuchea"),
)
_MODERN = {"CD": "dr-congo", "MM": "myanmar", "KH": "cambodia", "WG": "germany", "DD": "germany"}


def country_code(iso: str, day: date | None) -> str:
    """The canonical code of a country (ISO 3166 alpha-2) as of `day` (None: today's borders)."""
    codes = _gazetteer()[2]
    for isos, until, before in _ERAS:
        if iso in isos:
            if day is not None and day < until:
                return before or codes.get(iso, iso.lower())
            return _MODERN.get(iso, codes.get(iso, iso.lower()))
    if day is None or day >= date(1990, 10, 3):
        if iso in ("WG", "DD"):
            return "germany"
    return codes.get(iso, iso.lower())


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    codes = set(_gazetteer()[2].values())
    codes.update(c for _isos, _until, c in _ERAS if c)
    codes.update(_MODERN.values())
    return frozenset(codes)


def place_country(place: str, day: date | None = None) -> str | None:
    """The country code of a place given as a source tag or name: `usa` -> `usa`, "Norway" ->
    `norway`, "Tokyo" or `tokyo` -> `japan`; None when unknown."""
    code = slug(place)
    if code in _country_codes():
        return code
    names = _gazetteer()[0]
    hit = names.get(place) or names.get(place.title()) or names.get(place.replace("-", " ").title())
    if hit and hit[0] != "town":
        return country_code(hit[1], day)
    return None


def _place_key(kind: str, iso: str, canon: str, day: date | None) -> tuple[str, str]:
    """(place value, country code) of a gazetteer hit."""
    code = country_code(iso, day)
    return (code if kind == "country" else slug(canon)), code


def _dateline_place(dateline: str, day: date | None) -> tuple[str, str] | None:
    names, upper, _codes, _ambiguous = _gazetteer()
    head = re.split(r",\s*(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d|\d)",
                    dateline)[0]
    parts = [p.strip(" .-") for p in head.split(",") if p.strip(" .-")]
    if not parts:
        return None
    if len(parts) > 1:  # "CALGARY, Alberta", "TAUPO, New Zealand", "ROCHESTER, N.Y."
        region = names.get(parts[-1]) or names.get(parts[-1] + ".") or upper.get(parts[-1].upper()) \
            or upper.get(parts[-1].upper() + ".")  # "ELWOOD, KAN."
        if region and region[0] in ("country", "state"):
            city = names.get(parts[0].title())
            if city and city[1] == region[1] and city[0] in ("city", "town"):
                return _place_key("city", city[1], city[2], day)
            return _place_key("city", region[1], parts[0].title(), day)
    city = names.get(parts[0]) or names.get(parts[0].title()) or upper.get(parts[0].upper())
    if city is None:
        return None
    return _place_key(city[0] if city[0] != "town" else "city", city[1], city[2], day)
