"""The Whoosh schema: fields, analyzers and the day-resolution date field.

Analysis (one analyzer for headline and body, so a query means the same in both):
- tokens: runs of word characters, keeping inner dots (`u.s`, `3.5`) together;
- case folding, then accent folding (`José Müller` matches `jose muller`);
- no stop words in the index, so a phrase is exact (`"dividend payable"` does not match
  "dividend is payable"); the query parser drops a bare stop word such as `and` or `the` outside
  phrases (see `query.StopWordsPlugin`), and BM25 gives common words little weight anyway;
- stemming: Snowball English (Porter2) through PyStemmer, a C implementation, far faster than Whoosh's
  Python Porter stemmer (indexing: benchmarks/RESULTS.md); Porter2 also over-stems less (`generate`
  no longer matches `general`).

News analysis (analysis 2, issue 23: spelling variants were different words, `US` 41 articles and
`U.S.` 255): the same, and
- one word for `AT&T`, for a two-part hyphenated compound with a one-letter part or a short code and
  a number (`e-mail` = `email`, `G-7` = `G7`, `T-BILL`), for a dotted abbreviation (`U.S.`, `N.Z.`:
  `nz` = `NZ`); each one position, so phrases keep working (`_NEWS_TOKEN`, `news_word`);
- acronyms are not stemmed (`ISIS` is not `isi`, "Isi Foighel"): a word in capitals in a text that
  is mostly lower case (`acronym_context`; Reuters headlines and some whole articles are in
  capitals, and are stemmed as any text), and a dotted abbreviation anywhere; one spelled like a
  stop word keeps its dots (`US` -> `u.s`), so the pronoun `us` stays another word;
- queries: capitals mean an acronym when the query has lower case or is one word; a word in lower
  case means either reading (`isis`: `isi` OR `isis`), see `querylang.acronyms.AcronymWordNode`.
An index keeps the analysis it was made with: Whoosh pickles the analyzer objects in its schema
(analysis 1's classes stay here for them), a Xapian cluster records it in its metadata; `searchkit
index --rebuild` re-analyses (see the README).
This module keeps its path (`searchkit.schema`): a Whoosh index pickles its schema, and so these
classes by their module's name; moving it would make new indexes unreadable by older searchkits.

Entity, topic, source and section fields keep each value whole (lower-cased for matching, the original
spelling in a column for display), so facets count values, not words.
"""
from __future__ import annotations

import re
from datetime import date
from itertools import compress, count
from operator import ne
from typing import Callable

import Stemmer
from whoosh import fields, query
from whoosh.analysis import (CharsetFilter, Filter, KeywordAnalyzer, LowercaseFilter,
                             RegexTokenizer, Token)
from whoosh.analysis.filters import STOP_WORDS as _WHOOSH_STOP_WORDS
from whoosh.support.charset import accent_map

from .enrich.dates import parse_span
from .fields import FIELDS, Field
# Re-exported: the query language imports these field lists from here.
from .fields import QUERY_FIELDS, TEXT_FIELDS  # noqa: F401

# Bumped whenever the schema or analysis changes in a way that needs a rebuild.
SCHEMA_VERSION = 3

# Dropped from queries outside phrases. Whoosh's list without `us` and `may` (a country and a
# month in news).
STOP_WORDS = frozenset(_WHOOSH_STOP_WORDS) - {"us", "may", "tbd"}
_stemmer = Stemmer.Stemmer("english")


class SnowballStemFilter(Filter):
    """Stems each token with PyStemmer's Snowball English stemmer (which caches stems itself)."""

    is_morph = True

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, tokens):
        stem = _stemmer.stemWord
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def text_analyzer():
    """The analyzer of headline and body (analysis 2, "News analysis" in this module's doc)."""
    return NewsTokenizer() | NewsWordFilter(stem=True)


def name_analyzer():
    """Words of entity names: folded but neither stemmed nor stopped (`entities:volcker`), with the
    news tokens (`entities:at&t`)."""
    return NewsTokenizer() | NewsWordFilter(stem=False)


def text_analyzer_v1():
    """Analysis 1, in indexes made before analysis 2 (their schemas hold these objects)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | SnowballStemFilter()


def name_analyzer_v1():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


ANALYZERS = {1: (text_analyzer_v1, name_analyzer_v1), 2: (text_analyzer, name_analyzer)}
ANALYSIS = 2  # what new indexes get


def analysis_of(analyzer) -> int:
    """The analysis version of a headline/body/names analyzer of an index's schema."""
    items = getattr(analyzer, "items", ())
    return 2 if any(isinstance(item, NewsWordFilter) for item in items) else 1


# ------------------------------------------------------------ analysis 2: news tokens

# Tokens: runs of word characters joined by single inner dots (`u.s`, `3.5`, as analysis 1), `&`
# (`AT&T`, `S&P`, `P&G`: before, `at` and `t`) or hyphens. A hyphenated chain is one word when it has
# two parts, one a single letter or a one- or two-letter code before a number, or a number before a
# letter (`e-mail`, `T-BILL`, `X-ray`, `G-7`, `F-16`, `DC-10`, `3-D`: `_joined_compound`), joined as
# people also write them (`email`, `tbill`, `g7`); any other chain is its parts (`west-germany`,
# `oil-producing`, `mid-1987`, `one-and-a-half`: joined, they would no longer match `germany` or
# `1987`). `*` is a word character, as in Whoosh's default pattern. Possessive: no backtracking.
_NEWS_TOKEN = re.compile(r"[\w*]++(?:[.&-][\w*]++)*+")
_PART = re.compile(r"[\w*]++(?:[.&][\w*]++)*+")


def _joined_compound(chain: str) -> bool:
    """Whether a hyphenated chain is one word (see `_NEWS_TOKEN`)."""
    first, _, second = chain.partition("-")
    if "-" in second:
        return False
    if len(first) == 1 and first.isalpha():
        return True
    if len(first) == 2 and first.isalpha():
        return second.isdecimal()
    return len(first) <= 4 and first.isdecimal() and len(second) == 1 and second.isalpha()


# A dotted abbreviation, lower-cased: single letters with dots (`u.s`, `n.z`, `u.s.a`).
_ABBREVIATION = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
# Whoosh's whole English stop word list (with `us`, `it`, `may`): an acronym spelled like one is
# indexed with dots (`US` -> `u.s`, like `U.S.`), so that the country is not the pronoun `us`.
_STOP_SPELLED = frozenset(_WHOOSH_STOP_WORDS)
# The longest word in capitals taken for an acronym (`ISIS`, `AIDS`, `LIBOR`). Longer ones are
# mostly words in capitals for emphasis or in tables (`CHANGE`), or acronyms that stemming leaves
# alone (`NASDAQ`, `UNICEF`); and a longer lower-case query word read as an acronym too would meet
# other words' stems (`proportion` is the stem of `proportionate`, `international` of French
# `internationale`: benchmarks/RESULTS.md, "Spelling variants").
ACRONYM_MAX = 5
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LOWER = bytes(range(97, 123))


def acronym_context(text: str) -> bool:
    """Whether a word in capitals in `text` is an acronym: when the text is mostly lower case (more
    lower-case than capital ASCII letters). Reuters headlines, and some whole Reuters articles,
    are written in capitals: there `OIL PRICES` are words to stem as any, not acronyms."""
    b = text.encode("utf-8", "ignore")
    n = len(b)
    return n - len(b.translate(None, _ASCII_LOWER)) > n - len(b.translate(None, _ASCII_UPPER))


def _acronym_spelling(letters: str) -> str:
    return ".".join(letters) if letters in _STOP_SPELLED else letters


def _fold(word: str) -> str:
    return word.lower() if word.isascii() else word.lower().translate(accent_map)


def news_word(word: str, acronyms: bool, stem: bool) -> tuple[str, bool]:
    """(the indexed word of token `word` as written, whether it is an acronym: kept unstemmed).

    Acronyms: dotted abbreviations anywhere (`N.Z.`, `n.z.` -> `nz`; `U.S.` -> `u.s`, see below),
    and, where `acronyms` (`acronym_context`), words of 2 to `ACRONYM_MAX` characters in capitals
    (`ISIS` -> `isis`, not the stem `isi`; `AT&T`, `G7`, `T-BILL`). An acronym spelled like a stop
    word keeps dots: `US`, `U.S.` -> `u.s`, the pronoun `us` -> `us`."""
    folded = _fold(word)
    if "-" in folded:
        folded = folded.replace("-", "")
    if "." in folded and _ABBREVIATION.fullmatch(folded):
        return _acronym_spelling(folded.replace(".", "")), True
    if acronyms and 1 < len(folded) <= ACRONYM_MAX and word.isupper():
        return _acronym_spelling(folded), True
    return (_stemmer.stemWord(folded) if stem else folded), False


def acronym_reading(word: str) -> str | None:
    """The indexed word of `word` read as an acronym (`us` -> `u.s`, `isis` -> `isis`; None for a
    word too long to be one): a query word not in capitals matches both readings (see
    `querylang.acronyms.AcronymWordNode`)."""
    text, acronym = news_word(word.upper(), True, False)
    return text if acronym else None


class NewsTokenizer(RegexTokenizer):
    """`_NEWS_TOKEN` matches, a hyphenated chain that is not one word split into its parts; each token
    carries `acronyms`, whether capitals mean acronyms in the text (`acronym_context`; the query
    parser passes the whole query's)."""

    def __init__(self):
        super().__init__(_NEWS_TOKEN)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", acronyms=None, **kwargs):
        if acronyms is None:
            # A query text in capitals with no space (`ISIS`, `"NATO"`) is taken as an acronym.
            acronyms = acronym_context(value) or (mode == "query" and not any(c.isspace() for c in value))
        if not tokenize:
            yield from super().__call__(value, positions, chars, keeporiginal, removestops, start_pos,
                                        start_char, tokenize, mode, acronyms=acronyms, **kwargs)
            return
        t = Token(positions, chars, removestops=removestops, mode=mode, acronyms=acronyms, **kwargs)
        pos = start_pos
        for match in self.expression.finditer(value):
            text = match.group(0)
            if "-" in text and not _joined_compound(text):
                parts = [(start_char + match.start() + m.start(), m.group(0)) for m in _PART.finditer(text)]
            else:
                parts = [(start_char + match.start(), text)]
            for startchar, part in parts:
                t.text = part
                t.boost = 1.0
                if keeporiginal:
                    t.original = part
                t.stopped = False
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = startchar, startchar + len(part)
                pos += 1
                yield t


class NewsWordFilter(Filter):
    """Token as written -> its indexed word (`news_word`). Asked with `variants=True` in query mode,
    a word not written as an acronym is followed, at the same position, by its acronym reading
    when that differs (`isis` -> `isi`, then `isis`)."""

    def __init__(self, stem: bool = True):
        self.stem = stem

    def __eq__(self, other):
        return type(self) is type(other) and self.stem == other.stem

    def __call__(self, tokens):
        stem = self.stem
        for t in tokens:
            written = t.text
            t.text, acronym = news_word(written, getattr(t, "acronyms", False), stem)
            yield t
            if not acronym and t.mode == "query" and getattr(t, "variants", False):
                reading = acronym_reading(written)
                if reading is not None and reading != t.text:
                    t.text = reading
                    yield t


# ------------------------------------------------------------ bulk analysis

# RegexTokenizer's default pattern, without its capturing group (so `findall` gives whole matches).
_TOKEN = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")


def _folded_words(text: str) -> list[str]:
    """The token texts of `name_analyzer_v1()`, in order."""
    if text.isascii():
        # Lower-casing ASCII changes no token boundary, and accent_map maps nothing that is left.
        return _TOKEN.findall(text.lower())
    return [word.lower().translate(accent_map) for word in _TOKEN.findall(text)]


def _stemmed_words(text: str) -> list[str]:
    """The token texts of `text_analyzer_v1()`, in order."""
    return _stemmer.stemWords(_folded_words(text))


def _marked(joined: str, mark: str) -> list[int]:
    """The indexes of the tokens of `"\x00".join(tokens)` that hold the character `mark`."""
    found: list[int] = []
    i = token = start = 0
    while (i := joined.find(mark, i)) >= 0:
        token += joined.count("\x00", start, i)
        start = i
        if not found or found[-1] != token:
            found.append(token)
        i += 1
    return found


def _news_words(text: str, stem: bool) -> list[str]:
    """The token texts of `text_analyzer()` (stem) or `name_analyzer()`, in order: every token as a
    plain word in a few C-level calls, then `news_word` for the few tokens it may change (found by
    C-level searches of the joined tokens: they hold `-`, `.` or `&`, or are in capitals)."""
    written = _NEWS_TOKEN.findall(text)
    if not written:
        return written
    acronyms = acronym_context(text)
    joined = "\x00".join(written)
    if "-" in joined:  # chains that are not one word become their parts
        split, last = [], 0
        for i in _marked(joined, "-"):
            if not _joined_compound(written[i]):
                split += written[last:i]
                split += _PART.findall(written[i])
                last = i + 1
        if last:
            written = split + written[last:]
            joined = "\x00".join(written)
    # One lower-casing of all the tokens: "\x00" is neither cased nor case-ignorable, so each token
    # is lower-cased as on its own (a final sigma too), and accent_map leaves it alone.
    lowered = joined.lower()
    words = (lowered if text.isascii() else lowered.translate(accent_map)).split("\x00")
    marked = {*_marked(joined, "-"), *_marked(joined, "."), *_marked(joined, "&")}
    if acronyms:  # tokens in capitals are among those that folding changed (all C-level calls)
        changed = list(compress(count(), map(ne, written, words)))
        marked.update(compress(changed, map(str.isupper, map(written.__getitem__, changed))))
    if stem:
        words = _stemmer.stemWords(words)
    for i in marked:
        words[i] = news_word(written[i], acronyms, stem)[0]
    return words


def _news_stemmed_words(text: str) -> list[str]:
    return _news_words(text, True)


def _news_folded_words(text: str) -> list[str]:
    return _news_words(text, False)


def bulk_words(analyzer) -> Callable[[str], list[str]] | None:
    """For an analyzer of this schema, a function giving the same token texts for a whole text in
    a few C-level calls: Whoosh's chain makes a generator step per token and filter, most of an
    indexing worker's time (see "Bulk analysis" in benchmarks/RESULTS.md). None for any other
    analyzer."""
    if analyzer == text_analyzer():
        return _news_stemmed_words
    if analyzer == name_analyzer():
        return _news_folded_words
    if analyzer == text_analyzer_v1():
        return _stemmed_words
    if analyzer == name_analyzer_v1():
        return _folded_words
    if analyzer == KeywordAnalyzer(lowercase=True, commas=True):
        return _tag_words
    return None


_TAG = re.compile(r"[^,]+")  # CommaSeparatedTokenizer's pattern


def _tag_words(text: str) -> list[str]:
    """The token texts of the tag fields' analyzer (`KEYWORD(commas=True, lowercase=True)`)."""
    return [tag.strip().lower() for tag in _TAG.findall(text)]


class DayField(fields.NUMERIC):
    """A date at day resolution, indexed as its proleptic ordinal.

    Day resolution keeps the number of distinct terms small (second-precision DATETIME makes ~5 trie
    terms per document). Query text is parsed by `searchkit.enrich.dates`, so `date:1987`, `date:1987-03`,
    `date:"1 Mar 1987"` and `date:[March 1987 TO 1988]` all work and mean whole periods.
    """

    def __init__(self, stored: bool = False, sortable: bool = False):
        # An undated article reads back from the column as a number <= 0 (never a real day), so
        # it sorts last when newest first.
        # Signed: Whoosh 2.7 computes wrong ranges from 0 on unsigned trie fields (measured).
        super().__init__(int, bits=32, signed=True, stored=stored, sortable=sortable, shift_step=8,
                         default=0)

    def parse_query(self, fieldname, qstring, boost=1.0):
        if qstring.strip() == "*":
            return query.Every(fieldname, boost=boost)
        lo, hi = parse_span(qstring)
        return query.NumericRange(fieldname, lo.toordinal(), hi.toordinal(), boost=boost,
                                  constantscore=True)

    def parse_range(self, fieldname, start, end, startexcl, endexcl, boost=1.0):
        lo = hi = None
        if start:
            span = parse_span(start)
            lo = (span[1].toordinal() + 1) if startexcl else span[0].toordinal()
        if end:
            span = parse_span(end)
            hi = (span[0].toordinal() - 1) if endexcl else span[1].toordinal()
        return query.NumericRange(fieldname, lo, hi, boost=boost, constantscore=True)


class MentionedField(DayField):
    """Days named in an article's text; `mentioned:1987-03` also finds the month and year mentions
    that lie wholly inside the span asked for ("in March" for 1987-03 and for 1987, "in 1985" for
    1985), kept in two sibling fields at the first day of the month or year."""

    def _periods(self, fieldname, lo, hi, boost):
        clauses = [query.NumericRange(fieldname, lo, hi, boost=boost, constantscore=True)]
        if lo is None and hi is None:
            return clauses[0]
        lo_d = date.fromordinal(lo) if lo is not None else None
        hi_d = date.fromordinal(hi) if hi is not None else None
        # months wholly inside [lo, hi]: first day >= lo, last day <= hi
        m_lo = None if lo_d is None else (lo_d if lo_d.day == 1 else _next_month(lo_d))
        m_hi = None if hi_d is None else (_next_month(hi_d) if _is_month_end(hi_d)
                                          else hi_d.replace(day=1)) - _ONE_DAY
        if m_lo is None or m_hi is None or m_lo <= m_hi:
            clauses.append(query.NumericRange(
                f"{fieldname}_month", m_lo.toordinal() if m_lo else None,
                m_hi.toordinal() if m_hi else None, boost=boost, constantscore=True))
        y_lo = None if lo_d is None else (lo_d if (lo_d.month, lo_d.day) == (1, 1)
                                          else date(lo_d.year + 1, 1, 1))
        y_hi = None if hi_d is None else (date(hi_d.year + 1, 1, 1) if (hi_d.month, hi_d.day) == (12, 31)
                                          else date(hi_d.year, 1, 1)) - _ONE_DAY
        if y_lo is None or y_hi is None or y_lo <= y_hi:
            clauses.append(query.NumericRange(
                f"{fieldname}_year", y_lo.toordinal() if y_lo else None,
                y_hi.toordinal() if y_hi else None, boost=boost, constantscore=True))
        return query.Or(clauses) if len(clauses) > 1 else clauses[0]

    def parse_query(self, fieldname, qstring, boost=1.0):
        if qstring.strip() == "*":
            return query.Or([query.Every(f, boost=boost)
                             for f in (fieldname, f"{fieldname}_month", f"{fieldname}_year")])
        lo, hi = parse_span(qstring)
        return self._periods(fieldname, lo.toordinal(), hi.toordinal(), boost)

    def parse_range(self, fieldname, start, end, startexcl, endexcl, boost=1.0):
        q = super().parse_range(fieldname, start, end, startexcl, endexcl, boost)
        return self._periods(fieldname, q.start, q.end, boost)


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _is_month_end(d: date) -> bool:
    return (d + _ONE_DAY).day == 1


def day_number(d: date) -> int:
    return d.toordinal()


def day_from_number(n: int) -> date:
    return date.fromordinal(n)


class StringColumn(fields.ID):
    """A string kept per document in a column (and stored if asked) but not indexed: for values
    that are read back by document, never searched for (the content fingerprint, the wire-copy
    cluster). Indexed, each made a term per article: 2 of every 13 terms of a segment, which cost
    writing and merging time. Indexes made with them as ID fields keep their schema."""

    indexed = False

    def __init__(self, stored: bool = False):
        super().__init__(stored=stored, sortable=True)


def seconds_column() -> fields.NUMERIC:
    """A number kept per document in a column only (not indexed, so no terms). Whoosh's own class
    with `indexed` off, so that the pickled schema needs no searchkit class to be read."""
    field = fields.NUMERIC(int, bits=32, signed=False, sortable=True, default=0)
    field.indexed = False
    return field


def _tag_field():
    # Whole values, comma separated; the column keeps the original spelling for facets.
    return fields.KEYWORD(commas=True, lowercase=True, scorable=False, sortable=True, stored=True)


def _indexed_field(field: Field, analysis: int) -> fields.FieldType | None:
    """The Whoosh field of a registry field (None for a facet computed from the date)."""
    kind = field.kind
    text, names = ANALYZERS[analysis]
    if kind == "text":
        return fields.TEXT(analyzer=text(), stored=True, field_boost=field.boost)
    if kind in ("tags", "tag"):
        return _tag_field()
    if kind == "names":
        return fields.TEXT(analyzer=names(), stored=False)
    if kind == "day":
        return DayField(sortable=True)
    if kind == "days":
        return MentionedField(stored=True)
    if kind == "id":
        return fields.ID(unique=True, stored=True, sortable=True)
    return None


def build_schema(analysis: int = ANALYSIS) -> fields.Schema:
    """The registry's fields (`searchkit.fields`) and the columns and stored details of the index;
    `analysis`: the analyzers' version (1: an index made before analysis 2, see `ANALYZERS`)."""
    declared = {f.name: whoosh_field for f in FIELDS
                if (whoosh_field := _indexed_field(f, analysis)) is not None}
    return fields.Schema(
        **declared,
        # Content fingerprint: lets a re-run skip unchanged articles without reading stored fields.
        fingerprint=StringColumn(),
        # Seconds since midnight of `date`, for date order within a day (see backends/whoosh/timeorder).
        date_time=seconds_column(),
        # Month and year mentions, at their first day (searched through `mentioned:`).
        mentioned_month=DayField(),
        mentioned_year=DayField(),
        # Stored-only details, returned by `show` and `get`.
        published=fields.STORED(),
        dateline=fields.STORED(),
        url=fields.STORED(),
        authors=fields.STORED(),
        origin=fields.STORED(),
        # Wire-copy cluster (see `wirecopies`): the id of the cluster's first article.
        cluster=StringColumn(stored=True),
        mentioned_periods=fields.STORED(),
        extracted=fields.STORED(),
    )
