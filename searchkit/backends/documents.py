"""Articles as every backend stores them (one document's fields) and reads them back, and the hit
made from a stored article."""
from __future__ import annotations

from datetime import date, datetime

from ..fields import ENTITY_FIELDS, names
from ..model import TAG_FIELDS, Article, Hit, Span
from ..schema import day_from_number, day_number

# The time of day of `published`, in seconds: a column of its own (see `whoosh.timeorder`).
TIME_COLUMN = "date_time"
LAST_SECOND = 24 * 60 * 60 - 1


# The registry's fields that an article holds as one string (headline, body, source, section).
_ONE_STRING = names(kind=("text", "tag"))


def to_document(article: Article, fingerprint: str, cluster: str | None = None) -> dict:
    """An Article as the keyword arguments of `writer.add_document`."""
    doc = {
        "id": article.id,
        "cluster": cluster or article.id,
        "fingerprint": fingerprint,
        **{name: getattr(article, name) for name in _ONE_STRING},
        "entities": "\n".join(article.entities),
        "published": article.published.isoformat() if article.published else None,
        "dateline": article.dateline,
        "url": article.url,
        "authors": article.authors,
        "origin": article.origin,
        "mentioned": [day_number(d) for d in article.mentioned],
        "mentioned_periods": article.mentioned_periods,
        "extracted": article.extracted,
    }
    months = [day_number(_period_start(p)) for p in article.mentioned_periods if len(p) == 7]
    years = [day_number(_period_start(p)) for p in article.mentioned_periods if len(p) == 4]
    if months:
        doc["mentioned_month"] = months
    if years:
        doc["mentioned_year"] = years
    if article.published:
        doc["date"] = day_number(article.published.date())
        doc[TIME_COLUMN] = seconds_of_day(article.published)
    for name in TAG_FIELDS:
        # One comma-joined string is indexed, stored and kept in the facet column (a list would be
        # cut to its first value in the column).
        doc[name] = ",".join(getattr(article, name))
    return {k: v for k, v in doc.items() if v not in (None, "", [], {})}


def _period_start(period: str) -> date:
    """"1987-03" -> 1987-03-01, "1985" -> 1985-01-01."""
    return date(int(period[:4]), int(period[5:7]) if len(period) == 7 else 1, 1)


def seconds_of_day(published: datetime) -> int:
    """0 (midnight, also an article known by its day only) to 86399."""
    return published.hour * 3600 + published.minute * 60 + published.second


def split_tags(value: str | None) -> list[str]:
    """Tag values as indexed, stored and kept in the column: one comma-joined string."""
    return [v for v in value.split(",") if v] if value else []


def _lead(text: str, chars: int = 240) -> str:
    """The first `chars` characters of `text`, whitespace collapsed, cut at a word."""
    # Collapsing a prefix of the text gives a prefix of the collapsed text: when it is longer than
    # `chars`, the rest of a long body need not be collapsed.
    head = " ".join(text[:chars * 2].split())
    text = head if len(head) > chars else " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text.rfind(" ", 0, chars)
    return text[:cut if cut > 0 else chars] + " …"


def _parse_published(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def stored_to_article(fields: dict) -> Article:
    return Article(
        id=fields["id"], headline=fields.get("headline", ""), body=fields.get("body", ""),
        published=_parse_published(fields.get("published")), source=fields.get("source", ""),
        section=fields.get("section", ""), url=fields.get("url", ""), dateline=fields.get("dateline", ""),
        authors=list(fields.get("authors") or []),
        **{name: split_tags(fields.get(name)) for name in TAG_FIELDS},
        mentioned_periods=list(fields.get("mentioned_periods") or []),
        extracted={k: list(v) for k, v in (fields.get("extracted") or {}).items()},
        mentioned=[day_from_number(n) for n in fields.get("mentioned") or []],
        origin=fields.get("origin", ""))


def make_hit(article: Article, score: float | None, snippet: str, spans: list[Span]) -> Hit:
    """A hit of `article`; without a snippet, the lead of its body stands in."""
    if not snippet:
        snippet, spans = _lead(article.body), []
    return Hit(
        id=article.id, headline=article.headline, published=article.published,
        source=article.source, section=article.section, people=article.people,
        orgs=article.orgs, places=article.places, topics=article.topics,
        score=round(float(score), 4) if score is not None else None,
        snippet=snippet, highlights=spans)


# The entity fields whose values a more-like-this query adds to the article's key terms.
SIMILAR_FIELDS = ENTITY_FIELDS
