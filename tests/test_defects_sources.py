"""Issue 19's reader defects: untagged Reuters articles, documentation files beside articles, ids
that do not depend on the folder given."""
from __future__ import annotations

import json
from pathlib import Path

from searchkit import Archive, output, sources
from searchkit.model import Article

from .conftest import REUTERS, needs_corpora


def _reuters(newid: str, path_name: str) -> Article:
    sf = sources.SourceFile(REUTERS / path_name, "reuters", "reuters", "", "")
    return next(a for a in sources.read(sf) if isinstance(a, Article) and a.id == f"reuters-{newid}")


@needs_corpora
def test_unprocessed_reuters_article_has_its_first_line_as_headline_and_its_dateline():
    article = _reuters("19586", "reut2-019.sgm")
    assert article.headline == "COLOMBIA OPTIMISTIC ON COFFEE QUOTAS"
    assert article.dateline == "MEDELLIN, Colombia, June 28"
    assert "Colombia considers conditions" in article.body
    assert "COFFEE QUOTAS" not in article.body


@needs_corpora
def test_no_reuters_article_lacks_a_headline():
    headless = [a.id for p in sorted(REUTERS.glob("reut2-*.sgm"))
                for a in sources.read(sources.SourceFile(p, "reuters", "reuters", "", ""))
                if isinstance(a, Article) and not a.headline]
    assert headless == []


@needs_corpora
def test_reuters_documentation_files_are_skipped_and_named_not_failed():
    found = sources.discover([REUTERS])
    assert {sf.path.name for sf in found.files} == {f"reut2-{i:03d}.sgm" for i in range(22)}
    assert found.problems == []
    names = {Path(p).name for p in found.skipped_paths}
    assert {"lewis.dtd", "cat-descriptions_120396.txt", "all-people-strings.lc.txt",
            "feldman-cia-worldfactbook-data.txt"} <= names


def test_a_run_over_a_feed_and_its_notes_succeeds_and_names_the_notes(tmp_path):
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "items.jsonl").write_text(json.dumps({"id": "x1", "headline": "Oil", "body": "Oil rose."}) + "\n")
    (folder / "notes.txt").write_text("fields:\nid\nheadline\n")
    (folder / "schema.dtd").write_text("<!ELEMENT x>\n")
    with Archive(tmp_path / "index") as archive:
        summary = archive.add([folder])
    assert (summary.added, summary.failed, summary.ok) == (1, 0, True)
    assert sorted(Path(p).name for p in summary.skipped) == ["notes.txt", "schema.dtd"]
    assert summary.to_dict()["skipped"] == summary.skipped
    assert "skipped, not articles: " in output.summary_text(summary)
    assert "notes.txt" in output.summary_text(summary)
