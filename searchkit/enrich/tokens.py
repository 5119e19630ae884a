"""Tokens of an article for entity extraction: words with their offsets, capitalised runs, and
what a word looks like (a name, an initial, text in capitals)."""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import _CONNECT, _NOT_NAME, _ORG_HEAD, _ORG_SUFFIX

_TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F][\w\u00C0-\u024F'\u2019&.\-]*|&")
_ABBREV = re.compile(r"^(?:[A-Z]\.)+[A-Z]?\.?$|^(?:Mr|Mrs|Ms|Dr|St|Gov|Sen|Rep|Gen|Col|Capt|Sgt|Adm"
                     r"|Prof|Rev|Inc|Corp|Co|Ltd|Jr|Sr|No|Calif|Conn|Mass|Fla|Ill|Mich|Minn|Tex|Pa"
                     r"|Va|Wash|Wis|Ont|Que|Alta|Ariz|Colo|Ore|Okla|Tenn|Ky|La|Md|Mo|Neb|Nev|Ala"
                     r"|Ark|Ga|Ind|Kan|Miss|Mont|Vt|Wyo|Del)\.$")


_PARAGRAPH = re.compile(r"\n\s*\n|\n[ \t]{2,}")


# A token and the characters up to the next one: one C-level pass over the text.
_TOKEN_GAP = re.compile(r"([A-Za-z\u00C0-\u024F][\w\u00C0-\u024F'\u2019&.\-]*|&)([^A-Za-z\u00C0-\u024F&]*)")
_LEAD = re.compile(r"[^A-Za-z\u00C0-\u024F&]*")
_SLOW_LAST = frozenset(".'\u2019-s")


class _Toks:
    """The tokens of a text as parallel lists: word, start, end (after a stripped sentence dot or
    possessive), capitalised, and whether punctuation (or a sentence end) follows."""
    __slots__ = ("words", "starts", "ends", "caps", "stops")

    def __init__(self, text: str) -> None:
        words: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        stops: list[bool] = []
        pos = _LEAD.match(text).end()  # type: ignore[union-attr]  # a `*` pattern always matches
        for word, gap in _TOKEN_GAP.findall(text):
            start = pos
            pos = start + len(word) + len(gap)
            if word[-1] in _SLOW_LAST:
                end = start + len(word)
                stop = False
                if word[-1] == "." and not _ABBREV.match(word):
                    stripped = word.rstrip(".")
                    end -= len(word) - len(stripped)
                    word = stripped
                    stop = True
                if word.endswith(("'s", "\u2019s")):
                    word, end = word[:-2], end - 2
                    stop = True  # a possessive ends a name: "Robert Maxwell's British Printing"
                word = word.rstrip("'\u2019-")
                if not word:  # cannot happen (a token starts with a letter), kept for safety
                    if stops:
                        stops[-1] = True
                    continue
                if not stop:
                    gap = text[end:pos]
                    stop = bool(gap.strip()) or ("\n" in gap and _PARAGRAPH.search(gap) is not None)
            else:
                end = start + len(word)
                stop = gap != " " and (bool(gap.strip()) or
                                       ("\n" in gap and _PARAGRAPH.search(gap) is not None))
            words.append(word)
            starts.append(start)
            ends.append(end)
            stops.append(stop)
        self.words, self.starts, self.ends, self.stops = words, starts, ends, stops
        self.caps = [w[0].isupper() or _is_particle_name(w) for w in words]


def _runs(toks: _Toks) -> list[tuple[int, int]]:
    """Maximal runs of capitalised tokens, joined by name/organisation connectors, within clauses,
    as (first, past the last) token indexes."""
    words, caps, stops = toks.words, toks.caps, toks.stops
    runs: list[tuple[int, int]] = []
    n = len(words)
    i = 0
    while i < n:
        if not caps[i]:
            i += 1
            continue
        j = i + 1
        while j < n and not stops[j - 1]:
            if caps[j]:
                j += 1
                continue
            k = j
            while k < n and k - j < 2 and (words[k] in _CONNECT or (
                    words[k] == "for" and k == j and words[j - 1] in _ORG_HEAD)) and not stops[k]:
                k += 1  # "of", "of the", "de la"; "Department for Education"
            if k > j and k < n and caps[k]:
                j = k
                continue
            break
        runs.append((i, j))
        i = j
    return runs


def _joined(text: str, toks: _Toks, a: int, b: int) -> bool:
    """Whether two neighbouring tokens are in one clause, or separated by a comma only."""
    return text[toks.ends[a]:toks.starts[b]].strip() in ("", ",")


@lru_cache(maxsize=1024)
def _is_upper_text(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(map(str.isupper, letters)) > 0.8 * len(letters)


def _is_particle_name(word: str) -> bool:
    """An Arabic name written with its article: "al-Sabah", "el-Din"."""
    return word[2:3] == "-" and word[:2] in ("al", "el") and word[3:4].isupper()


@lru_cache(maxsize=65536)
def _looks_like_name(word: str) -> bool:
    return _is_particle_name(word) or (word[:1].isupper() and not word.isupper() and word not in _NOT_NAME
            and not word.endswith(".") and not word.endswith("-based")
            and not any(c.isdigit() for c in word) and word not in _ORG_SUFFIX) or \
        (len(word) == 2 and word.endswith("."))  # an initial: "J."
