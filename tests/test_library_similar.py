"""`similar` leaves out the article's own wire copies (issue 23): a word-for-word copy is not "a
similar article"."""
from __future__ import annotations

from searchkit import Archive
from searchkit.model import Article

from .conftest import needs_corpora

STORY = ("The Finnish government of Prime Minister Kalevi Sorsa resigned on Friday after the "
         "election, and the president asked the conservatives to form a coalition with the centre "
         "party, officials in Helsinki said. Talks are expected to last several weeks.")


def test_similar_leaves_out_the_articles_own_copies(tmp_path):
    archive = Archive(tmp_path / "index", procs=0)
    archive.add([
        Article(id="original", headline="Finnish government resigns", body=STORY),
        Article(id="copy", headline="Finnish government resigns", body=STORY),  # a wire copy
        Article(id="related", headline="Finnish coalition talks",
                body="Finnish conservatives and the centre party began coalition talks in Helsinki after "
                     "the government of Kalevi Sorsa resigned."),
        Article(id="other", headline="Coffee prices", body="Coffee prices rose in Brazil."),
    ])
    assert [a.id for a in archive.wire_copies("original")] == ["copy"]
    found = archive.similar("original")
    assert [h.id for h in found.hits] == ["related"] and found.total == 1
    assert [h.id for h in archive.similar("copy").hits] == ["related"]


@needs_corpora
def test_the_issues_example(corpus):
    """`similar reuters-12961` ranked its word-for-word copy reuters-12970 first."""
    ids = [h.id for h in corpus.similar("reuters-12961", limit=20).hits]
    assert "reuters-12970" not in ids and ids[0] == "reuters-5774"
