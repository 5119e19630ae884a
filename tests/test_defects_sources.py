"""Issue 19's reader defects: untagged Reuters articles, documentation files beside articles, ids
that do not depend on the folder given."""
from __future__ import annotations

from searchkit import sources
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
