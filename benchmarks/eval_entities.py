"""Entity extraction measured against the Reuters-21578 human tags.

    python benchmarks/eval_entities.py [--n 3000] [--corpora ../shared/corpora] [--misses] [--by-country]

Takes the first N Reuters-21578 articles (file order, reut2-000.sgm on) that have a body, hides their
PLACES/PEOPLE/ORGS tags from the extractor (it sees headline, dateline, body and date) and compares:
- places: the extracted countries against the PLACES codes (precision, recall, F1, micro-averaged);
- people: recall of the PEOPLE tags, a tag being found when an extracted person has its surname
  (`james-baker` is found by "James Baker" or "Baker"; `de-clercq` by "Willy de Clercq");
- orgs: recall of the ORGS tags (codes; the extractor writes the same codes);
- speed: articles per second for extraction alone, on one core, best of 3 runs;
- precision of people and orgs on the hand-labelled set `tests/data/hand_labelled_entities.json`
  (Reuters and BBC articles; what the tags cannot measure), overall and per source;
- precision and recall of people, orgs and places on 100 BBC articles labelled by hand
  (`benchmarks/data/bbc_entities_labels.json`, how they were chosen and labelled is in its `about`).
  A person matches by surname, an org when one name contains the other, a place when the labelled
  name, read through the gazetteer, is the extracted value ("French" and "France" are `france`).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searchkit.enrich import enrichment as enrich, entities  # noqa: E402
from searchkit.ingest import sources  # noqa: E402
from searchkit.model import Article  # noqa: E402


def load(corpora: Path, n: int) -> list[Article]:
    found = sources.discover([corpora / "reuters21578"])
    out: list[Article] = []
    for sf in sorted(found.files, key=lambda f: f.path.name):
        for item in sources.read(sf):
            if isinstance(item, Article) and item.body.strip():
                out.append(enrich.find_dateline(enrich.tidy(item)))
                if len(out) == n:
                    return out
    return out


LABELS = ROOT / "tests" / "data" / "hand_labelled_entities.json"


def _spellings(expected: list[str]) -> list[str]:
    """Every accepted spelling of the expected entities ("Monetary Policy Committee|MPC")."""
    return [s for e in expected for s in e.split("|")]


def label_matches_person(got: str, expected: list[str]) -> bool:
    """An extracted person is right when a labelled person has the same surname."""
    surname = entities.slug(got).split("-")[-1]
    return any(entities.slug(e).split("-")[-1] == surname for e in _spellings(expected))


def label_matches_org(got: str, expected: list[str]) -> bool:
    """An extracted org is right when it is, contains or is contained in a labelled spelling."""
    g = entities.slug(got)
    return any(g == entities.slug(e) or g in entities.slug(e) or entities.slug(e) in g
               for e in _spellings(expected))


def _extract_labelled(corpora: Path, labels: dict) -> dict[str, entities.Entities]:
    """What the extractor finds in each labelled article (ValueError if one is not in the corpora)."""
    found: dict[str, entities.Entities] = {}
    roots = [corpora / folder for prefix, folder in (("reuters-", "reuters21578"), ("bbc-", "bbc"))
             if any(i.startswith(prefix) for i in labels)]
    for sf in sources.discover(roots).files:
        if sf.format == "text" and f"{sf.id_prefix}-{sf.path.stem}" not in labels:
            continue  # one article per file (BBC): read only the labelled ones
        for item in sources.read(sf):
            if isinstance(item, Article) and item.id in labels:
                a = enrich.find_dateline(enrich.tidy(item))
                found[a.id] = entities.extract(a.headline, a.body, a.dateline, a.published)
    missing = set(labels) - set(found)
    if missing:
        raise ValueError(f"labelled articles not in the corpora: {sorted(missing)}")
    return found


def labelled_precision(corpora: Path, labels_path: Path = LABELS) -> dict[str, tuple[int, int]]:
    """(right, extracted) for `people` and `orgs` on the hand-labelled set, in all and per source
    (`people reuters`, `orgs bbc`...), and the number of labelled articles per source
    (`articles reuters`: (n, n))."""
    labels = json.loads(labels_path.read_text())["articles"]
    found = _extract_labelled(corpora, labels)
    out: dict[str, tuple[int, int]] = {}

    def add(key: str, right: int, n: int) -> None:
        r0, n0 = out.get(key, (0, 0))
        out[key] = (r0 + right, n0 + n)

    for i, e in found.items():
        source = i.split("-")[0]
        add(f"articles {source}", 1, 1)
        for kind, got, match in (("people", e.people, label_matches_person),
                                 ("orgs", e.orgs, label_matches_org)):
            right = sum(match(g, labels[i][kind]) for g in got)
            add(kind, right, len(got))
            add(f"{kind} {source}", right, len(got))
    return out


BBC_LABELS = ROOT / "benchmarks" / "data" / "bbc_entities_labels.json"


def place_values(name: str) -> set[str]:
    """The place values a labelled place name stands for: its gazetteer entry (a town too, and a
    name that otherwise needs evidence), what the extractor makes of the name alone, and its slug."""
    names, upper, _codes, _ambiguous = entities._gazetteer()
    out = {entities.slug(name)}
    hit = names.get(name) or upper.get(name.upper())
    if hit:
        out.add(entities._place_key(hit[0], hit[1], hit[2], None)[0])
    out.update(entities.extract("", name).places)
    return out


def label_matches_place(got: str, expected: list[str]) -> bool:
    return any(got in place_values(s) for s in _spellings(expected))


def labelled_scores(corpora: Path, labels_path: Path = BBC_LABELS) -> dict[str, tuple[int, int, int, int]]:
    """Per kind (`people`, `orgs`, `places`): (extracted values that are right, extracted values,
    labelled entities found, labelled entities) on a labelled set. A labelled entity ("A|B") is
    found when an extracted value matches one of its spellings."""
    labels = json.loads(labels_path.read_text())["articles"]
    found = _extract_labelled(corpora, labels)
    match = {"people": label_matches_person, "orgs": label_matches_org, "places": label_matches_place}
    out: dict[str, tuple[int, int, int, int]] = {}
    for i, e in found.items():
        for kind, matches in match.items():
            got, expected = getattr(e, kind), labels[i].get(kind, [])
            right = sum(matches(g, expected) for g in got)
            hit = sum(any(matches(g, [entity]) for g in got) for entity in expected)
            r0, n0, h0, m0 = out.get(kind, (0, 0, 0, 0))
            out[kind] = (r0 + right, n0 + len(got), h0 + hit, m0 + len(expected))
    return out


def _norm(text: str) -> list[str]:
    return entities.slug(text).split("-")


def person_found(tag: str, people: list[str]) -> bool:
    tag_words = tag.split("-")
    for person in people:
        words = _norm(person)
        if words[-1] == tag_words[-1] or words[-len(tag_words):] == tag_words or \
                (len(tag_words) > 1 and words[-1] == tag_words[0]):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--misses", action="store_true", help="print what was missed / extra")
    parser.add_argument("--by-country", action="store_true",
                        help="print the countries extracted but not tagged (false positives) and tagged but "
                             "not extracted (misses), per country, commonest first")
    args = parser.parse_args()
    articles = load(args.corpora, args.n)

    def run() -> list[entities.Entities]:
        return [entities.extract(a.headline, a.body, a.dateline, a.published) for a in articles]

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        results = run()
        best = min(best, time.perf_counter() - t0)

    tp = fp = fn = 0
    wrong: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    people_tags = people_hit = org_tags = org_hit = 0
    for a, e in zip(articles, results):
        gold, got = set(a.places), set(e.countries)
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
        wrong.update(got - gold)
        missed.update(gold - got)
        for tag in a.people:
            people_tags += 1
            ok = person_found(tag, e.people)
            people_hit += ok
            if args.misses and not ok:
                print(f"person miss {a.id}: {tag} (got {e.people})")
        for tag in a.orgs:
            org_tags += 1
            ok = tag in e.orgs
            org_hit += ok
            if args.misses and not ok:
                print(f"org miss {a.id}: {tag} (got {e.orgs})")
        if args.misses and gold != got:
            print(f"places {a.id}: missed {sorted(gold - got)} extra {sorted(got - gold)}")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"articles: {len(articles)} (first with a body, reut2-000.sgm on)")
    print(f"places (countries vs PLACES codes): precision {p:.3f} recall {r:.3f} F1 {f1:.3f}")
    print(f"people recall: {people_hit / people_tags:.3f} ({people_hit}/{people_tags} tags)")
    print(f"orgs recall:   {org_hit / org_tags:.3f} ({org_hit}/{org_tags} tags)")
    print(f"speed: {len(articles) / best:,.0f} articles/s (extraction only, one core, best of 3)")
    if args.by_country:
        print("places false positives per country:", ", ".join(f"{c} {n}" for c, n in wrong.most_common()))
        print("places misses per country:", ", ".join(f"{c} {n}" for c, n in missed.most_common()))
    if LABELS.exists():
        c = labelled_precision(args.corpora)
        sizes = ", ".join(f"{k.split()[1]} {n}" for k, (n, _n) in sorted(c.items())
                          if k.startswith("articles "))
        print(f"hand-labelled set: {sum(n for k, (n, _n) in c.items() if k.startswith('articles '))}"
              f" articles ({sizes})")
        for kind in ("people", "orgs"):
            parts = ", ".join(f"{k.split()[1]} {r}/{n}" for k, (r, n) in sorted(c.items())
                              if k.startswith(kind + " "))
            r, n = c[kind]
            print(f"{kind} precision (hand-labelled): {r / n:.3f} ({r}/{n}; {parts})")
    if BBC_LABELS.exists():
        scores = labelled_scores(args.corpora)
        n_articles = len(json.loads(BBC_LABELS.read_text())["articles"])
        print(f"BBC labelled set: {n_articles} articles ({BBC_LABELS.relative_to(ROOT)})")
        for kind, (right, n, hit, m) in scores.items():
            print(f"BBC {kind}: precision {right / n if n else 0:.3f} ({right}/{n}) "
                  f"recall {hit / m if m else 0:.3f} ({hit}/{m})")


if __name__ == "__main__":
    main()
