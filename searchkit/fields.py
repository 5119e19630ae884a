"""The field registry: every field of an article that a user can search, filter, facet or read,
declared once.

The Whoosh schema (`schema.build_schema`), the documents both backends index, the output of `show`,
the CLI's and the web API's choices and help texts, and the README's field lists are derived from
`FIELDS` (tests/test_fields.py checks the README). Adding a facet field means: a `Field` here, an
attribute of `model.Article`, and the README's lists.

A field's `slot` is its Xapian value slot, written into every document of a cluster: it is an
explicit number, never a position, so that declaring a new field leaves the slots of an existing
cluster where they are (tests/test_fields.py pins them). A tag field's k-th value goes to
`slot + k` (up to `TAG_SLOTS` values); a new tag field takes the next free multiple of `TAG_SLOTS`
above 100.
"""
from __future__ import annotations

from dataclasses import dataclass

# What a field holds, and so how it is analysed and indexed:
#   text   words, stemmed (headline, body)
#   tags   a list of whole values (people, topics ...), each kept as spelled for display
#   tag    one whole value (source, section)
#   names  the words of several tag fields' values, folded, not stemmed (entities)
#   day    a date at day resolution (date); days: a list of them (mentioned)
#   period a facet computed from the date (year, month); not a field of the article
#   id     the article's id
KINDS = ("text", "tags", "tag", "names", "day", "days", "period", "id")
TAG_SLOTS = 10_000


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    label: str  # what the field holds, in words (help texts)
    query: bool = False  # a query may name it (`people:volcker`)
    facet: bool = False  # counted by `--facet`; also a `--filter` field
    entity: bool = False  # a named entity (person, organisation, place): canonical entities, `entities:`
    extracted: bool = False  # entity extraction adds values to it (`Article.extracted`)
    derived: bool = False  # computed by enrichment from other fields, not read from a source file
    aliases: tuple[str, ...] = ()  # other names a query may use for it
    boost: float = 1.0  # BM25F field weight
    slot: int | None = None  # Xapian value slot (see the module doc)

    @property
    def filter(self) -> bool:
        """`--filter name=value` keeps articles with that value: the facet fields, so that a facet
        value can always be picked."""
        return self.facet


FIELDS: tuple[Field, ...] = (
    Field("headline", "text", "headline", query=True, aliases=("title",), boost=2.0),
    Field("body", "text", "body text", query=True, aliases=("text",)),
    Field("people", "tags", "people", query=True, facet=True, entity=True, extracted=True,
          aliases=("person",), slot=100),
    Field("orgs", "tags", "organisations", query=True, facet=True, entity=True, extracted=True,
          aliases=("org", "organisation", "organization", "organisations", "organizations"), slot=10_100),
    Field("places", "tags", "places", query=True, facet=True, entity=True, extracted=True,
          aliases=("place", "location"), slot=20_100),
    Field("countries", "tags", "countries of the places", query=True, facet=True, extracted=True,
          derived=True, slot=30_100),
    Field("entities", "names", "any word of a person, organisation or place", query=True,
          aliases=("entity",)),
    Field("topics", "tags", "topics", query=True, facet=True, aliases=("topic",), slot=40_100),
    Field("exchanges", "tags", "stock exchanges", query=True, facet=True, slot=50_100),
    Field("companies", "tags", "companies", query=True, facet=True, slot=60_100),
    Field("source", "tag", "source", query=True, facet=True, slot=70_100),
    Field("section", "tag", "section", query=True, facet=True, slot=80_100),
    Field("date", "day", "publication day", query=True, aliases=("published",), slot=0),
    Field("mentioned", "days", "days named in the text", query=True),
    Field("id", "id", "article id", query=True),
    Field("year", "period", "publication year", facet=True, slot=2),
    Field("month", "period", "publication month", facet=True, slot=3),
)
BY_NAME = {f.name: f for f in FIELDS}


def names(*, kind: tuple[str, ...] = KINDS, query: bool | None = None, facet: bool | None = None,
          entity: bool | None = None, extracted: bool | None = None,
          derived: bool | None = None) -> tuple[str, ...]:
    """The names of the fields of those kinds with those flags, in registry order."""
    return tuple(f.name for f in FIELDS if f.kind in kind and query in (None, f.query)
                 and facet in (None, f.facet) and entity in (None, f.entity)
                 and extracted in (None, f.extracted) and derived in (None, f.derived))


# Multi-valued metadata fields of an article (facetable, each value kept exactly as given).
TAG_FIELDS = names(kind=("tags",))
# Fields a user can facet on (and filter by).
FACET_FIELDS = names(facet=True)
FILTER_FIELDS = FACET_FIELDS
# Fields a query may name (`field:value`), with the names users type.
QUERY_FIELDS = names(query=True)
TEXT_FIELDS = names(kind=("text",))
# The named entities: people, organisations and places (the `entities` field, canonical entities,
# similar articles, a batch row's columns).
ENTITY_FIELDS = names(entity=True)
# The tag fields that entity extraction adds to (see `Article.extracted`): the entities and countries.
EXTRACTED_FIELDS = names(extracted=True)
# Fields whose values are whole strings (the tag fields, source and section).
KEYWORD_FIELDS = names(kind=("tags", "tag"))
# The tag fields a source file may give (JSON Lines lists).
SOURCE_TAG_FIELDS = names(kind=("tags",), derived=False)
FIELD_ALIASES = {f.name: list(f.aliases) for f in FIELDS if f.aliases}


def slot(name: str) -> int:
    """The Xapian value slot of a field (of its first value, for a tag field)."""
    number = BY_NAME[name].slot
    if number is None:
        raise KeyError(f"field {name!r} has no Xapian value slot")
    return number

