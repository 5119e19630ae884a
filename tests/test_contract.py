"""The backend contract: the same library-level tests, through `Archive`, against every backend on
the example archive (13 fictional articles, `examples/archive/`). A new backend passes this file.

What a backend cannot do is an explicit expected failure of that backend, with the reason (see
`Capabilities` and the README's "Cluster (Xapian)"). The Xapian backend's tests skip with a reason
without its servers or bindings. Expected values are read off the example files (their tags,
dates and words), not off either backend."""
from __future__ import annotations

from datetime import date

import pytest

from searchkit import Archive, QueryError

from .conftest import needs_xapian

BACKENDS = [
    pytest.param("example_archive", id="whoosh"),
    pytest.param("example_cluster", id="xapian", marks=needs_xapian),
]


@pytest.fixture(params=BACKENDS)
def archive(request) -> Archive:
    return request.getfixturevalue(request.param)


def unless(backend: str, reason: str, raises: type[Exception] | None = None):
    """A known difference: the test is expected to fail on `backend`, and must (strict)."""
    def mark(request) -> None:
        if request.node.callspec.id.split("-")[0] == backend:
            request.node.add_marker(pytest.mark.xfail(reason=reason, raises=raises, strict=True))
    return mark


def ids(result) -> set[str]:
    return {h.id for h in result.hits}


DATED = ["reuters-90001", "reuters-90002", "reuters-90003", "plain-harbour-bridge", "feed-002", "feed-001",
         "feed-003"]  # oldest first (feed-002 and feed-001 share a day: feed-002 has no time of day)


@pytest.mark.parametrize("query, expected", [
    ("*", 13),
    ("oil", 8),
    ("oil prices", 4),
    ("oil -gas", 6),
    ('"interest rates"', 5),
    ("harbour", 4),
    ("headline:oil", 1),
    ("places:norway", 2),
    ("date:1987", 3),
    ("date:[2021 TO]", 4),
    ("zebra", 0),
])
def test_search_totals(archive, query, expected):
    result = archive.search(query, limit=20)
    assert result.total == expected == len(result.hits)


def test_words_fields_and_tags_find_the_articles_that_have_them(archive):
    assert ids(archive.search("places:norway")) == {"feed-001", "reuters-90002"}
    assert ids(archive.search("headline:oil")) == {"plain-rotterdam-fuel"}
    assert ids(archive.search("oil prices")) == {"plain-rotterdam-fuel", "reuters-90002", "sections-business-001",
                                                  "sections-business-002"}
    assert ids(archive.search("oil -gas", limit=20)) == ids(archive.search("oil", limit=20)) - {
        "feed-003", "sections-politics-001"}


def test_filters_are_or_within_a_field_and_and_across_fields(archive):
    canada_or_norway = archive.search("*", filters={"places": ["canada", "norway"]}, limit=20)
    assert ids(canada_or_norway) == {"reuters-90001", "reuters-90002", "reuters-90003", "feed-001",
                                     "plain-fishing-quota"}
    both = archive.search("*", filters={"places": ["canada", "norway"], "source": ["reuters"]}, limit=20)
    assert ids(both) == {"reuters-90001", "reuters-90002", "reuters-90003"}
    assert archive.search("oil", filters={"year": ["1987"]}).total == 1


def test_facet_counts_are_the_totals_of_their_filters(archive):
    result = archive.search("*", facets=("places", "source", "year", "topics"), limit=0)
    assert [(v.value, v.count) for v in result.facets["source"]] == [
        ("sections", 4), ("harbourwire", 3), ("plain", 3), ("reuters", 3)]
    assert [(v.value, v.count) for v in result.facets["year"]] == [("1987", 3), ("2021", 3), ("2022", 1)]
    for name in ("places", "topics"):
        for value in result.facets[name][:4]:
            assert archive.search("*", filters={name: [value.value]}, limit=0).total == value.count


def test_multi_select_facets_count_a_field_under_the_other_filters(archive):
    result = archive.search("*", filters={"source": ["reuters"]}, facets=("source", "year"), limit=0)
    assert result.total == 3
    assert {v.value for v in result.facets["source"]} == {"sections", "harbourwire", "plain", "reuters"}
    assert [(v.value, v.count) for v in result.facets["year"]] == [("1987", 3)]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_put_undated_articles_last_and_page_through(archive, sort):
    everything = [h.id for h in archive.search("*", sort=sort, limit=20).hits]
    assert everything[:7] == (DATED if sort == "oldest" else DATED[::-1])
    assert set(everything[7:]) == {"plain-fishing-quota", "plain-rotterdam-fuel", "sections-business-001",
                                   "sections-business-002", "sections-politics-001", "sections-sport-001"}
    pages = [h.id for page in (1, 2, 3) for h in archive.search("*", sort=sort, limit=5, page=page).hits]
    assert pages == everything


def test_relevance_puts_a_headline_match_first(archive):
    for query in ("oil", "fuel"):
        assert archive.search(query, limit=1).hits[0].id == "plain-rotterdam-fuel"


def test_scores_are_bm25f_and_explained(archive, request):
    # Whoosh's BM25F (headline weight 2) orders ties and near-ties differently from Xapian's BM25:
    # the top 5 of `oil` differ in their last two (README, "Cluster (Xapian)").
    unless("xapian", "scores are Xapian's BM25, which explain does not split (Capabilities)", QueryError)(request)
    hits = archive.search("oil", limit=20, explain=True, ranking="plain").hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        assert hit.explain and sum(p.score for p in hit.explain) == pytest.approx(hit.score)


def test_timeline_counts_every_dated_match_once(archive):
    timeline = archive.timeline("oil", by="year")
    counts = {b.period: b.count for b in timeline.buckets if b.count}
    assert counts == {"1987": 1, "2021": 2, "2022": 1}
    assert timeline.undated == 4 and sum(counts.values()) + timeline.undated == archive.search("oil").total
    assert [b.period for b in timeline.buckets] == [str(y) for y in range(1987, 2023)]  # every year between
    assert {b.period: b.total for b in timeline.buckets if b.total} == {"1987": 3, "2021": 3, "2022": 1}


def test_related_values_are_over_represented_among_the_matches(archive):
    related = archive.related("oil OR harbour", field="places")
    assert (related.total, related.documents) == (10, 13)
    # Entities, not spellings: "Norway" (extracted) and "norway" (a source tag) in one article count once.
    assert [(e.value, e.count, e.background) for e in related.entities] == [
        ("netherlands", 2, 2), ("norway", 2, 2), ("oslo", 2, 2), ("rotterdam", 2, 2)]
    assert [e.label for e in related.entities] == ["Netherlands", "Norway", "Oslo", "Rotterdam"]
    for entity in related.entities:
        assert archive.search("oil OR harbour", filters={"places": [entity.value]}, limit=0).total == entity.count


def test_show_gives_the_article_as_indexed(archive):
    article = archive.get("reuters-90002")
    assert article is not None and article.source == "reuters" and "norway" in article.places
    assert article.published is not None and article.published.date() == date(1987, 3, 3)
    assert archive.get("no-such-id") is None
    hit = archive.search("headline:oil").hits[0]
    assert archive.get(hit.id).headline == hit.headline


def test_stats_count_the_archive(archive):
    stats = archive.stats()
    assert stats.documents == 13
    assert stats.date_range == (date(1987, 2, 26), date(2022, 11, 2))
    assert {v.value: v.count for v in stats.facets["source"]} == {"sections": 4, "harbourwire": 3, "plain": 3,
                                                                  "reuters": 3}


def test_stats_know_the_size_on_disk(archive, request):
    unless("xapian", "a cluster's size is on its servers (Capabilities.size)")(request)
    assert archive.stats().size_bytes > 0


def test_similar_articles_leave_the_article_out(archive):
    similar = archive.similar("reuters-90002")
    assert similar is not None and similar.total > 0 and "reuters-90002" not in ids(similar)


def test_export_gives_every_match_in_date_order(archive):
    assert [a.id for a in archive.export("*")][:7] == DATED


def test_did_you_mean(archive, request):
    unless("xapian", "no did-you-mean suggestions on a cluster (Capabilities.did_you_mean)")(request)
    assert archive.search("harbor").suggestion == "harbour"


def test_any_word_offer(archive):
    """A plain all-words query with few matches is offered its OR form and total (engine-neutral)."""
    result = archive.search("oil harbour", date_from="2021")
    assert result.total == 2 and result.any_words is not None
    assert result.any_words.query == "oil OR harbour"
    assert result.any_words.total == archive.search("oil OR harbour", date_from="2021").total == 3
    assert archive.search("oil AND harbour").any_words is None


def test_collapse_wire_copies(archive, request):
    unless("xapian", "no wire-copy clusters on a cluster (Capabilities.wire_copies)", QueryError)(request)
    assert archive.search("*", collapse=True).collapsed


def test_bad_queries_are_refused_alike(archive):
    with pytest.raises(QueryError, match="unknown field 'colour'"):
        archive.search("colour:red")
    with pytest.raises(QueryError, match="unknown facet"):
        archive.search("oil", facets=("colour",))
