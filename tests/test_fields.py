"""The field registry (`searchkit.fields`): what derives from it agrees with it, the Xapian value slots
of existing clusters stay where they are, and the README's field lists are the registry's."""
from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import click
from click.testing import CliRunner

from searchkit import fields, model, schema
from searchkit.fields import (ENTITY_FIELDS, EXTRACTED_FIELDS, FACET_FIELDS, FIELDS, KEYWORD_FIELDS,
                              QUERY_FIELDS, SOURCE_TAG_FIELDS, TAG_FIELDS, TAG_SLOTS)

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
FLAT_README = " ".join(README.split())

# The value slots every Xapian cluster indexed so far was written with (they were positional then:
# the tag fields' order in `model.TAG_FIELDS` + source, section). Never change one: a cluster keeps
# its slots; a new field takes a new number.
PINNED_SLOTS = {"date": 0, "year": 2, "month": 3, "people": 100, "orgs": 10_100, "places": 20_100,
                "countries": 30_100, "topics": 40_100, "exchanges": 50_100, "companies": 60_100,
                "source": 70_100, "section": 80_100}
SORT_SLOTS = (4, 5)  # the Xapian backend's precomputed orders (not fields)


def test_the_xapian_slots_of_existing_clusters_are_pinned():
    assert {f.name: f.slot for f in FIELDS if f.slot is not None} == PINNED_SLOTS


def test_slots_never_overlap():
    taken: list[range] = [range(s, s + 1) for s in SORT_SLOTS]
    for f in FIELDS:
        if f.slot is not None:
            taken.append(range(f.slot, f.slot + (TAG_SLOTS if f.name in KEYWORD_FIELDS else 1)))
    taken.sort(key=lambda r: r.start)
    assert all(a.stop <= b.start for a, b in zip(taken, taken[1:])), taken


def test_every_facet_field_has_a_slot_and_names_are_unique():
    assert all(fields.BY_NAME[name].slot is not None for name in FACET_FIELDS)
    spelled = [f.name for f in FIELDS] + [a for f in FIELDS for a in f.aliases]
    assert len(spelled) == len(set(spelled))
    assert all(f.kind in fields.KINDS for f in FIELDS)


def test_the_field_lists_are_the_ones_every_part_used():
    # The lists that each module declared before the registry: derived, they must not change.
    assert TAG_FIELDS == ("people", "orgs", "places", "countries", "topics", "exchanges", "companies")
    assert FACET_FIELDS == (*TAG_FIELDS, "source", "section", "year", "month")
    assert KEYWORD_FIELDS == (*TAG_FIELDS, "source", "section")
    assert set(QUERY_FIELDS) == {"headline", "body", "people", "orgs", "places", "countries", "entities",
                                 "topics", "source", "section", "exchanges", "companies", "date",
                                 "mentioned", "id"}
    assert schema.QUERY_FIELDS is QUERY_FIELDS and model.FACET_FIELDS is FACET_FIELDS


def test_one_truth_for_the_entity_fields():
    # Named entities (the `entities` field, canonical entities, similar articles, batch rows) and the
    # fields extraction adds to (those and countries) were three tuples in four modules.
    from searchkit.facade import batch
    from searchkit.enrich import canonical
    from searchkit.backends import documents
    assert ENTITY_FIELDS == ("people", "orgs", "places")
    assert EXTRACTED_FIELDS == (*ENTITY_FIELDS, "countries")
    assert batch.ENTITY_FIELDS is documents.SIMILAR_FIELDS is canonical.CANONICAL_FIELDS is ENTITY_FIELDS
    article = model.Article("a", people=["Ann Lee"], orgs=["OPEC"], places=["Oslo"], countries=["norway"])
    assert article.entities == ["Ann Lee", "OPEC", "Oslo"]


def test_the_whoosh_schema_is_the_registry_s():
    built = schema.build_schema()
    for f in FIELDS:
        if f.kind == "period":
            assert f.name not in built
            continue
        field = built[f.name]
        assert bool(field.scorable) == (f.kind in ("text", "names")), f.name
        if f.kind == "text":
            assert field.format.field_boost == f.boost
        if f.kind in ("tags", "tag"):
            assert field.column_type is not None and field.stored, f.name  # a column keeps the spelling
    assert built["headline"].format.field_boost == 2.0 and built["body"].format.field_boost == 1.0


def test_every_article_field_of_the_registry_is_an_article_attribute():
    hints = typing.get_type_hints(model.Article)
    attributes = {f.name for f in dataclasses.fields(model.Article)}
    for f in FIELDS:
        if f.kind in ("tags", "text", "tag", "id"):
            assert f.name in attributes, f.name
            assert hints[f.name] == (list[str] if f.kind == "tags" else str), f.name


def test_a_jsonl_source_reads_every_source_tag_field(tmp_path):
    from searchkit.ingest.sources import discover, read
    line = '{"id": "x1", "headline": "h", ' + ", ".join(f'"{n}": ["v-{n}"]' for n in SOURCE_TAG_FIELDS) + "}"
    path = tmp_path / "feed.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    [article] = [a for sf in discover([path]).files for a in read(sf) if isinstance(a, model.Article)]
    assert all(getattr(article, n) == [f"v-{n}"] for n in SOURCE_TAG_FIELDS)
    assert "countries" not in SOURCE_TAG_FIELDS  # computed from the places by enrichment


def test_show_prints_every_tag_field():
    from searchkit.output import article_text
    article = model.Article("a", headline="h", **{n: [f"v-{n}"] for n in TAG_FIELDS})
    text = click.unstyle(article_text(article))
    assert all(re.search(rf"^\s*{n}: v-{n}$", text, re.M) for n in TAG_FIELDS), text


def test_search_help_lists_every_query_field():
    from searchkit.cli.commands import main
    out = " ".join(CliRunner().invoke(main, ["search", "--help"]).output.split())
    listed = out.split("a field (any case): ", 1)[1].split(" places:", 1)[0].split()
    assert tuple(listed) == QUERY_FIELDS


def readme_table() -> str:
    rows = ["| field | holds | in a query | facet and filter | also written |", "|---|---|---|---|---|"]
    for f in FIELDS:
        aliases = ", ".join(f"`{a}`" for a in f.aliases)
        rows.append(f"| `{f.name}` | {f.label} | {'yes' if f.query else ''} | {'yes' if f.facet else ''} "
                    f"| {aliases} |")
    return "\n".join(rows)


def test_the_readme_field_table_is_the_registry():
    assert readme_table() in README, "README's field table differs from searchkit/fields.py:\n" + readme_table()


def test_the_readme_field_lists_are_the_registry_s():
    assert f"`--facet {'|'.join(FACET_FIELDS)}`" in FLAT_README
    assert f"`--field {'|'.join(TAG_FIELDS)}`" in FLAT_README
    assert f"Tag fields ({', '.join(KEYWORD_FIELDS)}) keep each value whole" in FLAT_README
    assert f"`authors`, {', '.join(f'`{n}`' for n in SOURCE_TAG_FIELDS)} (lists of strings)" in FLAT_README
