"""Hit counts and facet counts agree with an independent count.

The independent side is SQLite FTS5 (stdlib `sqlite3`, `tokenize='porter unicode61'`) over the
Reuters-21578 articles, read here by a small regex reader of our own, not by searchkit. Nothing of
the corpus is copied into the repository: it is read from ../shared/corpora at test time.

Where the two engines differ by design:
- searchkit stems with Snowball English (Porter2), FTS5 with the original Porter stemmer. The words
  below were chosen so that both conflate exactly the same corpus words (checked at test time
  against the FTS5 vocabulary). `quarter`, `unemployment`, `imports` or `strike` would not do: one
  stemmer joins `quarterly`, `unemployed`, `importantly` or `strikingly` to them, the other does not.
- searchkit drops a short list of stop words; FTS5 keeps every word. None of the chosen words is a
  stop word, and the phrases have no stop word inside them. Both sides match a phrase within one
  field (title/headline or body).
- tokenisation differs in details (searchkit keeps inner dots: `u.s`, `3.5`), hence a small
  tolerance: |searchkit - fts5| <= max(3, 5% of fts5).
"""
from __future__ import annotations

import functools
import html
import re
import sqlite3
from typing import Iterator
from collections import Counter
from dataclasses import dataclass, field

import pytest

from .conftest import REUTERS, needs_corpora

pytestmark = needs_corpora

REUTERS_ONLY = {"source": ["reuters"]}

# Mid-frequency content words (~100 to ~1,700 Reuters articles each) on different subjects.
WORDS = ["coffee", "tonnes", "dividend", "tariff", "shipping", "wheat", "bankruptcy", "merger",
         "sugar", "cocoa", "copper", "crude", "barrels", "shareholders", "acquisition", "inflation",
         "budget", "earnings", "rubber", "soybeans", "treasury", "grain"]
# Two-word phrases without a stop word between their words.
PHRASES = ["interest rates", "oil prices", "trade deficit", "central bank", "money supply",
           "crude oil", "prime rate", "federal reserve", "exchange rates", "net income",
           "joint venture", "tender offer"]


def close(a: int, b: int) -> bool:
    return abs(a - b) <= max(3, 0.05 * b)


# ------------------------------------------------------------ the independent reader

_ARTICLE = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_TEXT = re.compile(r"<TEXT\b[^>]*>(.*?)</TEXT>", re.S)
_D = re.compile(r"<D>(.*?)</D>", re.S)
_ANY_TAG = re.compile(r"<[^>]+>")


def _element(name: str, block: str) -> str | None:
    m = re.search(rf"<{name}>(.*?)</{name}>", block, re.S)
    return m.group(1) if m else None


@dataclass
class Doc:
    id: str
    title: str
    body: str
    places: list[str] = field(default_factory=list)


def read_reuters() -> list[Doc]:
    """Every <REUTERS> element of the .sgm files: TITLE and BODY, and the PLACES tags.

    Articles of TYPE="UNPROC" have neither TITLE nor BODY, only untagged text inside <TEXT>; that
    text is their body (as the Reuters-21578 documentation describes them).
    """
    docs = []
    for path in sorted(REUTERS.glob("reut2-*.sgm")):
        text = path.read_bytes().decode("latin-1")
        for m in _ARTICLE.finditer(text):
            found = _NEWID.search(m.group(1))
            assert found is not None
            newid = found.group(1)
            block = m.group(2)
            title, body = _element("TITLE", block), _element("BODY", block)
            if title is None and body is None:
                inner = _TEXT.search(block)
                body = _ANY_TAG.sub(" ", inner.group(1)) if inner else ""
            places = [html.unescape(v).strip() for v in _D.findall(_element("PLACES", block) or "")]
            docs.append(Doc(f"reuters-{newid}", html.unescape(title or ""), html.unescape(body or ""),
                            [p for p in places if p]))
    return docs


@dataclass
class Fts:
    con: sqlite3.Connection
    docs: dict[str, Doc]
    words: list[str]

    def ids(self, match: str) -> set[str]:
        return {row[0] for row in self.con.execute("SELECT id FROM articles WHERE articles MATCH ?",
                                                   (match,))}

    def count(self, match: str) -> int:
        return self.con.execute("SELECT count(*) FROM articles WHERE articles MATCH ?",
                                (match,)).fetchone()[0]

    @functools.cached_property
    def snowball_classes(self) -> dict[str, set[str]]:
        """Snowball English stem -> the corpus words with that stem (the stemmer searchkit uses)."""
        import Stemmer

        classes: dict[str, set[str]] = {}
        for w, stem in zip(self.words, Stemmer.Stemmer("english").stemWords(self.words)):
            classes.setdefault(stem, set()).add(w)
        return classes

    def conflated(self, word: str) -> set[str]:
        """Corpus words that FTS5's Porter stemmer gives the same stem as `word`."""
        return {row[0] for row in self.con.execute("SELECT word FROM vocabulary WHERE vocabulary MATCH ?",
                                                   (word,))}


@pytest.fixture(scope="module")
def fts() -> Iterator[Fts]:
    if not REUTERS.is_dir():
        pytest.skip(f"Reuters corpus not found at {REUTERS}")
    docs = read_reuters()
    assert len(docs) == 21578  # the collection's documented size: the reader missed nothing
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE articles USING fts5(id UNINDEXED, title, body, "
                "tokenize='porter unicode61')")
    con.executemany("INSERT INTO articles VALUES (?, ?, ?)", [(d.id, d.title, d.body) for d in docs])
    # Every distinct word of the corpus as its own row: MATCH 'w' then lists the words FTS5 conflates.
    words = set()
    for d in docs:
        words.update(re.findall(r"[^\W_]+", f"{d.title} {d.body}".lower()))
    con.execute("CREATE VIRTUAL TABLE vocabulary USING fts5(word, tokenize='porter unicode61')")
    con.executemany("INSERT INTO vocabulary VALUES (?)", [(w,) for w in sorted(words)])
    yield Fts(con, {d.id: d for d in docs}, sorted(words))
    con.close()


def searchkit_total(archive, query: str, **kw) -> int:
    return archive.search(query, filters=REUTERS_ONLY, limit=0, snippets=False, **kw).total


# ------------------------------------------------------------ hit counts

@pytest.mark.parametrize("word", WORDS)
def test_word_count_agrees_with_fts5(corpus, fts, word):
    import Stemmer  # the Snowball stemmer searchkit documents; only used to vet the word choice
    from searchkit.schema import STOP_WORDS

    # Precondition (the word choice, not searchkit): both stemmers conflate the same corpus words.
    porter_class = fts.conflated(word)
    snowball_class = fts.snowball_classes.get(Stemmer.Stemmer("english").stemWord(word), set())
    assert word not in STOP_WORDS
    assert porter_class == snowball_class, f"{word!r} is stemmed differently: pick another word"

    expected = fts.count(word)
    assert expected >= 50  # mid-frequency: a miscount cannot hide in a tiny number
    got = searchkit_total(corpus, word)
    assert close(got, expected), f"{word}: searchkit {got}, FTS5 {expected}"
    # The same restriction written in the query instead of as a filter.
    assert searchkit_total(corpus, f"{word} source:reuters") == got


@pytest.mark.parametrize("phrase", PHRASES)
def test_phrase_count_agrees_with_fts5(corpus, fts, phrase):
    expected = fts.count(f'"{phrase}"')
    assert expected >= 50
    got = searchkit_total(corpus, f'"{phrase}"')
    assert close(got, expected), f"{phrase}: searchkit {got}, FTS5 {expected}"
    # A phrase is narrower than its words in any order.
    assert got <= searchkit_total(corpus, phrase)


@pytest.mark.parametrize("phrase", ["dividend payable", "share offering"])
def test_phrase_does_not_bridge_stop_words(corpus, fts, phrase):
    expected = fts.count(f'"{phrase}"')
    got = searchkit_total(corpus, f'"{phrase}"')
    assert close(got, expected), f"{phrase}: searchkit {got}, FTS5 {expected}"


# ------------------------------------------------------------ facet counts

def places_facet(corpus, query: str) -> dict[str, int]:
    result = corpus.search(query, facets=["places"], filters=REUTERS_ONLY, limit=0, facet_top=10_000,
                           snippets=False)
    values = result.facets["places"]
    counts = [v.count for v in values]
    assert counts == sorted(counts, reverse=True)  # most frequent first
    assert len({v.value for v in values}) == len(values)
    facet = {v.value: v.count for v in values}
    assert all(0 < n <= result.total for n in facet.values())
    return facet


@pytest.mark.parametrize("query", ["coffee", '"oil prices"', "grain"])
def test_places_facet_equals_filtered_totals(corpus, query):
    facet = places_facet(corpus, query)
    assert len(facet) >= 5
    for value, count in facet.items():
        filtered = corpus.search(query, filters={**REUTERS_ONLY, "places": [value]}, limit=0,
                                 snippets=False).total
        assert filtered == count, f"{query} places={value}: facet {count}, filtered total {filtered}"
    # The default facet (top 10) is the head of the full list.
    top = corpus.search(query, facets=["places"], filters=REUTERS_ONLY, limit=0,
                        snippets=False).facets["places"]
    assert [(v.value, v.count) for v in top] == list(facet.items())[:10]


@pytest.mark.parametrize("word", ["coffee", "grain", "tariff"])
def test_places_facet_agrees_with_fts5_and_sgml_tags(corpus, fts, word):
    facet = places_facet(corpus, word)
    # A document's places are its SGML PLACES tags and the places extracted from its text (kept
    # apart in `Article.extracted`); the matching and the tags are independent of searchkit.
    independent = Counter(place for doc_id in fts.ids(word)
                          for place in dict.fromkeys([*fts.docs[doc_id].places,
                                                      *corpus.get(doc_id).extracted.get("places", [])]))
    assert len(independent) >= 5
    for value in set(facet) | set(independent):
        got, expected = facet.get(value, 0), independent.get(value, 0)
        assert close(got, expected), f"{word} places={value}: searchkit {got}, independent {expected}"
    top = sorted(independent.items(), key=lambda kv: -kv[1])[:3]
    assert all(value in facet for value, _ in top)
