"""Issue 19's reader defects: untagged Reuters articles, documentation files beside articles, ids
that do not depend on the folder given."""
from __future__ import annotations

import json
from pathlib import Path

from searchkit import Archive, output
from searchkit.ingest import sources
from searchkit.model import Article

from .conftest import BBC, REUTERS, needs_corpora


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


def _collection(tmp_path: Path) -> Path:
    """news/{business,sport}/NNN.txt beside a flat folder of notes: like the BBC corpus."""
    for section in ("business", "sport"):
        for n in (1, 2):
            path = tmp_path / "news" / section / f"{n:03d}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{section.title()} story {n}\n\nThe {section} story number {n}.\n")
    (tmp_path / "news" / "README.txt").write_text("about this collection\n")
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "memo.txt").write_text("Memo\n\nA memo about oil.\n")
    return tmp_path


def test_text_ids_do_not_depend_on_the_path_given(tmp_path):
    root = _collection(tmp_path)
    ids = {}
    for given in (root, root / "news", root / "news" / "business", root / "news" / "business" / "001.txt",
                  root / "flat", root / "flat" / "memo.txt"):
        for sf in sources.discover([given]).files:
            [article] = list(sources.read(sf))
            ids.setdefault(sf.path.resolve(), set()).add(article.id)
    assert ids == {root / "news" / "business" / "001.txt": {"news-business-001"},
                   root / "news" / "business" / "002.txt": {"news-business-002"},
                   root / "news" / "sport" / "001.txt": {"news-sport-001"},
                   root / "news" / "sport" / "002.txt": {"news-sport-002"},
                   root / "flat" / "memo.txt": {"flat-memo"}}


def test_indexing_a_section_then_the_collection_never_duplicates(tmp_path):
    root = _collection(tmp_path)
    with Archive(tmp_path / "index", procs=0) as archive:
        assert archive.add([root / "news" / "business"]).added == 2
        summary = archive.add([root / "news"])
        assert (summary.added, summary.unchanged) == (2, 2)
        assert archive.stats().documents == 4
        assert archive.get("news-business-001").section == "business"


@needs_corpora
def test_bbc_section_then_bbc_gives_2225_articles(tmp_path):
    with Archive(tmp_path / "index") as archive:
        archive.add([BBC / "business"])
        archive.add([BBC])
        assert archive.stats().documents == 2225
