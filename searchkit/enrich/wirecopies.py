"""Wire copies: near-duplicate articles (the same story re-sent or lightly edited), found at index time.

Method (pure Python, no engine involved):
- an article's text (headline and body, lower-cased, runs of letters and digits) becomes the set of
  its word 4-shingles, each hashed to 32 bits by crc32 (stable across runs and machines, unlike
  Python's `hash`, and computed in C);
- MinHash signature of `NUM_PERM` values by one-permutation hashing: the low bits of a hash choose a
  bin, each bin keeps its smallest value, empty bins borrow from the next full one ("rotation
  densification", Shrivastava 2017). Two signatures agree at a position with probability ~ the
  Jaccard similarity of the shingle sets, as with `NUM_PERM` separate hash functions, but it costs
  one pass over the shingles, where classic MinHash (64 XOR-masked minima) costs a pass per hash
  function in pure Python, several times slower per article;
- LSH banding: `BANDS` bands of `ROWS` rows; two articles sharing a band are candidates
  (detection probability 1-(1-J^ROWS)^BANDS: 0.99 at J=0.7, 0.45 at J=0.4);
- a candidate is a copy when the signatures agree on at least `THRESHOLD` of their positions
  (the estimated Jaccard similarity of the shingle sets), and both texts are long enough
  (`MIN_SHINGLES`) that agreement means something.

Clustering is incremental and leader based: an article joins the cluster whose first article (its
leader, whose id is the cluster id) it resembles most (ties: the earliest), else it starts its own
cluster. Comparing with the leader, not with any member, avoids chains of slightly different
reports (A~B, B~C, ... Y~Z) growing into one cluster. The
same rule runs for a first index and for articles added later, so adding files one by one or all at
once gives the same clusters. A later article that resembles two existing clusters joins one of them;
the two are not merged (that would rewrite already indexed articles).

Signatures, band keys and clusters are kept in `wirecopies.sqlite` next to the index (and only
there: the indexing process's memory stays flat), so a later `add` only computes signatures for the
new articles.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import zlib
from array import array
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, Sequence

from ..errors import ArchiveError

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 4
THRESHOLD = 0.6
MIN_SHINGLES = 8
FILENAME = "wirecopies.sqlite"

_WORDS = re.compile(r"\w+")
_BIN_BITS = NUM_PERM.bit_length() - 1  # NUM_PERM is a power of two


def shingles(text: str) -> set[int]:
    """crc32 hashes of the text's word 4-shingles (of the whole text if it is shorter)."""
    words = _WORDS.findall(text.lower())
    if len(words) < SHINGLE:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    # Iterating in C (zip, map): this runs over every word of every article indexed.
    grams = map(" ".join, zip(*(words[i:] for i in range(SHINGLE))))
    return set(map(zlib.crc32, map(str.encode, grams)))


def signature(hashes: set[int]) -> tuple[int, ...] | None:
    """A one-permutation MinHash signature with rotation densification, or None for no text."""
    if not hashes:
        return None
    mask = NUM_PERM - 1
    ordered = sorted(hashes, reverse=True)
    smallest = dict(zip(map(mask.__and__, ordered), ordered))  # the last, smallest, one wins
    sig = [0] * NUM_PERM
    # Walking right to left twice fills each empty bin from the next full bin to its right
    # (wrapping round), marked with the distance.
    nearest, distance = 0, 0  # (set by the first pass: `smallest` has a bin)
    for i in range(2 * NUM_PERM - 1, -1, -1):
        h = smallest.get(i & mask)
        if h is not None:
            nearest, distance = h >> _BIN_BITS, 0
        else:
            distance += 1
        if i < NUM_PERM:
            sig[i] = (nearest << _BIN_BITS) | distance
    return tuple(sig)


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    return sum(x == y for x, y in zip(a, b)) / NUM_PERM


def _band_keys(sig) -> list[int]:
    """One 60-bit key per band: the band's number and a hash of its rows (a collision of two
    different bands only adds a candidate, which the similarity check then weighs)."""
    keys = []
    for i in range(BANDS):
        rows = array("I", sig[i * ROWS:(i + 1) * ROWS]).tobytes()
        keys.append((i << 56) | int.from_bytes(hashlib.blake2b(rows, digest_size=7).digest(), "big"))
    return keys


def _unpack(blob: bytes) -> array:
    return array("I", blob)


def article_text(headline: str, body: str) -> str:
    return f"{headline}\n{body}"


class Signature(NamedTuple):
    """An article's MinHash signature and its band keys."""

    minhash: tuple[int, ...]
    bands: list[int]


def text_signature(headline: str, body: str) -> Signature | None:
    """An article's signature, or None when its text is too short to compare (computed where
    articles are prepared, possibly in another process; `WireCopies.assign` takes it)."""
    hashes = shingles(article_text(headline, body))
    if len(hashes) < MIN_SHINGLES:
        return None
    minhash = signature(hashes)
    assert minhash is not None  # (there are shingles)
    return Signature(minhash, _band_keys(minhash))


class WireCopies:
    """The LSH table of every indexed article, in the side file.

    Everything lives in SQLite, not in memory: the articles (rank, id, cluster, signature) and, for
    each cluster leader, its band keys (indexed), so an article's candidates are one indexed lookup
    and the indexing process's memory does not grow with the archive (held in memory, signatures
    and buckets did: "Memory after moving wire copies into SQLite", in benchmarks/RESULTS.md's
    history). Changes are part of the open transaction until
    `commit`.
    """

    needs_signatures = True

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / FILENAME
        self._db: sqlite3.Connection | None = None
        self._max_rank: int | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self.path)
            db.execute("CREATE TABLE IF NOT EXISTS articles (rank INTEGER PRIMARY KEY, "
                       "id TEXT UNIQUE NOT NULL, cluster TEXT NOT NULL, sig BLOB)")
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'bands'").fetchone() is None:
                db.execute("CREATE TABLE bands (key INTEGER NOT NULL, rank INTEGER NOT NULL)")
                db.execute("CREATE INDEX bands_key ON bands (key)")
                # A side file from before the band table: index its leaders once.
                leaders = db.execute("SELECT rank, sig FROM articles WHERE cluster = id "
                                     "AND sig IS NOT NULL").fetchall()
                db.executemany("INSERT INTO bands (key, rank) VALUES (?, ?)",
                               ((key, rank) for rank, blob in leaders
                                for key in _band_keys(_unpack(blob))))
                db.commit()
            self._db = db
        return self._db

    @contextmanager
    def _writing(self):
        """SQLite's errors as the index's own write errors (a full disk reads the same as when
        Whoosh's files hit it); the caller rolls back."""
        try:
            yield
        except sqlite3.Error as exc:
            full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            raise ArchiveError(
                f"cannot write the index at {self.path.parent}: "
                f"{'No space left on device' if full else exc} ({FILENAME}); the index keeps what "
                f"its last commit held") from None

    def _next_rank(self) -> int:
        if self._max_rank is None:
            self._max_rank = self._connect().execute(
                "SELECT coalesce(max(rank), 0) FROM articles").fetchone()[0]
        self._max_rank += 1
        return self._max_rank

    def assign(self, article_id: str, sig: Signature | None) -> str:
        """The cluster id of an article being added (or replaced), given its `text_signature`;
        remembers the signature."""
        with self._writing():
            return self._assign(article_id, sig)

    def _assign(self, article_id: str, sig: Signature | None) -> str:
        db = self._connect()
        self.forget(article_id)
        cluster = article_id
        rank = self._next_rank()
        if sig is not None:
            keys = sig.bands
            best = None
            candidates = db.execute(
                "SELECT DISTINCT a.rank, a.id, a.sig FROM bands b JOIN articles a ON a.rank = b.rank "
                f"WHERE b.key IN ({','.join('?' * len(keys))})", keys)
            for leader_rank, leader, blob in candidates:
                sim = similarity(sig.minhash, _unpack(blob))
                if sim >= THRESHOLD and (best is None or (sim, -leader_rank) > best):
                    best, cluster = (sim, -leader_rank), leader
            if cluster == article_id:
                db.executemany("INSERT INTO bands (key, rank) VALUES (?, ?)",
                               [(key, rank) for key in keys])
        blob = array("I", sig.minhash).tobytes() if sig is not None else None
        db.execute("INSERT INTO articles (rank, id, cluster, sig) VALUES (?, ?, ?, ?)",
                   (rank, article_id, cluster, blob))
        return cluster

    def forget(self, article_id: str) -> None:
        """Drop an article (it is being replaced); its cluster id stays valid for the others."""
        db = self._connect()
        row = db.execute("SELECT rank, cluster, sig FROM articles WHERE id = ?",
                         (article_id,)).fetchone()
        if row is None:
            return
        rank, cluster, blob = row
        if blob and cluster == article_id:  # a leader: no longer a candidate
            keys = _band_keys(_unpack(blob))
            db.execute(f"DELETE FROM bands WHERE rank = ? AND key IN ({','.join('?' * len(keys))})",
                       (rank, *keys))
        db.execute("DELETE FROM articles WHERE rank = ?", (rank,))

    def copies(self, article_id: str) -> list[str]:
        """The ids of the articles in `article_id`'s cluster (itself included), in indexing order;
        [] when it is in no cluster. Read on a connection of its own, read-only: callers may be
        threads of a server, and this never creates the side file."""
        if not self.path.exists():
            return []
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            return [row[0] for row in db.execute(
                "SELECT id FROM articles WHERE cluster = (SELECT cluster FROM articles WHERE id = ?) "
                "ORDER BY rank", (article_id,))]
        except sqlite3.Error:
            return []
        finally:
            db.close()

    def commit(self) -> None:
        if self._db is not None:
            with self._writing():
                self._db.commit()

    def rollback(self) -> None:
        if self._db is not None:
            self._db.rollback()
        self._max_rank = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._max_rank = None

    def clear(self) -> None:
        self.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class NoWireCopies:
    """Stands in for `WireCopies` where there is no local index folder (a Xapian cluster): every
    article is its own cluster, and collapsing is refused by the engine."""

    needs_signatures = False

    def copies(self, article_id: str) -> list[str]:
        return []

    def assign(self, article_id: str, sig: Signature | None) -> None:
        return None

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass

    def clear(self) -> None:
        pass
