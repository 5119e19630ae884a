"""Issue 19's library defects: dates given as text, searching a folder that holds no index."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from searchkit import Archive
from searchkit.model import Article


@pytest.mark.parametrize("given", ["2021-03-02", "2021-03-02T00:00:00", date(2021, 3, 2),
                                   datetime(2021, 3, 2)])
def test_article_published_as_iso_text_or_date_is_indexed_as_that_day(tmp_path, given):
    with Archive(tmp_path / "index", procs=0) as archive:
        summary = archive.add([Article(id="a1", headline="Oil", body="Oil rose.", published=given)])
        assert (summary.added, summary.failed) == (1, 0)
        assert archive.get("a1").published == datetime(2021, 3, 2)
        assert archive.search("oil", date_from="2021-03-02", date_to="2021-03-02").total == 1


def test_article_published_of_another_type_says_what_is_expected():
    with pytest.raises(TypeError, match="published must be a datetime, a date or an ISO 8601 string"):
        Article(id="a1", headline="Oil", published=20210302)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'a1': published 'the day after'"):
        Article(id="a1", headline="Oil", published="the day after")  # type: ignore[arg-type]
