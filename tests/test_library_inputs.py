"""Issue 19's library defects: dates given as text, searching a folder that holds no index."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from click.testing import CliRunner

from searchkit import Archive, ArchiveError
from searchkit.cli.commands import main
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


def test_searching_a_folder_without_an_index_says_so_and_creates_nothing(tmp_path):
    typo = tmp_path / "typo"
    archive = Archive(typo)
    for read in (lambda: archive.search("oil"), archive.stats, lambda: archive.get("x"),
                 lambda: archive.timeline("oil")):
        with pytest.raises(ArchiveError, match=f"no index at {typo}"):
            read()
    archive.close()
    assert not typo.exists()
    with pytest.raises(ArchiveError, match="no index at"):
        Archive(typo, create=False)
    assert not typo.exists()


def test_add_creates_the_index_in_a_new_folder_and_another_archive_then_reads_it(tmp_path):
    reader = Archive(tmp_path / "new")  # opened before the index exists
    with Archive(tmp_path / "new") as writer:
        assert writer.add([Article(id="a1", headline="Oil", body="Oil rose.")]).added == 1
        assert writer.search("oil").total == 1
    assert reader.search("oil").total == 1
    reader.close()


def test_the_search_command_on_a_mistyped_index_says_so_and_creates_nothing(tmp_path):
    typo = tmp_path / "typo"
    result = CliRunner().invoke(main, ["search", "oil", "--index", str(typo)])
    assert result.exit_code == 1
    assert f"no index at {typo}" in result.output
    assert not typo.exists()
