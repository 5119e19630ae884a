"""Canonical entities (one entity, one value), the curation file and `searchkit entities`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import Archive
from searchkit.enrich.canonical import EntityTable, FieldTable, variant_key
from searchkit.cli.commands import main
from searchkit.errors import QueryError
from searchkit.model import Article
from searchkit.text import slug

from .conftest import needs_corpora


# ------------------------------------------------------------ grouping rules

def labels(table: FieldTable) -> dict[str, str]:
    """Each indexed spelling -> the label of its entity."""
    return {value: table.label(key) for value, key in table.id_of.items()}


def test_case_and_punctuation_variants_and_source_tags_are_one_person():
    table = FieldTable("people", {"james-baker": 30, "James Baker": 20, "JAMES BAKER": 1})
    assert labels(table) == {"james-baker": "James Baker", "James Baker": "James Baker",
                              "JAMES BAKER": "James Baker"}


def test_a_surname_alone_joins_the_dominant_full_name_and_an_ambiguous_one_stays_apart():
    table = FieldTable("people", {"Blair": 14, "Tony Blair": 149, "Cherie Blair": 5,
                                  "Brown": 9, "Gordon Brown": 40, "Nick Brown": 20,
                                  "reagan": 50, "Ronald Reagan": 10})
    label_of = labels(table)
    assert label_of["Blair"] == "Tony Blair"
    assert label_of["Cherie Blair"] == "Cherie Blair"
    assert label_of["Brown"] == "Brown"  # two Browns of similar weight
    # the written full name labels the entity, however the tag is more frequent
    assert label_of["reagan"] == "Ronald Reagan"


def test_organisations_with_a_legal_form_or_a_known_spelling_are_one():
    table = FieldTable("orgs", {"Reuters": 10, "Reuters Holdings Plc": 3, "Reuters Holdings": 2,
                                "ec": 40, "European Community": 9, "EC Commission": 2,
                                "Bank of England": 5, "bank-of-england": 7})
    label_of = labels(table)
    assert {label_of[v] for v in ("Reuters", "Reuters Holdings Plc", "Reuters Holdings")} == {"Reuters"}
    assert {label_of[v] for v in ("ec", "European Community", "EC Commission")} == {"European Community"}
    assert label_of["bank-of-england"] == "Bank of England"
    assert table.entity(table.key("EC")).id == "ec"  # a known organisation keeps its code as id


def test_a_country_code_and_its_names_are_one_place_labelled_by_name():
    table = FieldTable("places", {"usa": 100, "United States": 3, "uk": 9, "west-germany": 4,
                                  "germany": 2, "new-york": 5})
    label_of = labels(table)
    assert label_of["usa"] == label_of["United States"] == "United States"
    assert label_of["uk"] == "United Kingdom"
    assert label_of["new-york"] == "New York"
    # borders changed: West Germany is not Germany
    assert label_of["west-germany"] != label_of["germany"]
    assert variant_key("places", "U.S.A.") == "usa"


def test_an_article_counts_an_entity_once_and_blocked_values_are_dropped():
    table = FieldTable("people", {"volcker": 5, "Paul Volcker": 5, "Junk": 1})
    table.block("junk")
    assert table(("volcker", "Paul Volcker", "Junk", "New Name")) == ("paul-volcker", "New Name")


def test_filters_expand_to_every_spelling_of_the_entity():
    table = EntityTable({"people": {"volcker": 5, "Paul Volcker": 5}, "orgs": {}, "places": {}})
    expanded = table.expand_filters({"people": ["paul-volcker"], "topics": ["money-fx"]})
    assert sorted(expanded["people"]) == ["Paul Volcker", "volcker"]
    assert expanded["topics"] == ["money-fx"]


# ------------------------------------------------------------ through the archive

def _article(i: int, **tags) -> Article:
    # Lower-case text: the extractor adds nothing, so the tags are the only entity values.
    return Article(id=f"c{i}", headline=f"rates story {i}", body="rates were talked about " * 5,
                   published="1987-03-0" + str(1 + i % 9), **tags)


@pytest.fixture()
def small(tmp_path) -> Archive:
    archive = Archive(tmp_path / "ix", procs=0)
    archive.add([
        _article(1, people=["volcker", "Paul Volcker"], places=["usa"], orgs=["Reuters Holdings Plc"]),
        _article(2, people=["Paul Volcker"], places=["United States"], orgs=["Reuters"]),
        _article(3, people=["volcker"], orgs=["Junk Thing"]),
        _article(4, people=["James Baker"], orgs=["fed"]),
        _article(5, people=["james-baker", "Baker"], orgs=["Federal Reserve"]),
    ])
    return archive


def _facet(result, name):
    """A facet's entities by label (their ids are tested in `test_entities_lists...`)."""
    return {v.label: v.count for v in result.facets[name]}


def test_facets_show_one_value_per_entity_counted_once_per_article(small):
    found = small.search("rates", facets=["people", "orgs", "places"])
    assert _facet(found, "people") == {"Paul Volcker": 3, "James Baker": 2}
    assert _facet(found, "orgs") == {"Reuters": 2, "Federal Reserve": 2, "Junk Thing": 1}
    assert _facet(found, "places") == {"United States": 2}


def test_a_filter_or_a_query_on_any_spelling_finds_every_article_of_the_entity(small):
    for value in ("volcker", "Paul Volcker", "paul-volcker"):
        assert small.search("*", filters={"people": [value]}).total == 3
    assert small.search("people:volcker").total == small.search('people:"paul volcker"').total == 3
    assert small.search("*", filters={"places": "usa"}).total == 2
    assert small.search("rates", filters={"orgs": ["fed"]}, facets=["orgs"]).total == 2


def test_entities_lists_ids_labels_counts_and_spellings(small):
    people = small.entities("people")
    assert [(e.id, e.label, e.count) for e in people] == [("paul-volcker", "Paul Volcker", 3),
                                                          ("james-baker", "James Baker", 2)]
    assert people[0].aliases == ["Paul Volcker", "volcker"]
    assert [e.label for e in small.entities("orgs", prefix="feder")] == ["Federal Reserve"]
    assert [e.label for e in small.entities("people", query="people:baker")] == ["James Baker"]
    with pytest.raises(QueryError, match="unknown entity field"):
        small.entities("topics")


def test_show_json_gives_the_article_s_entities_with_ids_and_labels_beside_its_raw_values(small):
    def show(article_id):
        result = CliRunner().invoke(main, ["show", article_id, "--index", str(small.path), "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    article = show("c1")
    assert article["people"] == ["volcker", "Paul Volcker"]  # the raw values stay
    assert article["entities"] == {
        "people": [{"value": "paul-volcker", "label": "Paul Volcker"}],
        "orgs": [{"value": "reuters", "label": "Reuters"}],
        "places": [{"value": "usa", "label": "United States"}]}
    small.curate("rename", "people", ["volcker"], "Paul A. Volcker")
    small.curate("block", "orgs", ["Reuters"])
    assert show("c3")["entities"] == {"people": [{"value": "paul-volcker", "label": "Paul A. Volcker"}],
                                      "orgs": [{"value": "junk-thing", "label": "Junk Thing"}], "places": []}
    assert show("c1")["entities"]["orgs"] == []


def test_curation_merges_renames_and_blocks_without_reindexing_and_survives_a_rebuild(small):
    small.curate("merge", "people", ["James Baker"], "Paul Volcker")
    small.curate("rename", "orgs", "fed".split(), "The Fed")
    small.curate("block", "orgs", ["Junk Thing"])
    found = small.search("rates", facets=["people", "orgs"])
    assert _facet(found, "people") == {"Paul Volcker": 5}
    assert _facet(found, "orgs") == {"Reuters": 2, "The Fed": 2}
    assert small.search("*", filters={"orgs": ["the fed"]}).total == 2
    assert small.search("*", filters={"orgs": ["Junk Thing"]}).total == 0
    assert small.curation_problems() == []
    small.add([_article(i) for i in range(1, 6)], rebuild=True)
    small.add([_article(6, orgs=["Junk Thing", "fed"])])
    assert _facet(small.search("rates", facets=["orgs"]), "orgs") == {"The Fed": 1}


def test_bad_curation_lines_are_named_by_file_and_line_and_the_rest_apply(small):
    path = small.curation_file
    path.write_text("# a comment\n"
                    "merge people volcker into\n"
                    "rename orgs fed to 'Fed Reserve'\n"
                    "explode people volcker\n"
                    "block topics money-fx\n"
                    "block orgs 'unclosed\n"
                    "block people Nobody\n", encoding="utf-8")
    problems = [str(p) for p in small.curation_problems()]
    assert problems == [
        f"{path}:2: merge needs values and 'into LABEL' at the end: merge FIELD VALUE... into LABEL",
        f"{path}:4: unknown action 'explode' (actions: merge, rename, block, retype, split)",
        f"{path}:5: block needs a field (people, orgs, places), got 'topics': block FIELD VALUE...",
        f"{path}:6: cannot read the line: No closing quotation",
        f"{path}:7: no people value 'Nobody' in the archive"]
    assert "Fed Reserve" in _facet(small.search("rates", facets=["orgs"]), "orgs")


def test_the_entities_command_lists_pages_json_and_edits_the_file(small, tmp_path):
    index = str(small.path)
    run = CliRunner().invoke
    listed = run(main, ["entities", "--index", index, "--type", "people"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [
        "2 people:", "  3  Paul Volcker  [paul-volcker]  (also: volcker)",
        "  2  James Baker  [james-baker]  (also: Baker, james-baker)"]
    paged = run(main, ["entities", "--index", index, "--type", "orgs", "-n", "1", "-p", "2", "--json"])
    data = json.loads(paged.output)
    assert (data["type"], data["total"], len(data["entities"])) == ("orgs", 3, 1)
    assert set(data["entities"][0]) == {"value", "label", "count", "aliases"}
    past = run(main, ["entities", "--index", index, "-n", "1", "-p", "9"])
    assert past.exit_code == 1 and "past the last page" in past.output
    merged = run(main, ["entities", "merge", "people", "Baker", "--into", "Paul Volcker", "--index", index])
    assert merged.exit_code == 0, merged.output
    assert "merge people Baker into 'Paul Volcker'" in merged.output
    assert "5  Paul Volcker" in run(main, ["entities", "--index", index]).output
    small.curation_file.write_text("block people\n", encoding="utf-8")
    warned = run(main, ["entities", "--index", index])
    assert f"warning: {small.curation_file}:1: block needs a value" in warned.output
    bad = run(main, ["entities", "rename", "people", "volcker", "--to", "A, B", "--index", index])
    assert bad.exit_code == 2 and "without commas" in bad.output


# ------------------------------------------------------------ the real corpora

# Common words of news queries, business (Reuters) and general (BBC).
COMMON_WORDS = ("oil prices bank rates trade government minister election market shares profit "
                "dollar company war talks tax economy growth labour court police football film "
                "music game technology coffee wheat gold strike").split()
_LEGAL = {"the", "inc", "corp", "co", "ltd", "plc", "holdings", "group"}


def _core(value: str) -> str:
    return "-".join(w for w in slug(value).split("-") if w not in _LEGAL)


def _same_entity(fieldname: str, a: str, b: str, ambiguous: set[str]) -> bool:
    """The issue's variants: equal up to case, accents, punctuation and legal forms, or (people) a
    surname alone beside a full name ending in it, unless the archive has several such names."""
    if _core(a) == _core(b):
        return True
    if fieldname == "people":
        for one, other in ((a, b), (b, a)):
            if "-" not in slug(one) and slug(other).split("-")[-1] == slug(one):
                return slug(one) not in ambiguous
    return False


@needs_corpora
def test_no_top_facet_of_a_common_query_holds_two_values_of_one_entity(corpus):
    full_names: dict[str, list[int]] = {}
    for entity in corpus.entities("people"):
        if "-" in entity.id:
            full_names.setdefault(entity.id.split("-")[-1], []).append(entity.count)
    ambiguous = {surname for surname, counts in full_names.items() if len(counts) > 1}
    duplicates = []
    for word in COMMON_WORDS:
        found = corpus.search(word, facets=["people", "orgs", "places"], limit=0, snippets=False)
        for fieldname, values in found.facets.items():
            names = [v.value for v in values]
            duplicates += [(word, fieldname, a, b) for i, a in enumerate(names) for b in names[i + 1:]
                           if _same_entity(fieldname, a, b, ambiguous)]
    assert duplicates == []


@needs_corpora
def test_the_issue_s_variants_are_one_value_on_the_corpora(corpus):
    assert corpus.search("people:volcker", limit=0).total == \
        corpus.search('people:"paul volcker"', limit=0).total > 100
    blair = corpus.entities("people", prefix="tony blair")[0]
    assert {"Blair", "Tony Blair"} <= set(blair.aliases)
    reagan = corpus.entities("people", prefix="reagan")[0]
    assert reagan.label == "Ronald Reagan" and "reagan" in reagan.aliases
    places = {e.label: e for e in corpus.entities("places", prefix="united")}
    assert places["United States"].id == "usa"
    assert corpus.search("*", filters={"places": "United States"}, limit=0).total == \
        corpus.search("*", filters={"places": "usa"}, limit=0).total
    orgs = {e.id: e for e in corpus.entities("orgs", prefix="european")}
    assert orgs["ec"].label == "European Community" and "ec" in orgs["ec"].aliases


def test_an_index_folder_without_curation_file_has_no_problems(small):
    assert not Path(small.curation_file).exists()
    assert small.curation_problems() == []


def test_the_entities_page_lists_labels_linking_to_filtered_searches(small):
    from starlette.testclient import TestClient  # noqa: PLC0415

    from searchkit.web.app import create_app  # noqa: PLC0415
    small.add([_article(7, people=["<script>alert(1)</script> Smith"])])
    with TestClient(create_app(small.path), raise_server_exceptions=False) as client:
        page = client.get("/entities", params={"type": "people", "q": "rates"})
        assert page.status_code == 200
        assert "Paul Volcker" in page.text and "/?filter=people%3Dpaul-volcker&amp;q=rates" in page.text
        assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
        api = client.get("/api/entities", params={"type": "orgs", "prefix": "reu"}).json()
        assert api["entities"] == [{"value": "reuters", "label": "Reuters", "count": 2,
                                    "aliases": ["Reuters", "Reuters Holdings Plc"]}]
        assert client.get("/api/entities", params={"type": "topics"}).status_code == 400
        assert client.get("/entities", params={"page": "9"}).status_code == 400
        searched = client.get("/api/search", params={"q": "*", "filter": "people=paul-volcker",
                                                     "facet": "people"}).json()
        assert searched["total"] == 3
        assert searched["facets"]["people"][0] == {"value": "paul-volcker", "label": "Paul Volcker",
                                                   "count": 3}


def test_the_grouping_is_saved_and_made_again_when_the_index_changes(small):
    small.search("rates", facets=["people"])
    cache = small.curation_file.with_name("entities.cache")
    assert cache.exists()
    again = Archive(small.path, create=False)
    assert _facet(again.search("rates", facets=["people"]), "people") == {"Paul Volcker": 3,
                                                                          "James Baker": 2}
    cache.write_bytes(b"not a saved table")
    again.add([_article(8, people=["Gerhard Stoltenberg", "stoltenberg"])])
    assert _facet(again.search("rates", facets=["people"]), "people")["Gerhard Stoltenberg"] == 1
    assert _facet(Archive(small.path).search("rates", facets=["people"]), "people") == {
        "Paul Volcker": 3, "James Baker": 2, "Gerhard Stoltenberg": 1}


def test_stats_lists_entities(small):
    stats = small.stats(top=1)
    assert [(v.value, v.label, v.count) for v in stats.facets["people"]] == [
        ("paul-volcker", "Paul Volcker", 3)]
    assert stats.facets["year"][0].label is None


# ------------------------------------------------------------ retype and split

def test_retype_moves_an_entity_to_another_field_without_reindexing(small):
    small.add([_article(6, people=["Merrill Lynch"]),
               _article(7, people=["Merrill Lynch"], orgs=["Merrill Lynch"]),
               _article(8, orgs=["Merrill Lynch & Co"])])
    assert _facet(small.search("rates", facets=["people"]), "people")["Merrill Lynch"] == 2
    line = small.curate("retype", "people", ["merrill lynch"], "orgs")
    assert line == "retype people 'merrill lynch' to orgs"
    found = small.search("rates", facets=["people", "orgs"])
    assert "Merrill Lynch" not in _facet(found, "people")
    # c7 has it in both fields: one article
    assert _facet(found, "orgs")["Merrill Lynch"] == 3
    assert small.search("*", filters={"orgs": ["merrill-lynch"]}).total == 3
    assert small.search('orgs:"merrill lynch"').total == 3
    assert small.search("*", filters={"people": ["Merrill Lynch"]}).total == 0
    assert small.search('people:"merrill lynch"').total == 0
    # the multi-select facet counts it under the other filters, and a top cut ranks it
    chosen = small.search("rates", filters={"orgs": ["fed"]}, facets=["orgs"], facet_top=1)
    assert _facet(chosen, "orgs") == {"Merrill Lynch": 3}
    entity = next(e for e in small.entities("orgs") if e.id == "merrill-lynch")
    assert (entity.label, entity.count) == ("Merrill Lynch", 3)
    assert entity.aliases == ["Merrill Lynch", "Merrill Lynch & Co"]
    assert "merrill-lynch" not in [e.id for e in small.entities("people")]
    assert small.curation_problems() == []


def test_retype_and_split_lines_are_checked_with_their_line_number(small):
    path = small.curation_file
    path.write_text("retype people volcker to topics\n"
                    "retype people volcker orgs\n"
                    "retype people Nobody to places\n"
                    "split people james-baker\n"
                    "split people Baker\n", encoding="utf-8")
    assert [str(p) for p in small.curation_problems()] == [
        f"{path}:1: retype needs another field after 'to' (people, orgs, places), got 'topics': "
        f"retype FIELD VALUE... to FIELD",
        f"{path}:2: retype needs values and 'to FIELD' at the end: retype FIELD VALUE... to FIELD",
        f"{path}:3: no people value 'Nobody' in the archive",
        f"{path}:4: 'james-baker' is its entity's own name: nothing to split off"]
    # line 5 applied: "Baker" alone is no longer James Baker
    assert _facet(small.search("rates", facets=["people"]), "people") == {
        "Paul Volcker": 3, "James Baker": 2, "Baker": 1}
    assert small.search("*", filters={"people": ["James Baker"]}).total == 2
    assert small.search("*", filters={"people": ["Baker"]}).total == 1


def test_split_makes_a_surname_an_entity_of_its_own():
    table = FieldTable("people", {"Blair": 14, "blair": 2, "Tony Blair": 149})
    assert table.split("BLAIR")
    assert labels(table) == {"Blair": "Blair", "blair": "Blair", "Tony Blair": "Tony Blair"}
    assert not table.split("Tony Blair")


def test_the_entities_command_retypes_and_splits(small):
    run = CliRunner().invoke
    index = str(small.path)
    moved = run(main, ["entities", "retype", "people", "volcker", "--to", "orgs", "--index", index])
    assert moved.exit_code == 0, moved.output
    assert "retype people volcker to orgs" in moved.output
    assert "3  Paul Volcker  [paul-volcker]" in run(main, ["entities", "--index", index, "--type", "orgs"]).output
    bad = run(main, ["entities", "retype", "people", "volcker", "--to", "topics", "--index", index])
    assert bad.exit_code == 2
    split = run(main, ["entities", "split", "people", "Baker", "--index", index])
    assert split.exit_code == 0, split.output


def test_an_open_archive_sees_new_spellings_and_curation_edits_of_other_processes(small):
    """A server's Archive object: another Archive (another process) indexes and curates."""
    assert _facet(small.search("rates", facets=["people"]), "people") == {"Paul Volcker": 3,
                                                                          "James Baker": 2}
    other = Archive(small.path, create=False)
    other.add([_article(9, people=["PAUL VOLCKER", "Karl Otto Pohl"])])
    assert _facet(small.search("rates", facets=["people"]), "people") == {
        "Paul Volcker": 4, "James Baker": 2, "Karl Otto Pohl": 1}
    assert small.search("*", filters={"people": ["paul-volcker"]}).total == 4
    other.curate("merge", "people", ["Karl Otto Pohl"], "Paul Volcker")
    assert _facet(small.search("rates", facets=["people"]), "people") == {"Paul Volcker": 4,
                                                                          "James Baker": 2}
    # the saved table is read back by a new process without counting while nothing changed
    counted = []
    fresh = Archive(small.path, create=False)
    fresh._entity_counts = lambda: counted.append(1) or {}  # type: ignore[method-assign]
    assert _facet(fresh.search("rates", facets=["people"]), "people")["Paul Volcker"] == 4
    assert counted == []


def test_related_ranks_entities_with_labels(small):
    small.add([Article(id=f"h{i}", headline=f"harvest {i}", body="the harvest was good " * 5,
                       published="1987-04-01", people=["Someone Else"]) for i in range(4)])
    related = small.related("rates", field="people")
    # `volcker` (2 articles) and "Paul Volcker" (2) are one entity in 3 articles
    assert [(e.value, e.label, e.count, e.background) for e in related.entities] == [
        ("paul-volcker", "Paul Volcker", 3, 3), ("james-baker", "James Baker", 2, 2)]
    assert related.to_dict()["entities"][0]["label"] == "Paul Volcker"
    assert "Paul Volcker" in CliRunner().invoke(main, ["related", "rates", "--field", "people",
                                                       "--index", str(small.path)]).output


def test_entities_on_a_cluster_list_and_an_edit_says_in_one_line_where_curation_goes(example_cluster):
    address = str(example_cluster.path)
    listed = CliRunner().invoke(main, ["entities", "--type", "places", "--index", address, "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["entities"]  # counted on the cluster
    edit = CliRunner().invoke(main, ["entities", "block", "places", "oslo", "--index", address])
    assert edit.exit_code == 1 and "Traceback" not in edit.output
    assert edit.stderr.strip().count("\n") == 0
    assert "cluster has no index folder" in edit.stderr and "Archive.curation_file" in edit.stderr


def test_curation_on_a_cluster_with_a_file_of_one_s_own(example_cluster, tmp_path):
    archive = Archive(example_cluster.path)  # a second handle: the session's cluster stays uncurated
    archive.curation_file = tmp_path / "entities.txt"
    before = {e.id for e in archive.entities("places")}
    archive.curate("block", "places", ["oslo"])
    assert "oslo" in before and {e.id for e in archive.entities("places")} == before - {"oslo"}
    assert "oslo" in {e.id for e in example_cluster.entities("places")}


def test_batch_rows_count_merged_and_retyped_entities_once_by_label(small):
    small.add([_article(6, people=["Merrill Lynch"]),
               _article(7, people=["Merrill Lynch"], orgs=["Merrill Lynch"]),
               _article(8, orgs=["Merrill Lynch & Co"])])
    small.curate("retype", "people", ["merrill lynch"], "orgs")
    small.curate("merge", "people", ["James Baker"], "Paul Volcker")
    row = small.batch(["rates"], top=0).rows[0]
    people = {v.label: v.count for v in row.summary.facets["people"]}
    orgs = {v.value: (v.label, v.count) for v in row.summary.facets["orgs"]}
    assert people == {"Paul Volcker": 5}  # c1-c5, c1 with two spellings once
    assert orgs["merrill-lynch"] == ("Merrill Lynch", 3)  # c6-c8, c7 in both fields once
    assert row.summary.facets["places"] and all(v.label for v in row.summary.facets["places"])
