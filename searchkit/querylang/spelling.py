"""How close a suggested spelling is to what was typed, for did-you-mean (issue 23): an edit
distance in which letters that sound alike (`opek` -> `opec`, c/k) cost half an edit, and never a
stop word as the suggestion (`ISIS` -> `is` was offered: the index keeps stop words for phrases, and
the stem `isi` is one edit from `is`)."""
from __future__ import annotations

from ..schema import STOP_WORDS

# Pairs of letters that often stand for the same sound in English spellings.
_SOUND_ALIKE = frozenset(map(frozenset, ("ck", "kq", "cs", "sz", "iy", "fv", "gj", "mn", "td", "bp")))
_HALF = 0.5


def can_suggest(spelling: str) -> bool:
    """A stop word (`is`, `the`) is never offered instead of a word: the parser drops it."""
    return spelling not in STOP_WORDS


def max_edits(typed: str) -> int:
    """The edits a suggestion may be away from a word, by its length (Elasticsearch's `AUTO`
    fuzziness): none for 1-2 letters, 1 for 3-5 (`isis` -> `ii` is not offered), 2 for longer."""
    return 0 if len(typed) <= 2 else 1 if len(typed) <= 5 else 2


def spelling_distance(typed: str, spelling: str) -> float:
    """Damerau-Levenshtein distance (insert, delete, substitute, swap two neighbours: 1 each),
    where substituting a sound-alike letter costs half."""
    a, b = typed.lower(), spelling.lower()
    rows = [[float(j) for j in range(len(b) + 1)]]
    for i in range(1, len(a) + 1):
        row = [float(i)] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                change = 0.0
            elif frozenset((a[i - 1], b[j - 1])) in _SOUND_ALIKE:
                change = _HALF
            else:
                change = 1.0
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + change)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
