"""Each reader on the real corpus files and on the repository's example archive."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from searchkit.ingest import sources
from searchkit.model import Article, Problem

from .conftest import BBC, EXAMPLES, REUTERS, SEED, needs_corpora


def read_all(*paths, fmt=None):
    found = sources.discover(paths, fmt)
    items = [item for sf in found.files for item in sources.read(sf)]
    articles = [i for i in items if isinstance(i, Article)]
    problems = found.problems + [i for i in items if isinstance(i, Problem)]
    return articles, problems, found


@needs_corpora
def test_seed_article_drops_check_also_teaser():
    articles, problems, _ = read_all(SEED)
    assert problems == []
    [article] = articles
    assert article.headline.startswith("Iraq Authorities Launch Military Operation")
    assert article.body.endswith("according to Muhieddine.")
    assert "Check Also" not in article.body
    assert "Western Balkans" not in article.body
    assert article.id == "seed-" + next(SEED.glob("*.txt")).stem
    assert article.source == "seed"


@needs_corpora
def test_bbc_sections_ids_and_latin1_file():
    articles, problems, found = read_all(BBC)
    assert problems == []
    assert found.skipped == 1  # README.TXT is not an article
    assert len(articles) == 2225
    assert Counter(a.section for a in articles) == {
        "business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}
    assert {a.source for a in articles} == {"bbc"}
    first = next(a for a in articles if a.id == "bbc-business-001")
    assert first.headline == "Ad sales boost Time Warner profit"
    assert first.body.startswith("Quarterly profits at US media giant TimeWarner jumped 76%")
    # sport/199.txt is Latin-1: decoded, not rejected and not mangled into replacement characters
    latin1 = next(a for a in articles if a.id == "bbc-sport-199")
    assert "\ufffd" not in latin1.body and latin1.body


@needs_corpora
def test_bbc_ids_do_not_depend_on_the_folder_given():
    one = sources.discover([BBC / "business" / "001.txt"]).files[0]
    via_root = next(sf for sf in sources.discover([BBC]).files if sf.path.name == "001.txt"
                    and sf.section == "business")
    via_parent = next(sf for sf in sources.discover([BBC.parent]).files
                      if sf.path == BBC / "business" / "001.txt")
    assert via_root.id_prefix == via_parent.id_prefix == "bbc-business"
    assert one.id_prefix == "bbc-business"  # a single file given alone: its folders tell the same


@needs_corpora
def test_reuters_all_articles_tags_and_entities():
    articles, problems, _ = read_all(*sorted(REUTERS.glob("reut2-*.sgm")))
    # 21,578 articles; one (NEWID 12793) is entirely empty and is reported, not silently dropped
    assert len(articles) + len(problems) == 21578
    assert [(p.record, p.reason) for p in problems] == [("12793", "empty article: no title and no body")]
    by_id = {a.id: a for a in articles}
    first = by_id["reuters-1"]
    assert first.headline == "BAHIA COCOA REVIEW"
    assert first.dateline == "SALVADOR, Feb 26"
    assert first.published.isoformat() == "1987-02-26T15:01:01"
    assert first.places == ["el-salvador", "usa", "uruguay"]
    assert first.topics == ["cocoa"]
    assert first.body.startswith("Showers continued throughout the week")
    assert not first.body.rstrip().endswith("Reuter")
    # character references are unescaped, control characters gone
    assert not any("&lt;" in a.body or "&#" in a.body or "\x03" in a.body for a in articles)
    assert any("<" in a.body for a in articles)
    # briefs (title only) are kept with what they have
    briefs = [a for a in articles if a.headline and not a.body]
    assert len(briefs) > 100
    # tag lists other than places
    assert any(a.people for a in articles) and any(a.orgs for a in articles)
    assert any(a.exchanges for a in articles)  # (COMPANIES is empty in every Reuters-21578 article)
    assert len({a.id for a in articles}) == len(articles)


@needs_corpora
def test_reuters_invalid_utf8_byte_does_not_stop_the_file():
    articles, problems, _ = read_all(REUTERS / "reut2-017.sgm")
    assert problems == []
    assert len(articles) == 1000
    assert sum("\ufffd" in a.body or "\ufffd" in a.headline for a in articles) == 1


def test_jsonl_in_the_benchmark_corpus_format(tmp_path):
    """The format ../shared/bench/corpus.py writes: id, headline, body, date (ISO or null), lists."""
    lines = [
        {"id": "s-1", "headline": "Grain exports rise", "body": "Wheat shipments rose.",
         "date": "2003-05-17T00:00:00", "places": ["usa"], "people": [], "orgs": [],
         "topics": ["grain"]},
        {"id": "s-2", "headline": "Undated", "body": "No date here.", "date": None,
         "places": [], "people": ["volcker"], "orgs": ["fed"], "topics": []},
    ]
    path = tmp_path / "scaled.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    articles, problems, _ = read_all(path)
    assert problems == []
    assert [a.id for a in articles] == ["s-1", "s-2"]
    assert articles[0].published.date().isoformat() == "2003-05-17"
    assert articles[0].places == ["usa"] and articles[0].topics == ["grain"]
    assert articles[1].published is None and articles[1].people == ["volcker"]
    assert {a.source for a in articles} == {"scaled"}  # default source: the file's name


def test_example_archive_reads_every_format():
    articles, problems, found = read_all(EXAMPLES)
    assert problems == []
    assert found.skipped == 1  # its README.md
    assert len(articles) == 13
    formats = Counter(sf.format for sf in found.files)
    assert formats == {"text": 7, "reuters": 1, "jsonl": 1}
    by_id = {a.id: a for a in articles}
    assert by_id["reuters-90003"].body == "" and by_id["reuters-90003"].headline
    assert "&lt;" not in by_id["reuters-90002"].body and "<Nordfjord" in by_id["reuters-90002"].body
    assert by_id["feed-002"].published.date().isoformat() == "2021-03-04"  # "4 March 2021"
    assert by_id["feed-003"].published.date().isoformat() == "2022-11-02"  # from "date"
    assert by_id["sections-sport-001"].section == "sport"
    plain = by_id["plain-harbour-bridge"]
    assert "Check Also" not in plain.body


@pytest.mark.parametrize("fmt", ["text", "reuters", "jsonl"])
def test_format_can_be_forced(tmp_path, fmt):
    path = tmp_path / "article.dat"
    path.write_text("A headline\n\nA body.\n")
    found = sources.discover([path], fmt)
    assert [sf.format for sf in found.files] == [fmt]


def test_format_is_sniffed_for_unknown_extensions(tmp_path):
    (tmp_path / "wire").write_text('<!DOCTYPE lewis SYSTEM "lewis.dtd">\n<REUTERS NEWID="1">')
    (tmp_path / "feed").write_text('{"id": "x"}\n')
    found = sources.discover([tmp_path / "wire", tmp_path / "feed"])
    assert [sf.format for sf in found.files] == ["reuters", "jsonl"]


def test_decode_handles_boms_and_rejects_binary():
    assert sources.decode("Zoë\n".encode("utf-16")) == "Zoë\n"
    assert sources.decode(b"\xef\xbb\xbfhello") == "hello"
    assert sources.decode("caf\xe9".encode("latin-1")) == "café"
    with pytest.raises(ValueError, match="binary"):
        sources.decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.parametrize("text", [
    "2021-03-04", "2021-03-04T10:11:12", "2021-03-04 10:11", "2021-03-04T10:11:12.5",
    "1987-02-26T15:01:01Z", "2021-03-04T23:30:00+05:30", "2021-03-04T01:30:00-08:00", "2000-02-29"])
def test_iso_dates_read_directly_are_what_dateutil_reads(text):
    """Full ISO dates skip dateutil (`dates._iso_datetime`), with the same naive UTC result."""
    from datetime import timezone

    from dateutil import parser

    from searchkit.enrich import dates
    expected = parser.parse(text)
    if expected.tzinfo is not None:
        expected = expected.astimezone(timezone.utc).replace(tzinfo=None)
    assert dates._iso_datetime(text) is not None
    assert dates.parse_datetime(text) == expected


@pytest.mark.parametrize("text, reason", [("2021-02-30", "day is out of range"),
                                          ("2021-13-01", "month must be in 1..12"),
                                          ("2021-03-04T25:00", "hour must be in 0..23")])
def test_impossible_iso_dates_still_get_dateutils_reason(text, reason):
    from searchkit.enrich import dates
    with pytest.raises(ValueError, match=reason):
        dates.parse_datetime(text)
