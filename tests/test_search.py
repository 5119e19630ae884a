"""Query forms, facets, sorting, paging, dates and incremental indexing through the library."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchkit import Archive, Article, QueryError

from .conftest import EXAMPLES, needs_corpora


def ids(result) -> set[str]:
    return {h.id for h in result.hits}


def all_ids(archive: Archive, query: str, **kw) -> set[str]:
    result = archive.search(query, limit=1000, **kw)
    assert result.total == len(result.hits)
    return ids(result)


# ------------------------------------------------------------ query forms (example archive)

def test_words_must_all_match(example_archive):
    both = all_ids(example_archive, "oil harbour")
    assert both == all_ids(example_archive, "oil") & all_ids(example_archive, "harbour")
    assert both  # the example archive has articles with both


def test_or_not_minus_and_grouping(example_archive):
    oil, harbour = all_ids(example_archive, "oil"), all_ids(example_archive, "harbour")
    assert all_ids(example_archive, "oil OR harbour") == oil | harbour
    assert all_ids(example_archive, "harbour NOT oil") == harbour - oil
    assert all_ids(example_archive, "harbour -oil") == harbour - oil
    inflation = all_ids(example_archive, "inflation")
    assert all_ids(example_archive, "(oil OR harbour) inflation") == (oil | harbour) & inflation


def test_phrase_and_slop(example_archive):
    phrase = all_ids(example_archive, '"interest rates"')
    assert len(phrase) == 5
    words = all_ids(example_archive, "interest rates")
    assert phrase <= words
    assert all_ids(example_archive, '"rates interest"') == set()  # order matters in a phrase
    near = all_ids(example_archive, '"interest rates"~3')
    assert phrase <= near <= words


def test_slop_allows_words_in_between(tmp_path):
    archive = Archive(tmp_path / "ix")
    archive.add([Article(id="a", headline="h", body="interest on savings rates fell"),
                 Article(id="b", headline="h", body="interest was high and bank rates fell")])
    assert all_ids(archive, '"interest rates"') == set()
    assert all_ids(archive, '"interest rates"~3') == {"a"}
    assert all_ids(archive, '"interest rates"~5') == {"a", "b"}


def test_stemming_and_accent_folding(example_archive):
    assert all_ids(example_archive, "price") == all_ids(example_archive, "prices")
    assert all_ids(example_archive, "jose muller") == {"plain-rotterdam-fuel"}
    assert all_ids(example_archive, "José Müller") == {"plain-rotterdam-fuel"}
    assert all_ids(example_archive, "OIL") == all_ids(example_archive, "oil")


def test_stop_words_are_optional_outside_phrases(example_archive):
    assert all_ids(example_archive, "oil and prices") == all_ids(example_archive, "oil prices")
    assert all_ids(example_archive, "the OR a") == all_ids(example_archive, "the OR a")  # no error
    assert all_ids(example_archive, '"price of oil"') <= all_ids(example_archive, "price oil")


def test_prefix(example_archive):
    assert all_ids(example_archive, "infla*") == all_ids(example_archive, "inflation")
    assert all_ids(example_archive, "harb*") >= all_ids(example_archive, "harbour")


def test_field_scoped_queries(example_archive):
    headline = all_ids(example_archive, "headline:oil")
    assert headline == {"plain-rotterdam-fuel"}
    assert headline <= all_ids(example_archive, "oil")
    # The source's tag `halvorsen` and "Ingrid Halvorsen" (named in plain-harbour-bridge) are one
    # entity (`canonical`): either finds both.
    assert all_ids(example_archive, "people:halvorsen") == {"reuters-90002", "plain-harbour-bridge"}
    assert all_ids(example_archive, "orgs:opec") == {"reuters-90002"}
    # Tagged in the source, or named in the text: "Newfoundland, Canada" (fishing-quota),
    # "crude from ... Brazil and West Africa" (sections-business-002).
    assert all_ids(example_archive, "places:canada OR places:brazil") == {
        "reuters-90001", "reuters-90003", "feed-002", "plain-fishing-quota",
        "sections-business-002"}
    assert all_ids(example_archive, 'people:"sigrid aasen"') == {"feed-001"}
    assert all_ids(example_archive, "entities:aasen") == {"feed-001"}
    assert all_ids(example_archive, "topics:grain") == {"reuters-90001"}
    assert all_ids(example_archive, "source:reuters") == {"reuters-90001", "reuters-90002",
                                                          "reuters-90003"}
    assert all_ids(example_archive, "section:sport") == {"sections-sport-001"}
    assert all_ids(example_archive, "body:harbour") == all_ids(example_archive, "harbour") - \
        (all_ids(example_archive, "headline:harbour") - all_ids(example_archive, "body:harbour"))


def test_date_query_forms(example_archive):
    y1987 = {"reuters-90001", "reuters-90002", "reuters-90003"}
    assert all_ids(example_archive, "date:1987") == y1987
    assert all_ids(example_archive, "date:1987-03") == {"reuters-90002", "reuters-90003"}
    assert all_ids(example_archive, 'date:"March 1987"') == {"reuters-90002", "reuters-90003"}
    assert all_ids(example_archive, 'date:"4 March 2021"') == {"feed-001", "feed-002"}
    assert all_ids(example_archive, "date:2021-03-04") == {"feed-001", "feed-002"}
    assert all_ids(example_archive, "date:[1987 TO 2021-03-03]") == y1987 | {"plain-harbour-bridge"}
    assert all_ids(example_archive, "date:[March 1987 TO 1988]") == {"reuters-90002", "reuters-90003"}
    assert all_ids(example_archive, "date:[2022 TO]") == {"feed-003"}


def test_date_options_mean_whole_periods(example_archive):
    everything = all_ids(example_archive, "*")
    assert all_ids(example_archive, "*", date_from="1987", date_to="1987") == \
        all_ids(example_archive, "date:1987")
    assert all_ids(example_archive, "*", date_to="March 1987") == all_ids(example_archive, "date:1987")
    assert all_ids(example_archive, "*", date_from="1 Mar 1987", date_to="1987-03-31") == \
        all_ids(example_archive, "date:1987-03")
    assert all_ids(example_archive, "*", date_from=date(2021, 1, 1)) == \
        all_ids(example_archive, "date:[2021 TO]")
    assert len(everything) == 13


def test_mentioned_dates(example_archive):
    # "The city council is due to debate ... on March 18" in an article published 2021-03-04
    assert "feed-001" in all_ids(example_archive, "mentioned:2021-03-18")
    # "said on Thursday" in an article published on Thursday 2021-03-04 is that day
    assert example_archive.get("feed-001").mentioned == [date(2021, 3, 4), date(2021, 3, 18)]
    # "in 2020", "were full from May to September" (past tense in a March 2021 article: 2020), "by 2024"
    assert example_archive.get("feed-001").mentioned_periods == ["2020", "2020-05", "2020-09", "2024"]
    assert "feed-001" in all_ids(example_archive, "mentioned:2021-03")
    assert "feed-001" in all_ids(example_archive, "mentioned:2024")
    assert "feed-001" in all_ids(example_archive, "mentioned:2020-05")
    assert "feed-001" not in all_ids(example_archive, "mentioned:2020-05-01")  # a month is no day
    assert "feed-001" not in all_ids(example_archive, "mentioned:2022")


@pytest.mark.parametrize("bad, reason", [
    ('"interest rates', "unbalanced double quote"),
    ("(oil OR gas", "unbalanced parenthesis"),
    ("oil)", "unbalanced parenthesis"),
    ("colour:red", "unknown field 'colour'"),
    ("date:someday", "not a date"),
    ("date:[1987-02-31 TO 1988]", "not a date"),
    ("date:March", "needs a year"),
    ("", "empty query"),
    ("()", "nothing to search for"),
    ("x" * 10_001, "query too long"),
])
def test_unparseable_queries_raise_query_error(example_archive, bad, reason):
    with pytest.raises(QueryError, match=reason):
        example_archive.search(bad)


def test_bad_options_raise_query_error(example_archive):
    with pytest.raises(QueryError, match="unknown facet"):
        example_archive.search("oil", facets=["colour"])
    with pytest.raises(QueryError, match="unknown sort"):
        example_archive.search("oil", sort="random")
    with pytest.raises(QueryError, match="cannot filter"):
        example_archive.search("oil", filters={"headline": ["x"]})
    with pytest.raises(QueryError, match="is after"):
        example_archive.search("oil", date_from="1988", date_to="1987")


# ------------------------------------------------------------ sorting and paging

def test_sort_newest_and_oldest(example_archive):
    newest = example_archive.search("*", sort="newest", limit=20).hits
    dated = [h.published.date() for h in newest if h.published]  # dates sort by day
    assert dated == sorted(dated, reverse=True)
    assert all(h.published is None for h in newest[len(dated):])  # undated last
    oldest = example_archive.search("*", sort="oldest", limit=20).hits
    dated = [h.published.date() for h in oldest if h.published]
    assert dated == sorted(dated)
    assert all(h.published is None for h in oldest[len(dated):])


def test_relevance_ranks_headline_matches_first(example_archive):
    hits = example_archive.search("oil").hits
    assert hits[0].id == "plain-rotterdam-fuel"  # the only "oil" headline
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_paging_covers_every_hit_once(example_archive):
    total = example_archive.search("*", sort="newest").total
    seen = []
    for page in range(1, 6):
        result = example_archive.search("*", sort="newest", limit=3, page=page)
        assert result.total == total
        seen.extend(h.id for h in result.hits)
    assert len(seen) == len(set(seen)) == total == 13
    assert example_archive.search("*", limit=3, page=6).hits == []


# ------------------------------------------------------------ facets and filters

def test_facets_count_all_matches_not_just_the_page(example_archive):
    result = example_archive.search("*", limit=1, facets=["source", "section", "year", "month"])
    assert sum(v.count for v in result.facets["source"]) == 13
    assert {v.value: v.count for v in result.facets["source"]} == {
        "plain": 3, "sections": 4, "harbourwire": 3, "reuters": 3}
    assert [v.value for v in result.facets["year"]] == ["1987", "2021", "2022"]  # time order
    assert {v.value: v.count for v in result.facets["month"]}["1987-03"] == 2


def test_filters_or_within_a_field_and_across_fields(example_archive):
    either = all_ids(example_archive, "*", filters={"places": ["canada", "norway"]})
    assert either == all_ids(example_archive, "places:canada OR places:norway")
    both = all_ids(example_archive, "*", filters={"places": ["canada", "norway"], "topics": ["grain"]})
    assert both == either & all_ids(example_archive, "topics:grain")
    assert all_ids(example_archive, "*", filters={"year": ["1987"]}) == all_ids(example_archive, "date:1987")
    assert all_ids(example_archive, "*", filters={"places": ["CANADA"]}) == \
        all_ids(example_archive, "places:canada")


def test_snippets_highlight_matched_words(example_archive):
    hit = example_archive.search("inflation").hits[0]
    assert hit.highlights
    for span in hit.highlights:
        assert hit.snippet[span.start:span.end].lower().startswith("inflat")


# ------------------------------------------------------------ real corpora

@needs_corpora
def test_corpus_run_indexes_everything_or_reports_it(corpus_index, corpus):
    _path, summary = corpus_index
    assert summary.added == 21577 + 2225 + 1
    reported = {(e.path.rsplit("/", 1)[-1], e.record) for e in summary.errors}
    assert ("reut2-012.sgm", "12793") in reported  # the one empty Reuters article
    # everything else reported is a non-article text file beside the SGML (category lists etc.)
    assert all(name.endswith(".txt") for name, record in reported if record is None)
    assert corpus.stats().documents == summary.added


@needs_corpora
def test_corpus_second_run_is_unchanged(corpus_index):
    from .conftest import BBC, REUTERS, SEED
    with Archive(corpus_index[0]) as archive:
        again = archive.add([REUTERS, BBC, SEED])
    assert (again.added, again.updated) == (0, 0)
    assert again.unchanged == corpus_index[1].added


@needs_corpora
def test_corpus_places_facet_and_dates(corpus):
    result = corpus.search("coffee", facets=["places", "year", "section"], limit=5)
    places = {v.value: v.count for v in result.facets["places"]}
    assert places["brazil"] >= 30 and places["colombia"] >= 10
    assert result.total > 100
    march = corpus.search("coffee", date_from="March 1987", date_to="March 1987")
    assert 0 < march.total < result.total
    assert march.total == corpus.search("coffee date:1987-03").total


@needs_corpora
def test_corpus_bbc_sections(corpus):
    result = corpus.search("election", facets=["section"], filters={"source": ["bbc"]})
    sections = [v.value for v in result.facets["section"]]
    assert sections[0] == "politics"


# ------------------------------------------------------------ incremental indexing

def test_incremental_add_update_unchanged_and_rebuild(tmp_path):
    archive = Archive(tmp_path / "ix")
    first = archive.add([EXAMPLES])
    assert (first.added, first.updated, first.unchanged) == (13, 0, 0)
    again = archive.add([EXAMPLES])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 13)

    # a new file is added without touching the rest; an edited article is updated in place
    extra = tmp_path / "extra"
    (extra / "news").mkdir(parents=True)
    (extra / "news" / "a.txt").write_text("Lighthouse keeper retires\n\nAfter forty years the keeper left.\n")
    assert archive.add([extra]).added == 1
    (extra / "news" / "a.txt").write_text("Lighthouse keeper retires\n\nAfter fifty years the keeper left.\n")
    changed = archive.add([extra])
    assert (changed.added, changed.updated) == (0, 1)
    assert archive.search("lighthouse").total == 1
    assert "fifty" in archive.get("news-a").body
    assert archive.stats().documents == 14

    # the same id twice in one run: the first is indexed, the second reported, no duplicate
    dup = [Article(id="dup-1", headline="First version", body="alpha"),
           Article(id="dup-1", headline="Second version", body="beta")]
    summary = archive.add(dup)
    assert (summary.added, summary.failed) == (1, 1)
    assert "duplicate id 'dup-1'" in summary.errors[0].reason
    assert archive.search("id:dup-1").total == 1
    assert archive.get("dup-1").body == "alpha"

    rebuilt = archive.add([EXAMPLES], rebuild=True)
    assert rebuilt.added == 13
    assert archive.stats().documents == 13
    assert archive.get("news-a") is None


def test_get_returns_the_whole_article(example_archive):
    article = example_archive.get("reuters-90002")
    assert article.people == ["halvorsen"] and article.orgs == ["opec"]
    assert article.source == "reuters" and article.dateline.startswith("OSLO")
    assert article.published.isoformat().startswith("1987-")
    assert example_archive.get("no-such-id") is None


def test_empty_archive_searches_and_stats(tmp_path):
    archive = Archive(tmp_path / "ix")
    archive.add([])  # creates the index (opening a folder without one does not)
    result = archive.search("oil", facets=["places", "year"])
    assert (result.total, result.hits) == (0, [])
    assert result.facets == {"places": [], "year": []}
    stats = archive.stats()
    assert (stats.documents, stats.date_range) == (0, None)
    assert all(values == [] for values in stats.facets.values())
    # the same Archive sees articles added after it searched the empty index
    archive.add([Article(id="n1", headline="Oil news", body="oil", places=["norway"])])
    result = archive.search("oil", facets=["places"])
    assert result.total == 1 and result.facets["places"][0].value == "norway"


def test_archive_refuses_a_foreign_folder(tmp_path):
    from searchkit import ArchiveError
    (tmp_path / "notes.txt").write_text("my notes")
    with pytest.raises(ArchiveError, match="not empty"):
        Archive(tmp_path).add([])
    with pytest.raises(ArchiveError, match="no index"):
        Archive(tmp_path / "missing", create=False)


@given(words=st.lists(st.text(alphabet="ab \n\t", min_size=0, max_size=30), max_size=60))
def test_a_hits_lead_is_the_collapsed_text_cut_at_a_word(words):
    """`_lead` collapses only the start of a long body; the lead is the one of the whole text."""
    from searchkit.backends.documents import _lead

    text = "".join(words)
    whole = " ".join(text.split())
    if len(whole) <= 40:
        expected = whole
    else:
        cut = whole.rfind(" ", 0, 40)
        expected = whole[:cut if cut > 0 else 40] + " …"
    assert _lead(text, 40) == expected
