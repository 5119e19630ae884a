"""`--sort newest|oldest` and `export` order by the day, then by the time of day, then by id (issue
19 item 4); an index made before the time column still sorts, by day and id."""
from __future__ import annotations

from datetime import datetime

from whoosh import fields

from searchkit import Archive
from searchkit.model import Article

from .conftest import needs_corpora

# Same day, ids in the opposite order of their times; one more a day later; one undated.
SAME_DAY = [
    Article(id="a-late", headline="oil", body="oil", published=datetime(1987, 3, 9, 4, 44, 31)),
    Article(id="b-early", headline="oil", body="oil", published=datetime(1987, 3, 9, 1, 2)),
    Article(id="c-midday", headline="oil", body="oil", published=datetime(1987, 3, 9, 12, 0)),
    Article(id="d-day-only", headline="oil", body="oil", published=datetime(1987, 3, 9)),
    Article(id="e-next-day", headline="oil", body="oil", published=datetime(1987, 3, 10, 0, 1)),
    Article(id="f-undated", headline="oil", body="oil"),
]
NEWEST = ["e-next-day", "c-midday", "a-late", "b-early", "d-day-only", "f-undated"]
OLDEST = ["d-day-only", "b-early", "a-late", "c-midday", "e-next-day", "f-undated"]


def _ids(result) -> list[str]:
    return [h.id for h in result.hits]


def test_newest_and_oldest_order_by_time_of_day(tmp_path):
    archive = Archive(tmp_path / "index", procs=0)
    archive.add(SAME_DAY)
    assert _ids(archive.search("oil", sort="newest")) == NEWEST
    assert _ids(archive.search("oil", sort="oldest")) == OLDEST
    for page in (1, 2, 3):  # a page at a time: the first ones by walking the date order
        assert _ids(archive.search("oil", sort="newest", limit=2, page=page)) == NEWEST[2 * page - 2:2 * page]
        assert _ids(archive.search("oil", sort="oldest", limit=2, page=page)) == OLDEST[2 * page - 2:2 * page]
    assert [a.id for a in archive.export("oil")] == OLDEST


def test_an_index_without_the_time_column_sorts_by_day_then_id(tmp_path, monkeypatch):
    """An index built before the time column: searching and adding to it work, in day order."""
    from searchkit.backends.whoosh import engine

    real = engine.build_schema

    def old_schema() -> fields.Schema:
        schema = real()
        schema.remove("date_time")
        return schema

    monkeypatch.setattr(engine, "build_schema", old_schema)
    Archive(tmp_path / "index", procs=0).add(SAME_DAY[:2])
    monkeypatch.undo()
    archive = Archive(tmp_path / "index", procs=0)  # this version, on the old index
    assert "date_time" not in archive._engine._schema
    archive.add(SAME_DAY[2:])
    archive.add(SAME_DAY[2:], check=True)
    by_day_then_id = ["e-next-day", "a-late", "b-early", "c-midday", "d-day-only", "f-undated"]
    assert _ids(archive.search("oil", sort="newest")) == by_day_then_id
    assert _ids(archive.search("oil", sort="newest", limit=2)) == by_day_then_id[:2]


@needs_corpora
def test_reuters_newest_is_latest_time_first(corpus):
    """The issue's example: on 1987-03-09, 04:44 comes before 01:02 when newest first."""
    hits = corpus.search("*", date_from="1987-03-09", date_to="1987-03-09", sort="newest", limit=1000,
                         snippets=False).hits
    times = [h.published for h in hits]
    assert len(times) > 100 and times == sorted(times, reverse=True)
    oldest = [h.published for h in corpus.search("*", date_from="1987-03-09", date_to="1987-03-09",
                                                  sort="oldest", limit=1000, snippets=False).hits]
    assert oldest == sorted(times)
