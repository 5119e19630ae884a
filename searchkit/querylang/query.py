"""User query syntax -> Whoosh query, built on `whoosh.qparser` and its plugins.

Syntax: words (all must match), `OR`, `NOT`/`-word`, parentheses, `"phrase"`, `"phrase"~N`,
`field:value`, `field:"several words"`, `date:1987-03`, `date:[A TO B]`, prefix `infla*`.
"""
from __future__ import annotations

import difflib
import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from datetime import date

from whoosh import qparser, query
from whoosh.qparser import syntax
from whoosh.fields import Schema
from whoosh.matching import ConstantScoreMatcher, ListMatcher, NullMatcher
from whoosh.query.wrappers import WrappingQuery

from ..enrich.canonical import OTHER_FIELD
from ..enrich.dates import parse_span
from ..errors import QueryError
from ..model import FACET_FIELDS
from ..fields import FIELD_ALIASES  # other names people type for a field
from ..schema import QUERY_FIELDS, STOP_WORDS, TEXT_FIELDS, day_number
from ..facade.userdata import TAG_FIELD_NAMES
from .acronyms import AcronymsPlugin, AcronymWordNode

MAX_QUERY_CHARS = 10_000


FIELD_NAMES = (*QUERY_FIELDS, *(alias for aliases in FIELD_ALIASES.values() for alias in aliases))


class FieldNamesPlugin(qparser.Plugin):
    """Field names in any case (`Headline:oil`). A `name:` that cannot be a field name (not letters
    only, as in `3:1`, or a URL's `https://`) is text; a word that may be a mistyped field name
    is kept and reported by `parse_query` (with a "did you mean")."""

    def filters(self, parser):
        return [(self.do_field_names, 80)]  # before aliases (90) and attaching field names (100)

    def do_field_names(self, parser, group):
        newgroup = group.empty_copy()
        as_text = None
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                node = self.do_field_names(parser, node)
            elif isinstance(node, syntax.FieldnameNode):
                name = node.fieldname.lower()
                following = group[i + 1] if i + 1 < len(group) else None
                url = isinstance(following, syntax.WordNode) and following.text.startswith("/")
                if name in parser.schema or name in FIELD_NAMES or (name.isalpha() and not url):
                    node.fieldname = name
                else:
                    as_text = node
                    continue
            if as_text is not None:  # `3:` + `1` -> the word `3:1`
                if isinstance(node, syntax.WordNode):
                    node.text = as_text.original + node.text
                else:
                    newgroup.append(syntax.to_word(as_text))
                as_text = None
            newgroup.append(node)
        if as_text is not None:
            newgroup.append(syntax.to_word(as_text))
        return newgroup


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
            elif (type(node) in (syntax.WordNode, AcronymWordNode) and node.fieldname is None
                  and node.text.lower() in STOP_WORDS and not getattr(node, "acronym", False)):
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
    parser.add_plugin(FieldNamesPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(QuotedValuePlugin())
    parser.add_plugin(AcronymsPlugin())
    parser.add_plugin(StopWordsPlugin())
    return parser


def _check_balanced(text: str) -> None:
    if text.count('"') % 2:
        raise QueryError('unbalanced double quote in query: add the closing "')
    depth, in_range = 0, False
    for part in text.split('"')[::2]:  # outside quotes
        for ch in part:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    raise QueryError("unbalanced parenthesis in query: ')' without '('")
            elif ch == "[":
                in_range = True
            elif ch == "]":
                in_range = False
    if depth:
        raise QueryError("unbalanced parenthesis in query: '(' without ')'")
    if in_range:
        raise QueryError("unfinished range in query: missing ']' (a range is date:[A TO B])")


_TAG_VALUE = re.compile(r'(?<![\w:])(\w+):("[^"]*"|[^\s()"]+)')


def tag_values(text: str) -> list[tuple[str, str]]:
    """The `(field, value)` pairs of whole-value tag fields written in a query (`places:brasil`,
    `person:"paul volcker"`), field names resolved as the parser does; patterns are left out."""
    aliases = {alias: name for name, names in FIELD_ALIASES.items() for alias in names}
    found = []
    for name, value in _TAG_VALUE.findall(text):
        name = aliases.get(name.lower(), name.lower())
        value = value.strip('"')
        if name in FACET_FIELDS and name not in ("year", "month") and value and not set("*?[") & set(value):
            found.append((name, value))
    return found


def with_spellings(q: query.Query, spellings: Mapping[str, Callable[[str], list[str]]]) -> query.Query:
    """`q` with each value of a field in `spellings` (`people:volcker`) replaced by all the spellings
    of its entity (`canonical`): `volcker` OR `paul volcker` (a spelling `field\x1fvalue` is a value
    of another field: a retyped entity's)."""
    def swap(node: query.Query) -> query.Query:
        if isinstance(node, query.Term) and node.fieldname in spellings:
            names = list(dict.fromkeys(s.lower() for s in spellings[node.fieldname](node.text)))
            if names != [node.text]:
                return query.Or([query.Term(*_field_value(node.fieldname, n), boost=node.boost)
                                 for n in names])
        return node
    return q.accept(swap)


def _walk(q: query.Query):
    yield q
    for child in q.children():
        yield from _walk(child)


def _pure_negation(node: query.Query) -> query.Query:
    """`-oil` with nothing to keep (Whoosh: `AndNot(And([]), oil)`, which normalises to nothing) means
    what `NOT oil` means: every article except those."""
    if isinstance(node, query.AndNot) and isinstance(node.a, query.And) and not node.a.subqueries:
        return query.Not(node.b)
    return node


# The user's own tags (`searchkit.facade.userdata`), searched as `tag:lead`, are not a field of the index
# but the set of article ids carrying the tag, given by the caller as `tagged`.
# An id no article has: a restriction to no ids at all (NullQuery would be dropped by normalising,
# so `oil tag:unused` would match every oil article).
_NO_ID = "\x00"


class IdSet(WrappingQuery):
    """The articles whose id is in a set: an Or of `id` terms (which is how a cluster translates
    it), but matched on a Whoosh index in one pass over each segment's `id` column, ~60x faster
    than an Or of one term per id at all of Reuters' ids (benchmarks/RESULTS.md, "User data")."""

    def __init__(self, child: query.Or):
        super().__init__(child)
        self.ids = frozenset(term.text for term in child.subqueries)
        self.boost = child.boost

    def apply(self, fn):
        return self  # plain id terms: nothing for a rewriting pass to change

    def normalize(self):
        return self

    def estimate_size(self, ixreader):
        return len(self.ids)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        if not reader.is_atomic() or not reader.has_column("id"):
            return self.child.matcher(searcher, context)
        ids = self.ids
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        docs = [d for d, value in enumerate(reader.column_reader("id")) if value in ids and d not in deleted]
        return ListMatcher(docs, all_weights=self.boost) if docs else NullMatcher()


def ids_filter(ids: frozenset[str] | set[str] | None) -> query.Query | None:
    """The articles with these ids (None: no restriction)."""
    if ids is None:
        return None
    return IdSet(query.Or([query.Term("id", i) for i in sorted(ids)])) if ids else query.Term("id", _NO_ID)


def _tags_as_ids(q: query.Query, tagged: dict[str, frozenset[str]] | None) -> query.Query:
    """`tag:VALUE` nodes -> the ids carrying the tag (`tagged[VALUE casefolded]`)."""
    def swap(node: query.Query) -> query.Query:
        if getattr(node, "fieldname", None) not in TAG_FIELD_NAMES:
            return node
        if not isinstance(node, query.Term):
            raise QueryError("tag: takes one whole tag, such as tag:lead (no pattern, range or phrase)")
        if tagged is None:
            raise QueryError("tag: is not available here (tags are kept beside an index folder)")
        found = ids_filter(tagged.get(str(node.text).casefold(), frozenset()))
        assert found is not None
        return found

    return q.accept(swap)


def parse_query(parser: qparser.QueryParser, text: str,
                tagged: dict[str, frozenset[str]] | None = None) -> query.Query:
    """Parse the user's query; raise QueryError with a one-line reason if it cannot be understood.
    `tagged`: the article ids of each user tag the query names (`tag:lead`)."""
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
    q = _tags_as_ids(q, tagged)
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
            close = difflib.get_close_matches(fieldname, FIELD_NAMES, n=1, cutoff=0.7)
            hint = f"did you mean {close[0]}? " if close else ""
            raise QueryError(f"unknown field {fieldname!r} ({hint}fields: {', '.join(QUERY_FIELDS)})")
    q = q.accept(_pure_negation).normalize()
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
    if isinstance(node, query.TermRange):
        return f"[{node.start or ''} TO {node.end or ''}]"
    return f"{node.text}*" if isinstance(node, query.Prefix) else node.text


def date_filter(date_from: date | None, date_to: date | None) -> query.Query | None:
    if date_from is None and date_to is None:
        return None
    return query.NumericRange("date", day_number(date_from) if date_from else None,
                              day_number(date_to) if date_to else None, constantscore=True)


def field_filter(schema: Schema, filters: dict[str, list[str]] | None,
                 tagged: dict[str, frozenset[str]] | None = None) -> query.Query | None:
    """`{field: [values]}` -> values of one field OR-ed, different fields AND-ed. `tags` values are
    user tags, answered from `tagged` (tag -> article ids)."""
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
        if fieldname in TAG_FIELD_NAMES and tagged is not None:
            ids = frozenset().union(*(tagged.get(v.casefold(), frozenset()) for v in values))
            clauses.append(ids_filter(ids))
            continue
        if fieldname not in FACET_FIELDS:
            raise QueryError(f"cannot filter on {fieldname!r} (filter fields: "
                             f"{', '.join((*FACET_FIELDS, TAG_FIELD_NAMES[1]))})")
        terms = [query.Term(name, t) for name, v in (_field_value(fieldname, v) for v in values)
                 for t in schema[name].process_text(v, mode="query")]
        clauses.append(query.Or(terms) if terms else query.NullQuery)
    return query.And(clauses)


def _field_value(fieldname: str, value: str) -> tuple[str, str]:
    """(field, value) of a spelling, which may name another field's value (`canonical.OTHER_FIELD`)."""
    other, marked, rest = value.partition(OTHER_FIELD)
    return (other, rest) if marked else (fieldname, value)


# ------------------------------------------------------------ date ranges from the date column

class DayColumnMatcher(ConstantScoreMatcher):
    """The documents of one segment whose day (from the cached `date` column) lies in [lo, hi].

    It reads no postings: `next`/`skip_to` walk the day array, so intersecting it with a word's
    postings costs a few array reads per posting instead of opening one posting list per day in
    the range (a 15% window of 200k articles: ~0.8 s through NumericRange).
    """

    def __init__(self, days, lo: int, hi: int, deleted, boost: float, start: int = 0,
                 by_day=None):
        super().__init__(boost)
        self._days, self._lo, self._hi, self._deleted = days, lo, hi, deleted
        self._by_day = by_day  # () -> (days sorted, document numbers in that order)
        self._n = len(days)
        self._i = start
        self._scan()

    def _ok(self, d: int) -> bool:
        return self._lo <= self._days[d] <= self._hi and d not in self._deleted

    def _scan(self) -> None:
        days, lo, hi, deleted, n = self._days, self._lo, self._hi, self._deleted, self._n
        i = self._i
        while i < n and not (lo <= days[i] <= hi and i not in deleted):
            i += 1
        self._i = i

    def id_set(self) -> set[int]:
        """The documents a fresh matcher yields, as a set: two bisections of the segment's day
        order and a slice, instead of a Python step per document (a 15% window of 200k
        articles: every document's day tested one by one)."""
        if self._by_day is None:
            return set(self.all_ids())
        days, order = self._by_day()
        ids = set(order[bisect_left(days, self._lo):bisect_right(days, self._hi)])
        return ids - self._deleted if self._deleted else ids

    def is_active(self) -> bool:
        return self._i < self._n

    def id(self) -> int:
        return self._i

    def next(self) -> None:
        self._i += 1
        self._scan()

    def skip_to(self, id: int) -> None:
        if id > self._i:
            self._i = id
            self._scan()

    def go_inactive(self) -> None:
        self._i = self._n

    def skip_to_quality(self, minquality) -> int:
        # Every document scores the same: none can reach a higher minimum (Whoosh's collectors
        # add up the returned number of skipped blocks).
        if minquality >= self._score:
            self.go_inactive()
            return 1
        return 0

    def reset(self) -> None:
        self._i = 0
        self._scan()

    def copy(self) -> "DayColumnMatcher":
        return DayColumnMatcher(self._days, self._lo, self._hi, self._deleted, self._score, self._i,
                                self._by_day)

    def all_ids(self):
        # Whoosh intersects and unions by calling all_ids() on each side, so this is the hot path
        # of counting: two bisections in the day-sorted order, then sort the slice.
        deleted, start = self._deleted, self._i
        if self._by_day is not None:
            sorted_days, order = self._by_day()
            ids = sorted(order[bisect_left(sorted_days, self._lo):bisect_right(sorted_days, self._hi)])
            if start:
                ids = ids[bisect_left(ids, start):]
        else:
            days, lo, hi = self._days, self._lo, self._hi
            ids = [d for d in range(start, self._n) if lo <= days[d] <= hi]
        return iter([d for d in ids if d not in deleted] if deleted else ids)

    def supports(self, astype) -> bool:
        return False

    def weight(self) -> float:
        return self._score

    def term(self):
        return None


class DayColumnRange(query.Query):
    """`NumericRange` on the `date` field, answered from the cached day column (see
    `backends.whoosh.columns.FacetColumns`) instead of the trie terms. Same documents, same constant score."""

    def __init__(self, original: query.NumericRange, columns):
        self.original = original
        self.fieldname = original.fieldname
        self.boost = original.boost
        start, end = original.start, original.end
        lo = 1 if start is None else start + (1 if original.startexcl else 0)
        hi = 2 ** 31 - 1 if end is None else end - (1 if original.endexcl else 0)
        self.lo, self.hi = max(lo, 1), hi  # 0 in the column means undated, never in a range
        self._columns = columns

    def __repr__(self):
        return f"DayColumnRange({self.fieldname!r}, {self.lo}, {self.hi}, boost={self.boost})"

    def __eq__(self, other):
        return (type(other) is type(self) and (self.fieldname, self.lo, self.hi, self.boost)
                == (other.fieldname, other.lo, other.hi, other.boost))

    def __hash__(self):
        return hash((type(self).__name__, self.fieldname, self.lo, self.hi, self.boost))

    def field(self):
        return self.fieldname

    def is_leaf(self):
        return True

    def estimate_size(self, ixreader):
        return ixreader.doc_count()

    def estimate_min_size(self, ixreader):
        return 0

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        if not reader.is_atomic() or reader.segment() is None:
            if reader.segment() is None and reader.is_atomic():
                return NullMatcher()
            return self.original.matcher(searcher, context)
        days = self._columns.segment_values(reader, self.fieldname)
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        return DayColumnMatcher(days, self.lo, self.hi, deleted, self.boost,
                                by_day=lambda: self._columns.segment_day_order(reader, self.fieldname))


def day_ranges_from_columns(q: query.Query | None, columns) -> query.Query | None:
    """`q` with each NumericRange on `date` answered from the date column."""
    if q is None:
        return None

    def swap(node):
        if isinstance(node, query.NumericRange) and node.fieldname == "date":
            return DayColumnRange(node, columns)
        return node

    return q.accept(swap)
