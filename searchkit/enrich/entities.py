"""Entities from the text itself: people, organisations, places and the countries of those places.

Rules over capitalised word runs, no model and no run-time dependency:

- places: a gazetteer compiled from GeoNames (`searchkit/enrich/data/gazetteer.tsv.gz`, built by
  `python -m searchkit.enrich.build_gazetteer`): countries with their short forms and adjectives ("U.S.",
  "Britain", "French"), US states and Canadian provinces, cities of 200,000+ people and capitals
  anywhere in the text, smaller towns only in the dateline. A country is its Reuters-21578 code
  where it has one (`usa`, `uk`), chosen by the publication date where borders changed (Germany is
  `west-germany` before 3 October 1990, Moscow counts toward `ussr` before 1992); other places are
  slugs of their GeoNames name (`new-york`, `beijing` also for "Peking"). Every place gives its
  country to `countries`.
- organisations: a dictionary of international organisations and their spellings ("EC",
  "European Community", "Common Market" -> `ec`; codes follow Reuters-21578 where it has them),
  and runs that end in a company or body word (Inc, Corp, Bank, Ministry, Commission...), kept as
  written with the suffix spelt one way ("Corp." and "Corporation" -> "Corp"); names the words
  around them make an organisation's ("car firm Carfax", "Chelsea chief executive", "an analyst at
  UBS"), a long name before its defined short form ("... (ISM)"), names in capitals ("IBM"), and
  the organisations listed in `searchkit/enrich/data/organisations.txt` ("Microsoft", "Aston Villa").
- a place whose name is also a common surname or names a bigger place elsewhere (gazetteer rows
  `ambiguous`: Kennedy, Birmingham, Melbourne) counts only when the article names another place of
  its country and no person of that name.
- people: a run after a title or role (Mr, President, Finance Minister, spokesman...), a run that
  starts with a known given name, or a two- or three-word run next to "said"/"told"; "Mr Volcker"
  and "Paul Volcker" are one person (same surname within the article), named by the longest form.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from ..text import slug
from .gazetteer import _dateline_place, _gazetteer, _given_names, _known_orgs, _place_key, country_code, place_country
from .lexicon import (
    _CLUB_AFTER, _CLUB_BEFORE, _CONNECT, _CURRENCY, _DEFINED_ACRONYM, _GENRES, _HEADLINE_ORG_STOP,
    _HONORIFICS, _LEADING, _NAME_CONNECT, _NOT_ACRONYM, _NOT_NAME, _NOT_PEOPLE, _ORG_AFTER_WORD, _ORG_BEFORE,
    _ORG_CODE, _ORG_CUE_AFTER, _ORG_CUE_BEFORE, _ORG_GENERIC, _ORG_HEAD, _ORG_POSSESSIVE, _ORG_RE, _ORG_SUFFIX,
    _ROLES, _SAY, _TITLES, _WORK_WORDS, _ACRONYM,
)
from .tokens import _is_upper_text, _joined, _looks_like_name, _runs, _Toks

__all__ = ["Entities", "extract", "slug", "country_code", "place_country"]


@dataclass
class Entities:
    people: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ extraction

def _ends_in_place(words: list[str], is_place: Callable[[str], bool]) -> bool:
    """Whether a run that ends in an organisation word is a place with words before it that make
    no organisation: "Soviet Union", "Western Soviet Union" (not "Institute of the Soviet Union")."""
    for k in range(len(words) - 1):
        if words[k] in _ORG_HEAD or words[k] in _ORG_SUFFIX or words[k] == "of":
            return False
        if is_place(" ".join(words[k:])):
            return True
    return False


def _org_name(words: list[str]) -> str:
    while words and (words[0] in ("The", "the") or words[0].endswith("-based")):
        words = words[1:]
    if words and words[-1] in _ORG_SUFFIX:
        words = [*words[:-1], _ORG_SUFFIX[words[-1]]]
    return " ".join(words)


def extract(headline: str, body: str, dateline: str = "", published: datetime | date | None = None
            ) -> Entities:
    """People, organisations, places and countries named in an article."""
    day = published.date() if isinstance(published, datetime) else published
    names, upper, _codes, ambiguous = _gazetteer()
    given = _given_names()
    toks = _Toks(body)
    runs = _runs(toks)
    twords, tstarts = toks.words, toks.starts

    people: dict[str, list[list[str]]] = {}  # surname -> forms (word lists), in order found
    orgs: list[str] = []
    place_hits: list[tuple[str, str, str]] = []   # (place, country, name if it needs evidence)
    person_words: set[int] = set()          # indexes of tokens inside a person's name

    not_people: set[str] = set()             # names this article gives to a work or a firm

    def is_place(name: str) -> bool:
        """Whether a name is a place wherever it is written (not a town, nor a name that needs
        evidence: "Kennedy" is a district of Bogota and a surname)."""
        hit = names.get(name)
        return hit is not None and hit[0] != "town" and name not in ambiguous

    def add_person(words: list[str]) -> None:
        words = [w for w in words if w not in _TITLES]
        while words and words[0] in _NAME_CONNECT:
            words = words[1:]
        if not words or len(words) > 4 or not all(_looks_like_name(w) or w in _NAME_CONNECT
                                                  for w in words):
            return
        if is_place(" ".join(words)) or " ".join(words) in _ORG_CODE:
            return
        people.setdefault(words[-1], []).append(words)

    org_starts: set[int] = set()
    for m in _ORG_RE.finditer(body):
        orgs.append(_ORG_CODE[" ".join(m.group().split())])
        org_starts.update(range(m.start(), m.end()))
    if _is_upper_text(headline):
        orgs.extend(_ORG_CODE[m.group()] for m in _ORG_RE.finditer(headline)
                    if m.group() not in _HEADLINE_ORG_STOP)
    n_toks = len(twords)
    org_runs: set[int] = set()  # runs that name an organisation (not a place, nor a person)
    known_orgs, known_firsts = _known_orgs()
    defined = frozenset(_DEFINED_ACRONYM.findall(body)) if "(" in body else frozenset()
    for first, stop in runs:
        last = stop - 1
        words = twords[first:stop]
        # 1. words of the run that belong to a dictionary organisation
        covered = {k for k in range(len(words)) if tstarts[first + k] in org_starts} \
            if org_starts else ()
        # 2. split the run at titles: what follows the last title is a person
        title_at = -1
        for k in range(len(words) - 1, -1, -1):
            if words[k] in _TITLES:
                title_at = k
                break
        if title_at >= 0 and title_at + 1 < len(words):
            # the name is the tail of the run: name-like words that are not places, from a given
            # name on if there is one ("Chancellor of the Exchequer Nigel Lawson")
            tail: list[int] = []
            for k in range(len(words) - 1, title_at, -1):
                w = words[k]
                if not (_looks_like_name(w) or w in _NAME_CONNECT) or is_place(w) or k in covered:
                    break
                tail.insert(0, k)
            broken = bool(tail) and tail[0] > title_at + 1  # a word that is no name stopped it
            starts = [k for k in tail if words[k] in given]
            if starts and broken:
                tail = [k for k in tail if k >= starts[0]]
            elif broken and len(tail) == 1 and (words[tail[0] - 1] in _ORG_SUFFIX or
                                                words[tail[0] - 1] in _CONNECT):
                tail = []  # "Chief Police Officers", "Chambers of Commerce", "Officer of Sony"
            while tail and words[tail[0]] in _NAME_CONNECT:
                tail.pop(0)
            if len(tail) == 1 and words[title_at] not in _HONORIFICS and \
                    re.search(rf"\b{re.escape(words[tail[0]].lower())}\b", body):
                tail = []  # a word also written in lower case: "General Election co-ordinator"
            if tail and len(tail) <= 4:
                add_person([words[k] for k in tail])
                person_words.update(first + k for k in tail)
            org_part = words[:title_at]
        else:
            org_part = words
        # 3. organisations by their last word or head word
        if len(org_part) >= 2 and not all(k in covered for k in range(len(org_part))):
            lead = 0
            while lead < len(org_part) - 2 and org_part[lead] in _LEADING:
                lead += 1  # "But the Home Office"
            org_part = org_part[lead:]
            of_at = org_part.index("of") if "of" in org_part[2:4] else 0
            if of_at and org_part[0] in given and not any(
                    w in _ORG_HEAD or w in _ORG_SUFFIX or not _looks_like_name(w) for w in org_part[:of_at]):
                add_person(org_part[:of_at])  # "Allan Leslie of Discount Corp"
                person_words.update(range(first + lead, first + lead + of_at))
                org_part = org_part[of_at + 1:]
            while len(org_part) > 1 and org_part[-1] in _TITLES and org_part[-1] not in _ORG_SUFFIX:
                org_part = org_part[:-1]  # "Metropolitan Police Commissioner"
            if org_part and org_part[-1] in _ORG_SUFFIX and org_part[-1] not in ("Reserve",) and \
                    not all(w in _ORG_GENERIC or w in _ORG_SUFFIX for w in org_part) and \
                    not _ends_in_place(org_part, is_place) and \
                    not (org_part[-1] == "City" and " ".join(org_part) in names):
                orgs.append(_org_name(org_part))
                org_runs.add(first)  # its places name no place: "Swiss Bank Corp", "Commonwealth Bank"
                continue
            elif org_part and any(w in _ORG_HEAD and org_part[i + 1] in ("of", "for")
                                  for i, w in enumerate(org_part[:3]) if i + 1 < len(org_part)) \
                    and not is_place(" ".join(org_part)):
                orgs.append(_org_name(org_part))  # "Bank of Japan", "Muslim Council of Britain"
                org_runs.add(first)
                continue
        # 3a. organisations known by name ("Microsoft", "Aston Villa"), not inside a person's name
        if not covered and any(w in known_firsts for w in org_part):
            found_known = False
            base = first + next(i for i in range(len(words)) if words[i:i + len(org_part)] == org_part)
            k = 0
            while k < len(org_part):
                for size in range(min(4, len(org_part) - k), 0, -1) if org_part[k] in known_firsts else ():
                    hit = known_orgs.get(" ".join(org_part[k:k + size]))
                    at = base + k  # the token the name starts at
                    if hit and not (k and org_part[0] in given) and not (
                            hit[1] and (at == 0 or toks.stops[at - 1] or not _joined(body, toks, at - 1, at))):
                        orgs.append(hit[0])
                        found_known = True
                        k += size - 1
                        break
                k += 1
            if found_known and title_at < 0:
                org_runs.add(first)
                continue
        # 3b. organisations by the words around them ("car firm Carfax", "Chelsea chief executive",
        # "an analyst at UBS"), by a short form defined after them ("Institute for Supply
        # Management (ISM)"), or written in capitals ("IBM")
        before = twords[first - 1] if first else ""
        after = twords[stop] if stop < n_toks else ""
        if title_at < 0 and not covered and (
                before in _ORG_CUE_BEFORE or after in _ORG_CUE_AFTER or
                (stop - first == 1 and words[0].isupper()) or
                "(" in body[toks.ends[last]:toks.ends[last] + 3]):
            org = _org_in_context(body, toks, first, stop, names, defined)
            if org:
                orgs.append(org)
                org_runs.add(first)
                continue
        # 4. people without a title
        if title_at < 0 and not covered:
            before = twords[first - 1] if first > 0 and _joined(body, toks, first - 1, first) else ""
            after = twords[stop] if stop < n_toks and _joined(body, toks, last, stop) else ""
            name = words
            firm = (after in ("and", "&") and last + 2 < n_toks
                    and twords[last + 2] in ("Co", "Co.", "Company", "Sons", "Partners"))
            if firm:
                orgs.append(" ".join([*name, after, _ORG_SUFFIX.get(twords[last + 2], "Sons")]))
            elif 2 <= len(name) <= 4 and all(_looks_like_name(w) or w in _NAME_CONNECT for w in name):
                if before.lower() in _WORK_WORDS or body.startswith(" and the ", toks.ends[last]):
                    not_people.add(" ".join(name))  # "the film Vera Drake", "Harry Potter and the"
                elif name[0] in given or (after in _SAY or before in _SAY or before in _ROLES):
                    # a place's name after a given name is a surname ("Tony Jordan", "Sofia Coppola")
                    if not any(is_place(w) for w in name) or (
                            name[0] in given and len(name) == 2 and not is_place(" ".join(name))
                            and not (is_place(name[0]) and is_place(name[1]))):
                        add_person(name)
                        person_words.update(range(first, stop))
            elif len(name) == 1 and _looks_like_name(name[0]) and before.lower() in ("mr", "mrs", "ms"):
                add_person(name)
    # 5. places: longest gazetteer match in each run, skipping people's and organisations' names
    for first, stop in runs:
        if first in org_runs:
            continue
        words = twords[first:stop]
        n_words = len(words)
        if stop < n_toks and twords[stop] in _CURRENCY and _joined(body, toks, stop - 1, stop):
            n_words -= 1  # "Swiss francs", "U.S. dlrs" name a currency, not a place
            if not n_words:
                continue
        if n_words == 1:
            if first not in person_words:
                hit = names.get(words[0])
                if hit and hit[0] != "town":
                    doubt = words[0] if words[0] in ambiguous else ""
                    place_hits.append((*_place_key(hit[0], hit[1], hit[2], day), doubt))
            continue
        k = 0
        while k < n_words:
            if first + k in person_words:
                k += 1
                continue
            for size in range(min(4, n_words - k), 0, -1):
                place = " ".join(words[k:k + size])
                hit = names.get(place)
                if hit and hit[0] != "town":
                    if not (k + size < n_words and words[k + size] in _CURRENCY):  # "London Interbank Offered Rate"
                        doubtful = place if place in ambiguous else ""
                        place_hits.append((*_place_key(hit[0], hit[1], hit[2], day), doubtful))
                    k += size
                    break
            else:
                k += 1
    headline_countries: list[str] = []
    if _is_upper_text(headline):
        hwords = re.findall(r"[A-Z][A-Z.'\-]*", headline)
        for k in range(len(hwords)):
            for size in (3, 2, 1):
                hit = upper.get(" ".join(hwords[k:k + size]))
                if hit and hit[0] != "town" and not (size == 1 and hwords[k] in ("US",)):
                    place_hits.append((*_place_key(hit[0], hit[1], hit[2], day), hit[2] if hit[2] in ambiguous else ""))
                    break
            if hwords[k] in ("U.S.", "US"):
                place_hits.append((*_place_key("country", "US", "", day), ""))
    elif headline:
        sub = extract("", headline, "", day)
        place_hits.extend((place, "", "") for place in sub.places)
        headline_countries = sub.countries
    if dateline:
        dateline_hit = _dateline_place(dateline, day)
        if dateline_hit:
            place_hits.insert(0, (*dateline_hit, ""))
    # a place whose name is also a surname or a bigger namesake's counts when the article names
    # another place of its country (the dateline, the country, a state, a city) and no one of its name
    named = {w for forms in people.values() for form in forms for w in form}
    evident = {c for _p, c, doubtful in place_hits if c and not doubtful}
    place_hits = [(p, c, doubtful) for p, c, doubtful in place_hits
                  if not doubtful or (c in evident and doubtful not in named)]

    out = Entities()
    # people: one per surname, named by its longest form; a surname inside another's name is dropped,
    # and so is a name the article gives to a work or a firm ("Merrill Lynch and Co")
    for surname, forms in people.items():
        longest: list[str] = max(forms, key=len)
        best = " ".join(longest)
        if any(surname != other and surname in [w for f in ofs for w in f[:-1]]
               for other, ofs in people.items()):
            continue
        known = next((k for k in _NOT_PEOPLE if best == k or best.startswith(k + " ")), None)
        if known is not None:
            org = _NOT_PEOPLE[known]
            if org:
                orgs.append(org)
            continue
        if best in not_people or best in orgs or any(o.startswith(best + " ") for o in orgs):
            continue
        out.people.append(best)
    distinct_orgs = _distinct(orgs)
    # "House of Fabrics" is "House of Fabrics Inc" when the article names it so
    out.orgs = [o for o in distinct_orgs
                if not any(other != o and other.startswith(o + " ") and other.split()[-1] in
                           _ORG_SUFFIX.values() for other in distinct_orgs)]
    out.places = _distinct(p for p, _c, _d in place_hits)
    out.countries = _distinct([*(c for _p, c, _d in place_hits if c), *headline_countries])
    return out


def _org_in_context(text: str, toks: _Toks, first: int, stop: int, names: dict,
                    defined: frozenset[str]) -> str | None:
    """The organisation a run of capitalised words names, told by the words around it: None when
    they do not say, or the run is a country or state (or a town, unless it names a club)."""
    twords = toks.words
    n = len(twords)
    words = twords[first:stop]
    lead = 0
    while lead < len(words) - 1 and words[lead] in _LEADING:
        lead += 1
    words = words[lead:]
    if len(words) > 6 or all(w in _NOT_NAME or w in _ORG_GENERIC for w in words):
        return None
    name = " ".join(words)
    last = stop - 1
    end = toks.ends[last]
    gap = text[end:toks.starts[stop]] if stop < n else text[end:]
    club = org = False
    if len(words) >= 2 and stop == first + lead + len(words):
        m = _DEFINED_ACRONYM.match(gap)
        if m and m.group(1)[0] == words[0][0] and sum(c.isupper() for c in m.group(1)) >= 2:
            org = True  # "Energy Information Administration (EIA)"
    if not org and len(words) == 1 and _ACRONYM.match(name) and name not in _NOT_ACRONYM \
            and name not in defined and text[toks.starts[first] - 1:toks.starts[first]] != "<" \
            and any(0 <= k < n and twords[k][0].islower() for k in (first - 1, stop)) \
            and not re.search(rf"\b{name.lower()}\b", text):
        # "IBM", beside a word in lower case (not in a table), and not a word shouted ("WILL");
        # a short form defined in the article stands for its long name
        org = True
    if not org and first > 0:
        before = twords[first - 1]
        joined = text[toks.ends[first - 1]:toks.starts[first]].strip() == ""
        if joined and before in _ORG_BEFORE:
            org = True
        elif joined and before in _CLUB_BEFORE:
            club = True
        elif joined and before in _ORG_AFTER_WORD and first > 1 and \
                twords[first - 2].lower() in _ORG_AFTER_WORD[before]:
            org = True
    if not org and not club and stop < n:
        after = twords[stop]
        if gap in ("'s ", "\u2019s "):
            org = after in _ORG_POSSESSIVE
        elif gap == " " and after in _CLUB_AFTER:
            club = True
    if not (org or club):
        return None
    if club and (words[0] in _GENRES or (names.get(words[0]) or ("",))[0] in ("country", "state")):
        return None  # "Soul singer", "England Under-21 keeper"
    if len(words) >= 2 and words[0] in _given_names() and words[-1] not in _ORG_SUFFIX and \
            not (len(words) == 2 and words[1][:1].isdigit()):
        return None  # a person's name ("broadcaster Cyril Fletcher")
    hit = names.get(name)
    if hit and (hit[0] in ("country", "state") or not club):
        return None
    return name


def _distinct(values) -> list[str]:
    seen: set[str] = set()
    out = []
    for v in values:
        if v and v not in seen:
            seen.add(v)
            out.append(v)
    return out
