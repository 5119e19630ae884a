"""Ranking quality on Reuters-21578 topic queries (issue 23): plain BM25F vs candidate rankings.

    flock /tmp/searchkit-bench.lock python benchmarks/eval_relevance.py \
        [--corpora ../shared/corpora] [--index /tmp/relevance-index] [--out-md M.md] [--out-json R.json]

The yardstick. Every Reuters-21578 article is indexed with its TOPICS, PLACES, PEOPLE, ORGS, EXCHANGES
and COMPANIES tags blanked (ranking cannot read them; the entities extracted from the text are kept)
and its Lewis split in the `section` field (`train`, `test` for TOPICS="YES" articles, else
`unused`), which ranking does not read either: a search of one half is the query with a
`section` filter. For each topic with at least --min-articles TRAIN and TEST articles a short query a
user would type (QUERIES below, written from the topic names and `cat-descriptions_120396.txt` before
any measurement) is searched as typed: all words (searchkit's default AND) in headline and body.
Relevant = the articles tagged with the topic. nDCG@10 (binary gains), P@10 and MAP@100 (average
precision over the first 100, divided by min(relevant, 100)), per half: every parameter is chosen on
the TRAIN half (mean nDCG@10), the TEST half is reported as held back.

Rankings:
- `plain`: `Archive.search` (the real library: Whoosh BM25F, headline weighted twice);
- the candidates: re-rankings of the same matches (the set never changes, only the order) with
  Whoosh directly on the same index: BM25 B/K1, field weights (headline, entities), entity-aware
  matching (a query word also matches the `entities` field of extracted names), a proximity bonus
  for multi-word queries (the words within `slop` positions, in headline or body), and
  pseudo-relevance feedback (RM3 or Bo1 terms of the first k articles of the whole archive,
  interpolated with the query), each alone and tuned in sequence into one combination.
Deterministic: the index is built in one process (`procs=0`), grids are walked in a fixed order and
ties go to the earlier parameter value.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh import scoring  # noqa: E402
from whoosh.searching import Searcher  # noqa: E402

from searchkit import Archive  # noqa: E402
from searchkit.ingest import sources  # noqa: E402
from searchkit.model import Article  # noqa: E402
from searchkit.querylang import ranking as library_ranking  # noqa: E402
from searchkit.schema import STOP_WORDS, name_analyzer, text_analyzer  # noqa: E402

# Topic code -> the query a user would type for it.
QUERIES: dict[str, str] = {
    "acq": "company acquisition",
    "alum": "aluminium",
    "barley": "barley",
    "bop": "balance of payments",
    "carcass": "meat",
    "cocoa": "cocoa",
    "coffee": "coffee",
    "copper": "copper",
    "corn": "corn",
    "cotton": "cotton",
    "cpi": "consumer price index",
    "crude": "crude oil",
    "dlr": "dollar",
    "earn": "quarterly earnings",
    "fuel": "fuel oil",
    "gas": "gasoline",
    "gnp": "economic growth",
    "gold": "gold",
    "grain": "grain",
    "interest": "interest rates",
    "ipi": "industrial production",
    "iron-steel": "steel",
    "jobs": "unemployment",
    "lead": "lead",
    "livestock": "livestock",
    "meal-feed": "animal feed",
    "money-fx": "foreign exchange",
    "money-supply": "money supply",
    "nat-gas": "natural gas",
    "oilseed": "oilseeds",
    "orange": "orange juice",
    "palm-oil": "palm oil",
    "pet-chem": "petrochemicals",
    "reserves": "foreign reserves",
    "rice": "rice",
    "rubber": "rubber",
    "ship": "shipping",
    "sorghum": "sorghum",
    "soy-meal": "soymeal",
    "soy-oil": "soybean oil",
    "soybean": "soybeans",
    "strategic-metal": "strategic metals",
    "sugar": "sugar",
    "tin": "tin",
    "trade": "trade deficit",
    "veg-oil": "vegetable oil",
    "wheat": "wheat",
    "wpi": "wholesale prices",
    "yen": "yen",
    "zinc": "zinc",
}

# The second query set (issue 23, fourth session): a reporter's need in 2-5 words per topic, written
# from `cat-descriptions_120396.txt` and the topic names before any run on it (committed before its
# first measurement; never edited after). Harder than QUERIES: several words, all required, not
# always the topic's own word.
NEEDS: dict[str, str] = {
    "acq": "company takeover bid",
    "alum": "aluminium smelter production",
    "barley": "barley exports tender",
    "bop": "current account deficit",
    "carcass": "beef meat imports",
    "cocoa": "cocoa buffer stock",
    "coffee": "coffee export quotas",
    "copper": "copper mine production",
    "corn": "corn crop forecast",
    "cotton": "cotton crop exports",
    "cpi": "inflation consumer prices",
    "crude": "opec crude oil production",
    "dlr": "dollar exchange rate",
    "earn": "first quarter net profit",
    "fuel": "heavy fuel oil prices",
    "gas": "unleaded gasoline prices",
    "gnp": "gross national product growth",
    "gold": "gold bullion prices",
    "grain": "grain exports harvest",
    "interest": "interest rate cut",
    "ipi": "industrial output figures",
    "iron-steel": "steel mills production",
    "jobs": "jobless rate",
    "lead": "lead metal prices",
    "livestock": "cattle hogs slaughter",
    "meal-feed": "animal feed meal",
    "money-fx": "currency market intervention",
    "money-supply": "money supply growth",
    "nat-gas": "gas pipeline supply",
    "oilseed": "oilseed crop rapeseed",
    "orange": "frozen orange juice concentrate",
    "palm-oil": "malaysian palm oil exports",
    "pet-chem": "petrochemical plant ethylene",
    "reserves": "foreign exchange reserves fall",
    "rice": "rice export prices",
    "rubber": "natural rubber prices",
    "ship": "port strike ships",
    "sorghum": "sorghum exports",
    "soy-meal": "soybean meal exports",
    "soy-oil": "soybean oil sales",
    "soybean": "soybean crop exports",
    "strategic-metal": "strategic metals stockpile",
    "sugar": "sugar prices production",
    "tin": "tin prices producers",
    "trade": "trade balance surplus",
    "veg-oil": "edible oil imports",
    "wheat": "wheat export subsidy",
    "wpi": "producer prices inflation",
    "yen": "yen dollar rate",
    "zinc": "zinc smelter prices",
}
assert NEEDS.keys() == QUERIES.keys()
QUERY_SETS = {"topics": QUERIES, "needs": NEEDS}

SPLITS = ("train", "test")
HIDDEN_TAGS = ("topics", "places", "people", "orgs", "exchanges", "companies")
DEPTH = 100  # ranks read per query (MAP@100)

# ---------------------------------------------------------------- metrics


def precision_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the first k ranks that are relevant (a short list counts its missing ranks as misses)."""
    return sum(1 for d in ranked[:k] if d in relevant) / k


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Binary-gain nDCG@k: sum of 1/log2(rank + 1) over relevant ranks, over the ideal ordering's."""
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def average_precision(ranked: Sequence[str], relevant: set[str], depth: int = DEPTH) -> float:
    """AP over the first `depth` ranks: the precision at each relevant rank, summed, over
    min(relevant, depth) (so a topic with 1,000 articles can still reach 1)."""
    hits, total = 0, 0.0
    for i, d in enumerate(ranked[:depth]):
        if d in relevant:
            hits += 1
            total += hits / (i + 1)
    wanted = min(len(relevant), depth)
    return total / wanted if wanted else 0.0


def scores_of(ranked: Sequence[str], relevant: set[str]) -> dict[str, float]:
    return {"ndcg10": ndcg_at(ranked, relevant, 10), "p10": precision_at(ranked, relevant, 10),
            "map100": average_precision(ranked, relevant)}


# ---------------------------------------------------------------- corpus and index

_REUTERS = re.compile(r"<REUTERS([^>]*)>(.*?)</REUTERS>", re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_TOPICS = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
_D = re.compile(r"<D>(.*?)</D>")


@dataclass
class Judged:
    """The Lewis split of every article (`train`, `test` or `unused`) and the TOPICS tags."""

    split: dict[str, str] = field(default_factory=dict)  # article id -> split
    topics: dict[str, list[str]] = field(default_factory=dict)  # article id -> topic codes

    def relevant(self, topic: str, split: str) -> set[str]:
        return {a for a, ts in self.topics.items() if topic in ts and self.split[a] == split}

    def counts(self, split: str) -> Counter:
        return Counter(t for a, ts in self.topics.items() if self.split[a] == split for t in ts)


def reuters_files(corpora: Path, files: str = "") -> list[Path]:
    """The reut2-NNN.sgm files, all or those numbered in `files` ("000,018")."""
    paths = sorted((corpora / "reuters21578").glob("reut2-*.sgm"))
    if files:
        numbers = {f"{int(n):03d}" for n in files.split(",")}
        paths = [p for p in paths if p.stem.split("-")[1] in numbers]
    return paths


def read_judgments(paths: Iterable[Path]) -> Judged:
    """LEWISSPLIT and TOPICS of each article, read from the SGML (the ModApte halves: TOPICS="YES"
    articles with LEWISSPLIT TRAIN or TEST; every other article is `unused`)."""
    judged = Judged()
    for path in paths:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for m in _REUTERS.finditer(text):
            attrs = dict(_ATTR.findall(m.group(1)))
            article_id = f"reuters-{attrs['NEWID']}"
            lewis = attrs.get("LEWISSPLIT", "").lower()
            judged.split[article_id] = lewis if attrs.get("TOPICS") == "YES" and lewis in SPLITS else "unused"
            tags = _TOPICS.search(m.group(2))
            judged.topics[article_id] = _D.findall(tags.group(1)) if tags else []
    return judged


def untagged_articles(paths: Iterable[Path], judged: Judged) -> Iterator[Article]:
    """The articles as searchkit's reader reads them, the human tags blanked and the split in
    `section`."""
    for path in paths:
        for item in sources.read(sources.discover([path]).files[0]):
            if isinstance(item, Article):
                for name in HIDDEN_TAGS:
                    setattr(item, name, [])
                item.section = judged.split.get(item.id, "unused")
                yield item


def build_index(paths: list[Path], judged: Judged, where: Path) -> None:
    with Archive(where, procs=0) as archive:
        summary = archive.add(untagged_articles(paths, judged))
    if summary.added == 0:
        raise SystemExit(f"eval_relevance: no article indexed in {where}")


# ---------------------------------------------------------------- rankings


@dataclass(frozen=True)
class Params:
    """A candidate ranking's parameters. The defaults are plain BM25F as searchkit ranks today."""

    b: float = 0.75
    k1: float = 1.2
    headline: float = 1.0  # weight of headline matches, times the index's own field boost (2)
    entities: float = 0.0  # weight of a query word matching an extracted entity name's word
    proximity: float = 0.0  # weight of the words within `slop` positions (multi-word queries)
    slop: int = 5
    feedback: str = ""  # "", "rm3" or "bo1"
    fb_docs: int = 10
    fb_terms: int = 20
    fb_weight: float = 0.5  # lambda: share of the expansion terms in the interpolated query
    # 0: feedback from the first articles of the whole archive, the expanded query scoring every
    # match; N > 0: as a library can afford it, feedback from the first articles of the search
    # itself (the half searched), and only its first N re-scored (the rest keep their order).
    fb_depth: int = 0

    def label(self) -> str:
        default = Params()
        parts = [f"{k}={v}" for k, v in asdict(self).items() if v != getattr(default, k)
                 and (self.feedback or not k.startswith("fb_"))]
        return ", ".join(parts) or "defaults"


_STOPPED_STEMS: set[str] = set()


def _stopped_stems() -> set[str]:
    if not _STOPPED_STEMS:
        analyzer = text_analyzer()
        _STOPPED_STEMS.update(t.text for w in STOP_WORDS for t in analyzer(w))
    return _STOPPED_STEMS


class Ranker:
    """Candidate rankings on a searchkit index, with Whoosh directly; every ranking is of the
    same matches as the library's search (all words in headline or body)."""

    def __init__(self, path: Path) -> None:
        self.ix = whoosh_index.open_dir(str(path))
        self._searchers: dict[tuple[float, float], Searcher] = {}
        self._text = text_analyzer()
        self._names = name_analyzer()
        base = self.searcher(Params())
        self.split_docs = {s: set(base.search(wq.Term("section", s), limit=None).docs()) for s in SPLITS}
        self.ids = {d: base.stored_fields(d)["id"] for d in base.document_numbers()}
        # Kept while tuning only: the feedback grid re-uses the first search of each query.
        self._feedback_texts: dict[int, list[str]] = {}
        self._matches: dict[str, set[int]] = {}
        self._feedback: dict[tuple, list[tuple[int, float]]] = {}

    def close(self) -> None:
        for s in self._searchers.values():
            s.close()

    def searcher(self, p: Params) -> Searcher:
        key = (p.b, p.k1)
        if key not in self._searchers:
            self._searchers[key] = self.ix.searcher(weighting=scoring.BM25F(B=p.b, K1=p.k1))
        return self._searchers[key]

    def words(self, text: str) -> list[tuple[str, str]]:
        """(stem, folded name word) of each query word that is not a stop word."""
        out = []
        for word in text.split():
            if word.lower() in STOP_WORDS:
                continue
            stems = [t.text for t in self._text(word)]
            names = [t.text for t in self._names(word)]
            out.extend(zip(stems, names, strict=False))  # one tokenizer: the same words
        return out

    def clear_caches(self) -> None:
        """Forget the matches, feedback documents and texts kept while tuning (timings are taken
        with them empty: each query pays for its own)."""
        self._matches.clear()
        self._feedback.clear()
        self._feedback_texts.clear()

    def matches(self, text: str) -> set[int]:
        """The documents the library's search matches: every word in headline or body."""
        if text not in self._matches:
            q = wq.And([wq.Or([wq.Term("headline", s), wq.Term("body", s)]) for s, _ in self.words(text)])
            self._matches[text] = set(self.searcher(Params()).search(q, limit=None).docs())
        return self._matches[text]

    def query(self, p: Params, words: list[tuple[str, str]], expansion: list[tuple[str, float]]) -> wq.Query:
        keep = 1.0 - p.fb_weight if expansion else 1.0
        clauses: list[wq.Query] = []
        for stem, name in words:
            per_word: list[wq.Query] = [wq.Term("headline", stem, boost=keep * p.headline),
                                        wq.Term("body", stem, boost=keep)]
            if p.entities:
                per_word.append(wq.Term("entities", name, boost=keep * p.entities))
            clauses.append(wq.Or(per_word))
        stems = [s for s, _ in words]
        if p.proximity and len(stems) > 1:
            clauses.append(wq.Phrase("headline", stems, slop=p.slop, boost=p.proximity * p.headline))
            clauses.append(wq.Phrase("body", stems, slop=p.slop, boost=p.proximity))
        if expansion:
            total = sum(w for _, w in expansion)
            scale = p.fb_weight * len(words) / total
            for term, w in expansion:
                clauses.append(wq.Term("headline", term, boost=scale * w * p.headline))
                clauses.append(wq.Term("body", term, boost=scale * w))
        return wq.Or(clauses)

    def _texts(self, docnum: int, searcher: Searcher) -> list[str]:
        if docnum not in self._feedback_texts:
            fields = searcher.stored_fields(docnum)
            self._feedback_texts[docnum] = [t.text for t in self._text(
                f"{fields.get('headline', '')}\n{fields.get('body', '')}")]
        return self._feedback_texts[docnum]

    def expansion(self, p: Params, searcher: Searcher, top: list[tuple[int, float]],
                  words: list[tuple[str, str]]) -> list[tuple[str, float]]:
        """The `fb_terms` expansion terms of the feedback documents and their weights."""
        skip = _stopped_stems() | {s for s, _ in words}
        if p.feedback == "bo1":
            text = "\n".join(" ".join(self._texts(d, searcher)) for d, _ in top)
            # Bo1 of the already-analysed text: each token re-analysed stays itself (stems are
            # fixed points of the stemmer, almost always).
            terms = searcher.key_terms_from_text("body", text, numterms=p.fb_terms + len(skip))
            return [(t, w) for t, w in terms if t not in skip and not t.isdigit()][:p.fb_terms]
        # RM3: P(w|R) = sum over feedback documents of P(w|d) * P(d|q) (scores normalised).
        weights: Counter = Counter()
        norm = sum(s for _, s in top)
        for d, s in top:
            tokens = self._texts(d, searcher)
            if not tokens:
                continue
            for term, n in Counter(tokens).items():
                if term not in skip and not term.isdigit():
                    weights[term] += n / len(tokens) * s / norm
        return sorted(weights.items(), key=lambda tw: (-tw[1], tw[0]))[:p.fb_terms]

    def rank(self, p: Params, text: str, split: str, depth: int = DEPTH,
             trace: dict | None = None) -> list[str]:
        searcher = self.searcher(p)
        words = self.words(text)
        if not words:
            return []
        matched = self.matches(text)
        if not matched & self.split_docs[split]:
            return []  # (an empty filter would be no filter to Whoosh)
        expansion: list[tuple[str, float]] = []
        if p.feedback and p.fb_depth:
            allowed = matched & self.split_docs[split]
            first = [(h.docnum, h.score) for h in searcher.search(
                self.query(p, words, []), limit=max(depth, p.fb_depth), filter=allowed)]
            expansion = self.expansion(p, searcher, first[:p.fb_docs], words)
            if trace is not None:
                trace["expansion"] = expansion
            head = {d for d, _ in first[:p.fb_depth]}
            again = searcher.search(self.query(p, words, expansion), limit=len(head), filter=head)
            order = [h.docnum for h in again] + [d for d, _ in first[p.fb_depth:]]
            return [self.ids[d] for d in order[:depth]]
        if p.feedback:
            # Feedback from the first articles of the whole archive (what a user would see).
            key = (text, replace(p, feedback="", fb_terms=0, fb_weight=0.0))
            if key not in self._feedback:
                first = searcher.search(self.query(p, words, []), limit=p.fb_docs, filter=matched)
                self._feedback[key] = [(h.docnum, h.score) for h in first]
            expansion = self.expansion(p, searcher, self._feedback[key], words)
        if trace is not None:
            trace["expansion"] = expansion
        results = searcher.search(self.query(p, words, expansion), limit=depth,
                                  filter=matched & self.split_docs[split])
        return [self.ids[h.docnum] for h in results]


def library_rank(archive: Archive, text: str, split: str, depth: int = DEPTH, ranking: str = "plain") -> list[str]:
    return [h.id for h in archive.search(text, filters={"section": split}, limit=depth, snippets=False,
                                         ranking=ranking).hits]


# ---------------------------------------------------------------- evaluation

RankFn = Callable[[str, str], list[str]]


@dataclass
class Run:
    name: str
    params: Params | None
    split: str
    per_topic: dict[str, dict[str, float]]
    ms_per_query: float  # median

    def mean(self, metric: str) -> float:
        return statistics.fmean(s[metric] for s in self.per_topic.values())


def evaluate(name: str, params: Params | None, rank: RankFn, topics: dict[str, str], judged: Judged,
             split: str) -> Run:
    """`topics`: topic -> its query."""
    per_topic, times = {}, []
    for topic, text in topics.items():
        t0 = time.perf_counter()
        ranked = rank(text, split)
        times.append((time.perf_counter() - t0) * 1000)
        per_topic[topic] = scores_of(ranked, judged.relevant(topic, split))
    return Run(name, params, split, per_topic, statistics.median(times))


# Each stage: the parameter values tried (first = the starting value), in a fixed order.
GRIDS: dict[str, dict[str, list[dict]]] = {
    "full": {
        "bm25": [{"b": b, "k1": k1} for b in (0.75, 0.3, 0.5, 0.9, 1.0) for k1 in (1.2, 0.6, 0.9, 1.6, 2.0, 3.0)],
        "fields": [{"headline": h} for h in (1.0, 0.5, 1.5, 2.0, 3.0)],
        "entities": [{"entities": e} for e in (0.0, 0.25, 0.5, 1.0, 2.0)],
        "proximity": [{"proximity": w, "slop": s} for w in (0.0, 0.25, 0.5, 1.0, 2.0) for s in (2, 5, 10)],
        "feedback": [{"feedback": ""}] + [{"feedback": m, "fb_docs": k, "fb_terms": n, "fb_weight": lam}
                                          for m in ("rm3", "bo1") for k in (5, 10) for n in (10, 20, 40)
                                          for lam in (0.3, 0.5, 0.7)],
    },
    # The full grid's best values and a few neighbours (a run of ~1/5 the time).
    "quick": {
        "bm25": [{"b": b, "k1": k1} for b, k1 in ((0.75, 1.2), (0.3, 0.6), (0.5, 0.9), (0.3, 1.2), (0.5, 0.6))],
        "fields": [{"headline": h} for h in (1.0, 0.5, 2.0)],
        "entities": [{"entities": e} for e in (0.0, 0.5)],
        "proximity": [{"proximity": 0.0}, {"proximity": 1.0, "slop": 2}, {"proximity": 0.5, "slop": 5}],
        "feedback": [{"feedback": ""}] + [{"feedback": m, "fb_docs": 10, "fb_terms": 20, "fb_weight": lam}
                                          for m in ("rm3", "bo1") for lam in (0.3, 0.5)],
    },
    # Feedback as a library can afford it (the search's own first articles, its first N re-scored),
    # and the other candidates' values of the full grid.
    "prf": {
        "bm25": [{"b": b, "k1": k1} for b, k1 in ((0.75, 1.2), (0.3, 0.6), (0.5, 0.9))],
        "fields": [{"headline": h} for h in (1.0, 0.5, 2.0)],
        "entities": [{"entities": e} for e in (0.0, 0.5)],
        "proximity": [{"proximity": 0.0}, {"proximity": 1.0, "slop": 2}, {"proximity": 0.5, "slop": 5},
                      {"proximity": 2.0, "slop": 5}],
        "feedback": [{"feedback": ""}] + [{"feedback": m, "fb_docs": k, "fb_terms": n, "fb_weight": lam,
                                           "fb_depth": depth}
                                          for m in ("bo1", "rm3") for k in (5, 10) for n in (10, 30)
                                          for lam in (0.2, 0.4) for depth in (100,)],
    },
    # One value per stage: the values the full grid chose on TRAIN (no feedback), to report them
    # without tuning again.
    "chosen": {
        "bm25": [{"b": 0.3, "k1": 0.6}],
        "fields": [{"headline": 0.5}],
        "entities": [{"entities": 0.0}],
        "proximity": [{"proximity": 1.0, "slop": 2}],
        "feedback": [{"feedback": ""}],
    },
    "smoke": {
        "bm25": [{"b": 0.75, "k1": 1.2}, {"b": 0.5, "k1": 1.2}],
        "fields": [{"headline": 1.0}, {"headline": 2.0}],
        "entities": [{"entities": 0.0}, {"entities": 0.5}],
        "proximity": [{"proximity": 0.0}, {"proximity": 0.5}],
        "feedback": [{"feedback": ""}, {"feedback": "rm3", "fb_docs": 5, "fb_terms": 10, "fb_weight": 0.5},
                     {"feedback": "bo1", "fb_docs": 5, "fb_terms": 10, "fb_weight": 0.5}],
    },
}


def tune(ranker: Ranker, start: Params, stage: list[dict], topics: dict[str, str], judged: Judged,
         log: Callable[[str], None]) -> tuple[Params, float]:
    """The stage's value with the best TRAIN mean nDCG@10 (ties: the earlier value)."""
    best, best_score = start, -1.0
    for values in stage:
        p = replace(start, **values)
        score = evaluate("", p, lambda text, split, p=p: ranker.rank(p, text, split), topics, judged,
                         "train").mean("ndcg10")
        if score > best_score + 1e-12:
            best, best_score = p, score
    log(f"  tuned -> {best.label()} (TRAIN nDCG@10 {best_score:.4f})")
    return best, best_score


def choose(ranker: Ranker, grid: dict[str, list[dict]], topics: dict[str, str], judged: Judged,
           log: Callable[[str], None]) -> dict[str, Params]:
    """Each candidate tuned alone from plain BM25F, and all of them tuned in sequence."""
    chosen: dict[str, Params] = {}
    for stage, values in grid.items():
        log(f"tuning {stage} alone")
        chosen[stage], _ = tune(ranker, Params(), values, topics, judged, log)
    combined = Params()
    for stage, values in grid.items():
        log(f"tuning {stage} in the combination")
        combined, _ = tune(ranker, combined, values, topics, judged, log)
    chosen["combination"] = combined
    # The combination without feedback: what costs no second search.
    chosen["combination without feedback"] = replace(combined, feedback="")
    return chosen


# ---------------------------------------------------------------- output

METRICS = (("ndcg10", "nDCG@10"), ("p10", "P@10"), ("map100", "MAP@100"))


def table(runs: list[Run], plain: Run) -> str:
    head = "| ranking | parameters (chosen on TRAIN) | " + " | ".join(m for _, m in METRICS) + \
        " | nDCG@10 vs plain | ms/query (median) |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in runs:
        gain = (r.mean("ndcg10") / plain.mean("ndcg10") - 1) * 100 if plain.mean("ndcg10") else 0.0
        lines.append(f"| {r.name} | {r.params.label() if r.params else 'Archive.search'} | "
                     + " | ".join(f"{r.mean(k):.4f}" for k, _ in METRICS)
                     + f" | {gain:+.1f}% | {r.ms_per_query:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora",
                        help="folder holding reuters21578/ (default: ../shared/corpora)")
    parser.add_argument("--index", type=Path, default=None,
                        help="index folder: built there if absent, reused if present (default: a "
                             "temporary folder, removed at the end)")
    parser.add_argument("--files", default="", help="index only these reut2-NNN.sgm files, e.g. 0,18 (default: all)")
    parser.add_argument("--min-articles", type=int, default=10,
                        help="topics with at least this many TRAIN and TEST articles (default 10)")
    parser.add_argument("--topics", default="", help="comma-separated topic codes (default: all of QUERIES)")
    parser.add_argument("--queries", choices=sorted(QUERY_SETS), default="topics",
                        help="query set: `topics` (QUERIES, mostly the topic's own word) or `needs` (NEEDS, "
                             "a reporter's need in 2-5 words); default topics")
    parser.add_argument("--diagnose", action="store_true",
                        help="only the per-query table of plain BM25F on the TRAIN half: nDCG@10, its "
                             "ceiling (the best order of the same matches) and the top 10 read")
    parser.add_argument("--joint", action="store_true",
                        help="choose feedback on the TRAIN half of both query sets at once, then report "
                             "plain, that feedback and the library's default on both halves of both sets")
    parser.add_argument("--xapian", type=Path, default=None, metavar="FOLDER",
                        help="plain vs feedback on a local 2-shard Xapian cluster in FOLDER (built there "
                             "if absent; its servers stopped at the end)")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="full", help="parameter grid (default full)")
    parser.add_argument("--examples", type=int, default=12, help="queries whose top 3 are shown (default 12)")
    parser.add_argument("--out-md", type=Path, default=None, help="write the markdown report here")
    parser.add_argument("--out-json", type=Path, default=None, help="write every number here")
    args = parser.parse_args(argv)
    unknown = [t for t in args.topics.split(",") if t and t not in QUERIES]
    if unknown:
        parser.error(f"no query for topic(s) {', '.join(unknown)} (known: {', '.join(QUERIES)})")
    folder = args.corpora / "reuters21578"
    if not folder.is_dir():
        print(f"eval_relevance: no Reuters-21578 corpus in {folder}", file=sys.stderr)
        return 1

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    paths = reuters_files(args.corpora, args.files)
    judged = read_judgments(paths)
    counts = {s: judged.counts(s) for s in SPLITS}
    wanted = [t for t in args.topics.split(",") if t] or list(QUERIES)
    topics = {t: QUERY_SETS[args.queries][t] for t in wanted
              if all(counts[s][t] >= args.min_articles for s in SPLITS)}
    if not topics:
        print("eval_relevance: no topic has enough TRAIN and TEST articles", file=sys.stderr)
        return 1
    temporary = args.index is None
    where = Path(tempfile.mkdtemp(prefix="eval-relevance-")) / "index" if temporary else args.index
    try:
        if not (where / "searchkit.json").exists() and not any(where.glob("*.toc")):
            t0 = time.perf_counter()
            build_index(paths, judged, where)
            log(f"indexed {len(judged.split)} articles in {time.perf_counter() - t0:.0f} s")
        if args.diagnose:
            return diagnose(args, where, judged, topics)
        if args.joint:
            return joint(args, where, judged, list(topics), log)
        if args.xapian:
            return on_cluster(args, paths, judged, list(topics), log)
        return report(args, where, judged, topics, log)
    finally:
        if temporary:
            shutil.rmtree(where.parent, ignore_errors=True)


# The feedback settings tried by --joint (each as a library can afford it: the search's own first
# articles, its first 100 re-scored).
JOINT_FEEDBACK = [{"feedback": m, "fb_docs": k, "fb_terms": n, "fb_weight": lam, "fb_depth": 100}
                  for m in ("rm3", "bo1") for k in (5, 10) for n in (10, 30) for lam in (0.2, 0.4)]


def joint(args: argparse.Namespace, where: Path, judged: Judged, codes: list[str],
          log: Callable[[str], None]) -> int:
    """Feedback chosen on the TRAIN half of both query sets at once (the mean of their mean
    nDCG@10), then plain BM25F, the chosen feedback and the library's default ranking on both
    halves of both sets."""
    sets = {name: {t: QUERY_SETS[name][t] for t in codes} for name in ("topics", "needs")}
    ranker = Ranker(where)
    archive = Archive(where, create=False)
    try:
        best, best_score, tried = Params(), -1.0, []
        for values in [{"feedback": ""}] + JOINT_FEEDBACK:
            p = replace(Params(), **values)
            train = {name: evaluate("", p, lambda text, split, p=p: ranker.rank(p, text, split), queries, judged,
                                    "train").mean("ndcg10") for name, queries in sets.items()}
            score = statistics.fmean(train.values())
            tried.append((p.label(), train))
            log(f"  {p.label()}: TRAIN nDCG@10 topics {train['topics']:.4f} needs {train['needs']:.4f}")
            if score > best_score + 1e-12:
                best, best_score = p, score
        log(f"chosen on TRAIN: {best.label()}")
        if best.feedback:  # the library's default takes the chosen numbers (the same code)
            library_ranking.RANKINGS["feedback"] = library_ranking.Ranking(
                "feedback", model=best.feedback, feedback_docs=best.fb_docs, feedback_terms=best.fb_terms, weight=best.fb_weight,
                depth=best.fb_depth)
        log(f"library default: {library_ranking.RANKINGS['feedback']}")
        runs: dict[str, dict[str, list[Run]]] = {}
        for name, queries in sets.items():
            runs[name] = {}
            for split in SPLITS:
                ranker.clear_caches()
                runs[name][split] = [
                    evaluate("plain BM25F", None, lambda text, s: library_rank(archive, text, s), queries, judged, split),
                    evaluate("feedback (chosen on TRAIN)", best, lambda text, s: ranker.rank(best, text, s),
                             queries, judged, split),
                    evaluate("library default (`feedback`)", None,
                             lambda text, s: library_rank(archive, text, s, ranking="feedback"), queries, judged, split)]
        examples = []
        for name, queries in sets.items():
            for topic in list(queries)[:args.examples]:
                relevant = judged.relevant(topic, "test")

                def shown(ids: list[str], relevant: set[str] = relevant) -> list[str]:
                    return [("+ " if i in relevant else "- ") + (archive.get(i).headline or "(no headline)")
                            + f" [{i}]" for i in ids]
                examples.append({"set": name, "topic": topic, "query": queries[topic],
                                 "plain": shown(library_rank(archive, queries[topic], "test", depth=3)),
                                 "feedback": shown(library_rank(archive, queries[topic], "test", depth=3,
                                                                ranking="feedback"))})
    finally:
        archive.close()
        ranker.close()
    md = [f"Feedback settings tried on TRAIN (mean nDCG@10; chosen: {best.label()}):", "",
          "| setting | topics TRAIN | needs TRAIN |", "|---|---|---|"]
    md += [f"| {label} | {t['topics']:.4f} | {t['needs']:.4f} |" for label, t in tried]
    for name in sets:
        for split, title in (("test", "TEST half (held back)"), ("train", "TRAIN half (tuning)")):
            md += ["", f"**{name} queries, {title}**", "", table(runs[name][split], runs[name][split][0])]
    md += ["", "**Top 3 before/after** (TEST half; `+` tagged with the topic, `-` not)", ""]
    for e in examples:
        md.append(f"- {e['set']} `{e['query']}` ({e['topic']})")
        md += [f"  - plain:    {h}" for h in e["plain"]] + [f"  - feedback: {h}" for h in e["feedback"]]
    return write_out(args, md, {
            "chosen": asdict(best), "tried": tried,
            "runs": {n: {s: [{"name": r.name, "means": {k: r.mean(k) for k, _ in METRICS},
                              "ms_per_query": r.ms_per_query, "per_topic": r.per_topic} for r in rs]
                         for s, rs in by.items()} for n, by in runs.items()},
            "examples": examples})


def on_cluster(args: argparse.Namespace, paths: list[Path], judged: Judged, codes: list[str],
               log: Callable[[str], None]) -> int:
    """Plain vs feedback on a 2-shard Xapian cluster of the same articles (built in --xapian's
    folder if it has no shards yet; its servers are stopped at the end), both query sets, both
    halves: the library's rankings as a cluster runs them (Bo1 words of the first articles'
    relevance set, AND_MAYBE)."""
    from searchkit.backends import cluster

    folder = args.xapian
    built = (folder / "shard-0").exists()
    local = cluster.start(folder, shards=2)
    try:
        archive = Archive(local.address)
        if not built:
            t0 = time.perf_counter()
            archive.add(untagged_articles(paths, judged))
            log(f"indexed the cluster in {time.perf_counter() - t0:.0f} s")
        md: list[str] = []
        for name in ("topics", "needs"):
            queries = {t: QUERY_SETS[name][t] for t in codes}
            for split, title in (("test", "TEST half (held back)"), ("train", "TRAIN half (tuning)")):
                runs = [evaluate(f"cluster {r}", None, lambda text, s, r=r: library_rank(archive, text, s, ranking=r),
                                 queries, judged, split) for r in ("plain", "feedback")]
                md += [f"**Xapian cluster, {name} queries, {title}**", "", table(runs, runs[0]), ""]
        archive.close()
    finally:
        cluster.stop(folder)
    return write_out(args, md)


def write_out(args: argparse.Namespace, md: list[str], data: dict | None = None) -> int:
    """Prints the markdown report and writes it to --out-md, and `data` to --out-json."""
    text = "\n".join(md) + "\n"
    print(text)
    if args.out_md:
        args.out_md.write_text(text)
    if args.out_json and data is not None:
        args.out_json.write_text(json.dumps(data, indent=1) + "\n")
    return 0


def ceiling_ndcg(matched: set[str], relevant: set[str], k: int = 10) -> float:
    """The best nDCG@k any order of `matched` reaches: ranking reorders the matches, it cannot add
    an article the query does not match."""
    return ndcg_at(sorted(matched, key=lambda d: d not in relevant), relevant, k)


def diagnose(args: argparse.Namespace, where: Path, judged: Judged, topics: dict[str, str]) -> int:
    """Per query, on the TRAIN half: relevant articles, matches, relevant matches, plain BM25F's
    nDCG@10 and its ceiling, and the plain top 10 (`+` relevant, `-` not) with the topics of the
    misses, worst loss first."""
    ranker = Ranker(where)
    archive = Archive(where, create=False)
    rows, tops = [], {}
    try:
        for topic, text in topics.items():
            relevant = judged.relevant(topic, "train")
            matched = {ranker.ids[d] for d in ranker.matches(text) & ranker.split_docs["train"]}
            ranked = library_rank(archive, text, "train")
            ndcg, ceiling = ndcg_at(ranked, relevant, 10), ceiling_ndcg(matched, relevant)
            rows.append((ceiling - ndcg, topic, text, len(relevant), len(matched), len(matched & relevant),
                         ndcg, ceiling))
            tops[topic] = [("+ " if i in relevant else "- ") + (archive.get(i).headline or "(no headline)")
                           + ("" if i in relevant else f" ({','.join(judged.topics[i]) or 'no topic'})")
                           for i in ranked[:10]]
    finally:
        archive.close()
        ranker.close()
    rows.sort(key=lambda r: (-r[0], r[1]))
    lines = ["| topic | query | relevant | matches | relevant matches | plain nDCG@10 | ceiling | loss |",
             "|---|---|---|---|---|---|---|---|"]
    for loss, topic, text, nrel, nmat, nboth, ndcg, ceiling in rows:
        lines.append(f"| {topic} | `{text}` | {nrel} | {nmat} | {nboth} | {ndcg:.3f} | {ceiling:.3f} | {loss:.3f} |")
    mean = statistics.fmean
    lines.append(f"| mean | | | | | {mean(r[6] for r in rows):.4f} | {mean(r[7] for r in rows):.4f} | "
                 f"{mean(r[0] for r in rows):.4f} |")
    lines += ["", "Plain top 10 of the queries losing most (TRAIN):", ""]
    for row in rows[:args.examples]:
        lines.append(f"- `{row[2]}` ({row[1]}):")
        lines += [f"  - {h}" for h in tops[row[1]]]
    return write_out(args, lines)


def report(args: argparse.Namespace, where: Path, judged: Judged, topics: dict[str, str],
           log: Callable[[str], None]) -> int:
    ranker = Ranker(where)
    archive = Archive(where, create=False)
    try:
        # The re-implementation of plain BM25F must rank as the library does: else the candidates'
        # gains would be measured against the wrong baseline.
        same = sum(ranker.rank(Params(), text, "test") == library_rank(archive, text, "test")
                   for text in topics.values())
        log(f"plain BM25F re-implemented with Whoosh: the library's top {DEPTH} on {same}/{len(topics)} queries")
        chosen = choose(ranker, GRIDS[args.grid], topics, judged, log)
        runs: dict[str, list[Run]] = {}
        for split in SPLITS:
            plain = evaluate("plain BM25F", None, lambda text, s: library_rank(archive, text, s),
                             topics, judged, split)
            runs[split] = [plain]
            for name, p in chosen.items():
                ranker.clear_caches()
                runs[split].append(evaluate(name, p, lambda text, s, p=p: ranker.rank(p, text, s),
                                            topics, judged, split))
        best = chosen["combination"]
        examples = []
        for topic in list(topics)[:args.examples]:
            trace: dict = {}
            new = ranker.rank(best, topics[topic], "test", depth=3, trace=trace)
            old = library_rank(archive, topics[topic], "test", depth=3)
            relevant = judged.relevant(topic, "test")

            def shown(ids: list[str], relevant: set[str] = relevant) -> list[str]:
                return [("+ " if i in relevant else "- ") + (archive.get(i).headline or "(no headline)")
                        + f" [{i}]" for i in ids]
            examples.append({"topic": topic, "query": topics[topic], "plain": shown(old), "best": shown(new),
                             "expansion": [t for t, _ in trace.get("expansion", [])[:10]]})
    finally:
        archive.close()
        ranker.close()
    md = [f"Topics: {len(topics)} (>= {args.min_articles} TRAIN and TEST articles); plain BM25F re-implemented "
          f"identically on {same}/{len(topics)} queries (top {DEPTH}).", ""]
    for split, title in (("test", "TEST half (held back)"), ("train", "TRAIN half (tuning)")):
        md += [f"**{title}**", "", table(runs[split], runs[split][0]), ""]
    md += ["**Top 3 before/after** (TEST half; `+` tagged with the topic, `-` not)", ""]
    for e in examples:
        md.append(f"- `{e['query']}` ({e['topic']}); expansion: {', '.join(e['expansion']) or '-'}")
        md += [f"  - plain: {h}" for h in e["plain"]] + [f"  - best:  {h}" for h in e["best"]]
    return write_out(args, md, {
            "topics": topics, "queries": args.queries, "same_as_library": same,
            "chosen": {k: asdict(p) for k, p in chosen.items()},
            "runs": {s: [{"name": r.name, "params": asdict(r.params) if r.params else None,
                          "means": {k: r.mean(k) for k, _ in METRICS}, "ms_per_query": r.ms_per_query,
                          "per_topic": r.per_topic} for r in rs] for s, rs in runs.items()},
            "examples": examples})


if __name__ == "__main__":
    sys.exit(main())
