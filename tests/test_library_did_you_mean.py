"""Did-you-mean (issue 23): never a stop word, short words by at most one edit, sound-alike letters
closer than other letters."""
from __future__ import annotations

from searchkit.querylang.spelling import can_suggest, max_edits, spelling_distance

from .conftest import needs_corpora


def test_spelling_distance_and_limits():
    assert spelling_distance("opek", "opec") < spelling_distance("opek", "oper") == 1
    assert spelling_distance("recieve", "receive") == 1  # two neighbours swapped
    assert spelling_distance("isis", "ii") == 2 > max_edits("isis") == 1
    assert (max_edits("ok"), max_edits("inflaton")) == (0, 2)
    assert not can_suggest("is") and not can_suggest("the") and can_suggest("opec")


@needs_corpora
def test_no_stop_word_and_the_frequent_sound_alike_word(corpus):
    """The issue's examples: `ISIS` -> "is", `iraq isis kirkuk` -> "iraq is kirkuk", `opek` -> "oper"."""
    assert corpus.search("ISIS", limit=0).suggestion is None
    assert corpus.search("iraq isis kirkuk", limit=0).suggestion is None
    assert corpus.search("opek", limit=0).suggestion == "opec"
    assert corpus.search("inflaton", limit=0).suggestion == "inflation"
