"""Did you mean: a query with its rare words replaced by close, much commoner spellings."""
from __future__ import annotations

import re
from collections import Counter
from itertools import chain

from whoosh import query
from whoosh.searching import Searcher
from whoosh.support.levenshtein import distance

from ...querylang.spelling import can_suggest, max_edits, spelling_distance


_WORD = re.compile(r"\w+")


def _surface(searcher: Searcher, stem: str) -> str | None:
    """The commonest spelling in article bodies of a word whose stem is `stem`."""
    analyzer = searcher.schema["body"].analyzer
    spellings: Counter = Counter()
    for fields in searcher.search(query.Term("body", stem), limit=5):
        body = fields.get("body", "")
        for token in analyzer(body, chars=True):
            if token.text == stem:
                spellings[body[token.startchar:token.endchar].lower()] += 1
    return spellings.most_common(1)[0][0] if spellings else None


def suggest(searcher: Searcher, q: query.Query, text: str, rare: int = 5) -> str | None:
    """`text` with each rare word (in at most `rare` articles) replaced by the closest spelling
    (`querylang.spelling`: an edit distance where sound-alike letters cost half, at most 1 for a
    word of 3-5 letters and 2 for a longer one; same first letter; never a stop word) of an
    indexed word that is in at least 10 times as many articles (ties: the commonest); None if no
    word changes."""
    reader = searcher.reader()
    corrector = reader.corrector("body")
    edits: dict[tuple[int, int], str] = {}
    # Ranges have no word to correct (and Whoosh's TermRange.tokens fails on them).
    words = (leaf for leaf in q.leaves() if not isinstance(leaf, query.RangeMixin))
    # A typed word may have several readings (analysis 2: `rates` is the stem `rate` or the
    # acronym `rates`): it is rare only if its commonest reading is, and that reading is corrected.
    readings: dict[tuple[int, int], tuple[int, str]] = {}
    for token in chain.from_iterable(leaf.tokens() for leaf in words):
        if token.fieldname != "body" or token.startchar is None or token.endchar is None:
            continue
        span = (token.startchar, token.endchar)
        reading = (reader.doc_frequency("body", token.text), token.text)
        if span not in readings or reading[0] > readings[span][0]:
            readings[span] = reading
    for span, (freq, term) in readings.items():
        word = text[span[0]:span[1]]
        if freq > rare or not _WORD.fullmatch(word):
            continue
        candidates = [c for c in corrector.suggest(term, limit=1000, maxdist=2, prefix=1)
                      if can_suggest(c) and reader.doc_frequency("body", c) >= max(1, 10 * freq)]
        candidates.sort(key=lambda c: (distance(term, c), -reader.doc_frequency("body", c)))
        best = None
        for stem in candidates[:8]:
            spelling = _surface(searcher, stem)
            if spelling and can_suggest(spelling):
                # Closest to what was typed (as spelled, not as stemmed), then the commonest.
                key = (spelling_distance(word, spelling), -reader.doc_frequency("body", stem))
                if best is None or key < best[0]:
                    best = (key, spelling)
        if best is not None and best[0][0] <= max_edits(word) and best[1] != word.lower():
            edits[span] = best[1]
    if not edits:
        return None
    out, index = [], 0
    for (start, end), spelling in sorted(edits.items()):
        out.append(text[index:start])
        out.append(spelling)
        index = end
    out.append(text[index:])
    return "".join(out)
