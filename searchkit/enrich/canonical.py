"""One entity, one value: the canonical entities of an archive's people, organisations and places.

The index keeps each article's values as the source tagged and the extractor wrote them (`reagan`,
"Ronald Reagan", `james-baker`, "Reuters Holdings Plc"). An `EntityTable` groups the values of a
whole archive into entities, each with an id (`ronald-reagan`) and a label ("Ronald Reagan"), and
is applied when searching: facets count an entity once per article whatever spellings the article
holds, and a filter on any of an entity's spellings, its id or its label matches all of them. The
table is made from the archive's value counts (one count over the index, no re-reading of the
sources) and the user's curation file (`searchkit.enrich.curation`), so curating needs no re-indexing.

How variants are decided to be one entity (the README's "Canonical entities" says the same):
- same letters: values equal once case, accents and punctuation are folded (`james-baker` and
  "James Baker", `reagan` and "Reagan");
- organisations: the same name with a legal form after it ("Reuters", "Reuters Holdings Plc"), or a
  spelling of a known organisation ("European Community", "EC" and `ec`: the extractor's list);
- places: a country's names and its code ("United States" and `usa`);
- people: a surname alone ("Blair") and the one full name in the archive that ends in it ("Tony
  Blair"), when that full name is at least `SURNAME_DOMINANCE` times as frequent as any other full
  name with that surname; otherwise (two Browns of similar weight) the surname stays apart.
The label is the written form (a capitalised spelling over a lower-case source tag), then the most
frequent; a known organisation or country is labelled by its full name.

An entity retyped by the user (`retype people "Merrill Lynch" to orgs`) leaves its field like a
blocked one and joins the other field's entity of the same name (or becomes one): its spellings
there are the other field's values, written `people\x1fMerrill Lynch` (`OTHER_FIELD`) in the
spellings a filter or query expands to, which the query planner turns into a term of that field.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from ..fields import ENTITY_FIELDS
from ..model import Article, FacetValue
from ..text import slug

# The tag fields whose values are entities with canonical ids (countries are codes already).
CANONICAL_FIELDS = ENTITY_FIELDS
# A surname alone joins the full name that ends in it when that name is at least this many times as
# frequent (in articles) as the next full name with the same surname.
SURNAME_DOMINANCE = 4
# Legal forms and the like after a company's name: "Reuters Holdings Plc" is "Reuters".
# A build folds each spelling more than once.
_fold = lru_cache(maxsize=1 << 18)(slug)
# Between a field's name and a value in a spelling of another field's values (a retyped entity's).
OTHER_FIELD = "\x1f"
_LEGAL_FORMS = frozenset("""inc incorporated corp corporation co company ltd limited plc llc lp ag sa
nv bv spa gmbh ab asa holdings holding group""".split())


@dataclass
class Entity:
    """One entity of a field: its id, display label, articles (of a search or of the archive) and
    the spellings the index holds for it."""

    field: str
    id: str
    label: str
    count: int = 0
    aliases: list[str] = dataclasses.field(default_factory=list)  # `field` is a member's name

    def to_dict(self) -> dict:
        return {"value": self.id, "label": self.label, "count": self.count, "aliases": self.aliases}


@lru_cache(maxsize=1)
def _org_names() -> dict[str, tuple[str, str]]:
    """The slug of each known organisation spelling -> (code, full name)."""
    from . import lexicon  # noqa: PLC0415  (its patterns take a while to import)
    out: dict[str, tuple[str, str]] = {}
    for code, spellings in lexicon._ORG_ALIASES.items():
        names = spellings.split("|")
        full = next((n for n in names if any(c.islower() for c in n) and " " in n), names[0])
        for name in [code, *names]:
            out.setdefault(slug(name), (code, full))
    return out


# Country codes whose label is not a gazetteer name spelt like the code.
_COUNTRY_LABELS = {"usa": "United States", "uk": "United Kingdom", "ussr": "Soviet Union",
                   "uae": "United Arab Emirates", "dr-congo": "DR Congo", "trinidad-tobago":
                   "Trinidad and Tobago", "us-virgin-islands": "U.S. Virgin Islands"}


@lru_cache(maxsize=1)
def _place_names() -> tuple[dict[str, str], dict[str, str]]:
    """(slug of a country's name -> its code, place value -> label) from the gazetteer."""
    from . import gazetteer  # noqa: PLC0415
    names = gazetteer._gazetteer()[0]
    codes = gazetteer._country_codes()
    country_of: dict[str, str] = {}
    labels: dict[str, str] = {}
    for name, (kind, iso, canon) in names.items():
        key = slug(name)
        if kind == "country":
            if key not in codes:  # "United States" is `usa`; `west-germany` stays itself
                country_of.setdefault(key, gazetteer.country_code(iso, None))
            elif key == name.lower().replace(" ", "-"):  # "Germany", not "U.S." for `us`
                labels.setdefault(key, name)
        elif kind in ("city", "state"):
            labels.setdefault(slug(canon), canon)
    for code in codes:
        labels[code] = _COUNTRY_LABELS.get(code) or labels.get(code) or code.replace("-", " ").title()
    return country_of, labels


def _org_key(value: str) -> str:
    key = _fold(value)
    known = _org_names().get(key)
    if known:
        return known[0]
    words = key.split("-")
    while len(words) > 1 and (words[0] == "the" or words[0] in _LEGAL_FORMS):  # "Corp. Salomon ..."
        words.pop(0)
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    key = "-".join(words)
    known = _org_names().get(key)
    return known[0] if known else key


def variant_key(fieldname: str, value: str) -> str:
    """The key two values of a field share when they are spellings of one entity (before the
    archive-wide surname rule): folded letters, and for organisations and places their known
    names and codes."""
    if fieldname == "orgs":
        return _org_key(value)
    key = _fold(value)
    if fieldname == "places":
        key = key[4:] if key.startswith("the-") else key
        return _place_names()[0].get(key, key)
    return key


def _known_label(fieldname: str, key: str) -> str | None:
    if fieldname == "orgs":
        known = _org_names().get(key)
        return known[1] if known else None
    if fieldname == "places":
        return _place_names()[1].get(key)
    return None


def _best_label(fieldname: str, spellings: Mapping[str, int]) -> str:
    """The written form (capitals) over a lower-case tag; then a person's full name over a surname;
    then the most frequent; then a person's longest name, an organisation's shortest (without
    its legal form)."""
    people = fieldname == "people"

    def rank(s: str) -> tuple:
        return (s != s.lower(), people and " " in s, spellings[s], len(s) if people else -len(s), s)
    return max(spellings, key=rank)


class FieldTable:
    """The entities of one field: which entity each indexed spelling belongs to."""

    def __init__(self, fieldname: str, counts: Mapping[str, int]) -> None:
        self.field = fieldname
        groups: dict[str, dict[str, int]] = {}
        for value, n in counts.items():
            groups.setdefault(variant_key(fieldname, value), {})[value] = n
        if fieldname == "people":
            _merge_surnames(groups)
        self._label: dict[str, str] = {}  # key -> label
        self._members: dict[str, list[str]] = {}  # key -> indexed spellings
        for key, spellings in groups.items():
            self._set(key, _known_label(fieldname, key) or _best_label(fieldname, spellings), list(spellings))
        self._key_of: dict[str, str] = {}  # the slug of every spelling, label and key -> key
        for key, members in self._members.items():
            for name in (*members, self._label[key], key):
                self._key_of.setdefault(_fold(name), key)
        self._uncurated()

    def _uncurated(self) -> None:
        self.blocked: set[str] = set()  # keys of entities the user blocked
        self._moved: dict[str, str] = {}  # key of an entity merged into another -> that one's key
        self._id_of: dict[str, str] | None = None  # spelling -> id, made on first use
        self._mapped: dict[tuple, tuple] = {}
        # Entities of this field that have spellings in other fields (`retype`): key -> [(field,
        # value)]. Only a query on those fields can count them (`Archive.search` does).
        self.borrowed: dict[str, list[tuple[str, str]]] = {}

    def state(self) -> tuple:
        """The table before curation, as plain data (`from_state` makes it again)."""
        return self._label, self._members, self._key_of

    @classmethod
    def from_state(cls, fieldname: str, state: tuple) -> FieldTable:
        table = cls.__new__(cls)
        table.field = fieldname
        table._label, table._members, table._key_of = state
        table._uncurated()
        return table

    def _set(self, key: str, label: str, members: list[str]) -> None:
        self._label[key] = label
        self._members[key] = sorted(members, key=lambda s: (s.casefold(), s))

    def _changed(self) -> None:
        self._id_of = None
        self._mapped = {}

    @property
    def id_of(self) -> dict[str, str]:
        """Each indexed spelling of an entity that is not blocked -> the entity's id."""
        if self._id_of is None:
            self._id_of = {m: key for key, members in self._members.items()
                           if key not in self.blocked for m in members}
        return self._id_of

    def label(self, key: str) -> str:
        """The label of the entity with this id (the id itself for a value the table lacks)."""
        return self._label.get(key, key)

    def key(self, value: str) -> str | None:
        """The entity a spelling, id or label names (None: no such entity)."""
        key = self._key_of.get(_fold(value)) or self._key_of.get(variant_key(self.field, value))
        while key in self._moved:
            key = self._moved[key]
        return key

    def entity(self, key: str, count: int = 0) -> Entity:
        label = self._label[key]
        others = [spelling for _name, spelling in self.borrowed.get(key, ())]
        return Entity(self.field, key, label, count, sorted({*self._members[key], *others},
                                                            key=lambda s: (s.casefold(), s)))

    def spellings(self, value: str) -> list[str]:
        """Every indexed spelling of the entity `value` names (`[value]` when it names none, none
        when it is blocked)."""
        key = self.key(value)
        if key in self.blocked:
            return []
        if key is None:
            return [value]
        return [*self._members[key], *(f"{name}{OTHER_FIELD}{spelling}"
                                       for name, spelling in self.borrowed.get(key, ()))]

    def __call__(self, values: tuple) -> tuple:
        """An article's values as entity ids: each once, blocked ones left out (a value the table
        lacks, indexed since it was made, as it is)."""
        mapped = self._mapped.get(values)
        if mapped is None:
            id_of = self.id_of
            mapped = tuple(dict.fromkeys(id_of.get(v, v) for v in values
                                         if v in id_of or self.key(v) not in self.blocked))
            self._mapped[values] = mapped
        return mapped

    # -------------------------------------------------------- curation

    def merge(self, values: Iterable[str], into: str) -> list[str]:
        """Make the entities of `values` one with `into`'s (a new label when `into` names no
        entity); returns the values that name no entity."""
        target = self.key(into)
        if target is None:
            target = _fold(into)
            self._set(target, into, [])
            self._key_of[target] = target
        unknown = []
        for value in values:
            key = self.key(value)
            if key is None:
                unknown.append(value)
            elif key != target:
                self._set(target, self._label[target], self._members[target] + self._members.pop(key))
                self._label.pop(key)
                if key in self.borrowed:
                    self.borrowed.setdefault(target, []).extend(self.borrowed.pop(key))
                self._moved[key] = target
        self._changed()
        return unknown

    def rename(self, value: str, label: str) -> bool:
        key = self.key(value)
        if key is None:
            return False
        self._label[key] = label
        self._key_of.setdefault(_fold(label), key)
        self._changed()
        return True

    def block(self, value: str) -> bool:
        key = self.key(value)
        if key is None:
            return False
        self.blocked.add(key)
        self._changed()
        return True

    def retype(self, value: str, to: FieldTable) -> bool:
        """Move the entity `value` names to the field of `to`: blocked here, and there one with
        the entity of the same name (or a new one) with these spellings."""
        key = self.key(value)
        if key is None or key in self.blocked:
            return False
        label = self._label[key]
        moved = [(self.field, m) for m in self._members[key]] + self.borrowed.pop(key, [])
        self.blocked.add(key)
        self._changed()
        to.take(label, moved)
        return True

    def take(self, label: str, spellings: list[tuple[str, str]]) -> None:
        """Other fields' `spellings` (field, value) as spellings of the entity labelled `label`."""
        target = self.key(label)
        if target is None:
            target = variant_key(self.field, label)
            self._set(target, _known_label(self.field, target) or label, [])
        self.borrowed.setdefault(target, []).extend(spellings)
        for _name, spelling in spellings:
            self._key_of.setdefault(_fold(spelling), target)
        self._key_of.setdefault(_fold(label), target)
        self._key_of.setdefault(target, target)
        self._changed()

    def split(self, value: str) -> bool:
        """Make the indexed spellings of `value` (any case or punctuation) an entity of their own,
        out of the entity they were grouped into; False when they are that entity's own name."""
        key = self.key(value)
        folded = _fold(value)
        if key is None or variant_key(self.field, value) == key:  # its own name
            return False
        spellings = [m for m in self._members[key] if _fold(m) == folded]
        rest = [m for m in self._members[key] if _fold(m) != folded]
        if not spellings or not rest:
            return False
        new = folded if folded not in self._members else f"{folded}-{len(self._members)}"
        self._set(key, self._label[key], rest)
        self._set(new, _best_label(self.field, dict.fromkeys(spellings, 1)), spellings)
        self._key_of[folded] = self._key_of[new] = new
        if key in self.blocked:
            self.blocked.add(new)
        self._changed()
        return True

    @property
    def ids(self) -> Collection[str]:
        return self._members.keys()


def _merge_surnames(groups: dict[str, dict[str, int]]) -> None:
    """A one-word person ("Blair", `reagan`) joins the one dominant full name ending in it."""
    by_surname: dict[str, list[tuple[int, str]]] = {}
    for key, spellings in groups.items():
        words = key.split("-")
        if len(words) > 1:
            by_surname.setdefault(words[-1], []).append((sum(spellings.values()), key))
    for key in [k for k in groups if "-" not in k and k in by_surname]:
        ranked = sorted(by_surname[key], reverse=True)
        if len(ranked) == 1 or ranked[0][0] >= SURNAME_DOMINANCE * ranked[1][0]:
            groups[ranked[0][1]].update(groups.pop(key))


class EntityTable:
    """The entity tables of the canonical fields, made from an archive's value counts."""

    def __init__(self, counts: Mapping[str, Mapping[str, int]] | None = None,
                 state: Mapping[str, tuple] | None = None) -> None:
        """From the value counts of each field, or from the `state` of a table made before."""
        self.fields = {name: FieldTable.from_state(name, state[name]) if state is not None else
                       FieldTable(name, (counts or {}).get(name, {})) for name in CANONICAL_FIELDS}

    def state(self) -> dict[str, tuple]:
        return {name: table.state() for name, table in self.fields.items()}

    def labelled(self, name: str, values: Iterable[str]) -> list[tuple[str, str]]:
        """One article's values of field `name` as (id, label) of their entities, each once, in
        the article's order, blocked ones left out; a field without entities as (value, value)."""
        table = self.fields.get(name)
        if table is None:
            return [(v, v) for v in dict.fromkeys(values)]
        return [(key, table.label(key)) for key in table(tuple(values))]

    def article_entities(self, article: Article) -> dict[str, list[dict[str, str]]]:
        """An article's people, orgs and places as entities, `{"value": id, "label": name}` each
        once, as facets give them (for `show --json` and /api/articles beside the raw values)."""
        return {name: [{"value": key, "label": label} for key, label in self.labelled(name, getattr(article, name))]
                for name in CANONICAL_FIELDS}

    def expand_filters(self, filters: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """Filters with each entity value replaced by all of its indexed spellings."""
        out: dict[str, list[str]] = {}
        for name, values in filters.items():
            table = self.fields.get(name)
            out[name] = (list(dict.fromkeys(s for v in values for s in table.spellings(v)))
                         if table is not None else list(values))
        return out


def count_borrowed(table: FieldTable, found: list[FacetValue], top: int,
                   count: Callable[[list[str]], int]) -> list[FacetValue]:
    """A facet's labelled entity counts with each entity that has spellings in other fields
    (`FieldTable.borrowed`: a column of this field cannot count them) counted by `count` (the
    matches with any of these spellings), ranked again as facets are (most first, then by id)."""
    counts = {v.value: v.count for v in found}
    for key in table.borrowed:
        if key not in table.blocked:
            counts[key] = count(table.spellings(key))
    ranked = sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0].casefold(), kv[0]))
    return [FacetValue(k, n, table.label(k)) for k, n in ranked[:top or None]]
