"""The `text` format: a plain-text article, headline on the first line, a blank line, then
paragraphs (site furniture such as "Related articles" cut off)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from ..model import Article, Problem
from ..text import clean_text
from .textfiles import decode, slug

if TYPE_CHECKING:
    from .sources import SourceFile

# Site furniture that ends the story: everything from such a line on is dropped.
_FURNITURE = re.compile(
    r"^\s*(check also|related articles?|read more|you may also like|more from this section|"
    r"share this( article)?|advertisement)\s*:?\s*$", re.I | re.M)


def parse_text_article(text: str) -> tuple[str, str]:
    """Headline and body of a plain-text article. Raises ValueError if it is not one."""
    text = clean_text(text).strip()
    if not text:
        raise ValueError("empty file")
    headline, sep, rest = text.partition("\n")
    if not rest.strip():
        raise ValueError("no body: expected a headline line, a blank line, then the article")
    if rest.split("\n", 1)[0].strip():
        raise ValueError("not an article: the first line (headline) must be followed by a blank line")
    body = rest.strip()
    cut = _FURNITURE.search(body)
    if cut:
        body = body[:cut.start()].rstrip()
    paragraphs = [re.sub(r"[ \t]*\n[ \t]*", " ", p).strip() for p in re.split(r"\n\s*\n", body)]
    return " ".join(headline.split()), "\n\n".join(p for p in paragraphs if p)


def read_text(sf: SourceFile, data: bytes) -> Iterator[Article | Problem]:
    try:
        headline, body = parse_text_article(decode(data))
    except ValueError as exc:
        yield Problem(str(sf.path), str(exc))
        return
    if not body:
        yield Problem(str(sf.path), "no body after removing site furniture")
        return
    yield Article(id=f"{sf.id_prefix}-{slug(sf.path.stem)}", headline=headline, body=body,
                  source=sf.source, section=sf.section, origin=str(sf.path))
