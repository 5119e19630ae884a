"""User query syntax -> Whoosh query, built on `whoosh.qparser` and its plugins.

Syntax: words (all must match), `OR`, `NOT`/`-word`, parentheses, `"phrase"`, `"phrase"~N`,
`field:value`, `field:"several words"`, `date:1987-03`, `date:[A TO B]`, prefix `infla*`.
"""
from __future__ import annotations

import itertools
from datetime import date

from whoosh import qparser, query
from whoosh.qparser import syntax
from whoosh.fields import Schema
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query.wrappers import WrappingQuery

from .dates import parse_span
from .errors import QueryError
from .model import FACET_FIELDS
from .schema import QUERY_FIELDS, STOP_WORDS, TEXT_FIELDS, day_number

MAX_QUERY_CHARS = 10_000
# Other names people type for a field.
FIELD_ALIASES = {
    "people": ["person"],
    "orgs": ["org", "organisation", "organization", "organisations", "organizations"],
    "places": ["place", "location"],
    "topics": ["topic"],
    "date": ["published"],
    "headline": ["title"],
    "body": ["text"],
    "entities": ["entity"],
}


class QuotedValuePlugin(qparser.Plugin):
    """`date:"1 March 1987"`: a quoted value of a self-parsing field (dates) is one value to parse,
    not a phrase of words (Whoosh's phrase plugin would look it up as a literal term)."""

    def filters(self, parser):
        return [(self.do_quoted_values, 105)]  # after field names (100) are attached

    def do_quoted_values(self, parser, group):
        schema = parser.schema
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.do_quoted_values(parser, node)
            elif (isinstance(node, qparser.PhrasePlugin.PhraseNode) and node.fieldname in schema
                  and schema[node.fieldname].self_parsing()):
                word = syntax.WordNode(node.text)
                word.set_fieldname(node.fieldname)
                word.set_range(node.startchar, node.endchar)
                group[i] = word
        return group


class StopWordsPlugin(qparser.Plugin):
    """Drops bare stop words (`oil and gas` -> `oil gas`) so that they do not have to occur.

    The index keeps every word, so phrases (`"bank of england"`) and `headline:the` still work.
    """

    def filters(self, parser):
        return [(self.do_stop_words, 106)]  # after field names and quoted values

    def do_stop_words(self, parser, group):
        kept = []
        for node in group:
            if isinstance(node, syntax.GroupNode):
                node = self.do_stop_words(parser, node)
            elif (type(node) is syntax.WordNode and node.fieldname is None
                  and node.text.lower() in STOP_WORDS):
                continue
            kept.append(node)
        # A query of stop words only is searched as written.
        if all(isinstance(n, (syntax.Whitespace, syntax.Operator)) for n in kept):
            return group
        group.nodes = kept
        return group


class UnionOfTerms(WrappingQuery):
    """A prefix or wildcard matched as one list of documents (every match scores the same).

    Whoosh ORs a posting-list matcher per expanded word; with a few hundred words its block-quality
    bookkeeping costs seconds (`pro*` on Reuters+BBC: 2.5 s). Unioning the doc ids first is linear.
    """

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        fieldname = self.child.field()
        docs: set[int] = set()
        for text in self.child._btexts(reader):
            docs.update(reader.postings(fieldname, text).all_ids())
        if not docs:
            return NullMatcher()
        return ListMatcher(sorted(docs), all_weights=self.child.boost)


def _union_of_terms(node: query.Query) -> query.Query:
    return UnionOfTerms(node) if isinstance(node, query.MultiTerm) else node


def make_parser(schema: Schema) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
    # Keep unknown `field:` prefixes so that they can be reported instead of searched as words.
    parser.replace_plugin(qparser.FieldsPlugin(remove_unknown=False))
    # `-word` excludes, but only at the start of a word: `west-germany` stays one value.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(QuotedValuePlugin())
    parser.add_plugin(StopWordsPlugin())
    return parser


def _check_balanced(text: str) -> None:
    if text.count('"') % 2:
        raise QueryError('unbalanced double quote in query: add the closing "')
    depth = 0
    for part in text.split('"')[::2]:  # outside quotes
        for ch in part:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    raise QueryError("unbalanced parenthesis in query: ')' without '('")
    if depth:
        raise QueryError("unbalanced parenthesis in query: '(' without ')'")


def _walk(q: query.Query):
    yield q
    for child in q.children():
        yield from _walk(child)


def parse_query(parser: qparser.QueryParser, text: str) -> query.Query:
    """Parse the user's query; raise QueryError with a one-line reason if it cannot be understood."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})")
    if not text.strip():
        raise QueryError("empty query (use '*' to match every article)")
    _check_balanced(text)
    if text.strip() == "*":
        return query.Every()  # every document; Every("body") would walk all of body's postings
    try:
        q = parser.parse(text, normalize=False)
    except RecursionError:
        raise QueryError("query nested too deeply") from None
    except Exception as exc:  # the parser's own errors have no common base class
        raise QueryError(f"cannot parse query: {exc}") from None
    schema = parser.schema
    for node in _walk(q):
        error = getattr(node, "error", None)
        if error:
            raise QueryError(str(error))
        if isinstance(node, query.Wildcard) and node.text[:1] in ("*", "?"):
            # It would scan every word of the index on every search (seconds on a large archive).
            raise QueryError(f"a pattern cannot start with a wildcard: {node.text!r} "
                             f"(use at least one letter first, e.g. 'infla*')")
        fieldname = getattr(node, "fieldname", None)
        if fieldname is not None and fieldname not in schema:
            raise QueryError(f"unknown field {fieldname!r} (fields: {', '.join(QUERY_FIELDS)})")
    q = q.normalize()
    if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
        raise QueryError(f"nothing to search for in {text!r}")
    return q.accept(_union_of_terms)


# A prefix or wildcard that stands for more words than this is refused: Whoosh would open a posting
# list per word (`a*` on Reuters+BBC: 30 s).
MAX_EXPANSION = 256


def check_expansions(q: query.Query, reader) -> None:
    """Raise QueryError if a prefix or wildcard in `q` matches too many words of the index."""
    for node in _walk(q):
        if isinstance(node, UnionOfTerms):
            node = node.child
        if isinstance(node, query.MultiTerm):
            count = sum(1 for _ in itertools.islice(node._btexts(reader), MAX_EXPANSION + 1))
            if count > MAX_EXPANSION:
                raise QueryError(f"{node.fieldname}:{_pattern(node)} matches more than {MAX_EXPANSION} "
                                 f"different words; make the pattern more specific")


def _pattern(node: query.MultiTerm) -> str:
    return f"{node.text}*" if isinstance(node, query.Prefix) else node.text


def date_filter(date_from: date | None, date_to: date | None) -> query.Query | None:
    if date_from is None and date_to is None:
        return None
    return query.NumericRange("date", day_number(date_from) if date_from else None,
                              day_number(date_to) if date_to else None, constantscore=True)


def field_filter(schema: Schema, filters: dict[str, list[str]] | None) -> query.Query | None:
    """`{field: [values]}` -> values of one field OR-ed, different fields AND-ed."""
    if not filters:
        return None
    clauses = []
    for fieldname, values in filters.items():
        if isinstance(values, str):
            values = [values]
        if fieldname in ("year", "month"):
            spans = [parse_span(v) for v in values]
            clauses.append(query.Or([date_filter(lo, hi) for lo, hi in spans]))
            continue
        if fieldname not in FACET_FIELDS:
            raise QueryError(f"cannot filter on {fieldname!r} (filter fields: {', '.join(FACET_FIELDS)})")
        field = schema[fieldname]
        terms = [query.Term(fieldname, t) for v in values for t in field.process_text(v, mode="query")]
        clauses.append(query.Or(terms) if terms else query.NullQuery)
    return query.And(clauses)
