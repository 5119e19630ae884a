"""A parsed query tree (the shared Whoosh parser's) -> a `xapian.Query` meaning the same terms."""
from __future__ import annotations

import fnmatch
from typing import Callable

from whoosh import query as wq

from ...errors import QueryError
from ...querylang import query as queries
from .terms import PRESENCE_PREFIX, SLOT_DATE, field_prefix, term_for


class Translator:
    """A parsed Whoosh query tree -> xapian.Query against one (combined) database.

    Prefixes and wildcards are expanded against the database's term list with the Whoosh
    backend's limit (`query.MAX_EXPANSION`); the body words searched for are collected for
    snippets."""

    def __init__(self, xapian, db):
        self.x = xapian
        self.db = db
        self.body_words: set[str] = set()

    def __call__(self, node: wq.Query, negated: bool = False):
        X = self.x.Query
        if isinstance(node, queries.UnionOfTerms):
            node = node.child
        if isinstance(node, wq.Term):
            self._note(node.fieldname, [node.text], negated)
            return X(term_for(node.fieldname, node.text))
        if isinstance(node, wq.Phrase):
            self._note(node.fieldname, node.words, negated)
            terms = [X(term_for(node.fieldname, w)) for w in node.words]
            # Whoosh: each next word 1..slop positions after the previous one. Xapian: all words
            # in order within one window; for two words (or slop 1) that is the same condition.
            window = (len(terms) - 1) * max(node.slop, 1) + 1
            return X(self.x.Query.OP_PHRASE, terms, window)
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.TermRange)):
            return self._expand(node, negated)
        if isinstance(node, wq.Every):
            if node.fieldname in (None, "*"):
                return X.MatchAll
            return X(PRESENCE_PREFIX + node.fieldname)
        if isinstance(node, wq.NumericRange):
            return self._numeric_range(node)
        if isinstance(node, wq.Not):
            return X(X.OP_AND_NOT, X.MatchAll, self(node.query, not negated))
        if isinstance(node, wq.AndNot):
            return X(X.OP_AND_NOT, self(node.a, negated), self(node.b, not negated))
        if isinstance(node, wq.AndMaybe):
            return X(X.OP_AND_MAYBE, self(node.a, negated), self(node.b, negated))
        if isinstance(node, wq.Require):
            return X(X.OP_AND, self(node.a, negated), self(node.b, negated))
        if isinstance(node, wq.And):
            positive = [self(c, negated) for c in node.subqueries if not isinstance(c, wq.Not)]
            negative = [self(c.query, not negated) for c in node.subqueries if isinstance(c, wq.Not)]
            q = X(X.OP_AND, positive) if positive else X.MatchAll
            return X(X.OP_AND_NOT, q, X(X.OP_OR, negative)) if negative else q
        if isinstance(node, (wq.Or, wq.DisjunctionMax)):
            return X(X.OP_OR, [self(c, negated) for c in node.subqueries])
        if node is wq.NullQuery or isinstance(node, wq.qcore._NullQuery):
            return X.MatchNothing
        if isinstance(node, wq.WrappingQuery):
            return self(node.child, negated)
        raise QueryError(f"this query form is not available on a xapian:// cluster: {node!r}")

    def _note(self, fieldname: str, words, negated: bool) -> None:
        if fieldname == "body" and not negated:
            self.body_words.update(words)

    def _expand(self, node, negated: bool):
        prefix = field_prefix(node.fieldname)
        keep: Callable[[str], bool] | None  # None: every word with the prefix
        if isinstance(node, wq.TermRange):
            def in_range(text: str) -> bool:
                return ((node.start is None or text > node.start or (text == node.start and not node.startexcl))
                        and (node.end is None or text < node.end or (text == node.end and not node.endexcl)))
            start, keep = "", in_range
        elif isinstance(node, wq.Prefix):
            start, keep = node.text, None
        else:
            pattern = node.text
            start = pattern[:min((pattern.find(c) for c in "*?" if c in pattern), default=len(pattern))]

            def matches(text: str) -> bool:
                return fnmatch.fnmatchcase(text, pattern)
            keep = matches
        words = []
        limit = queries.MAX_EXPANSION  # the Whoosh backend's limit (`query.check_expansions`)
        for item in self.db.allterms(prefix + start):
            text = item.term.decode()[len(prefix):]
            if keep is None or keep(text):
                words.append(text)
                if len(words) > limit:
                    raise QueryError(f"{node.fieldname}:{queries._pattern(node)} matches more than "
                                     f"{limit} different words; make the pattern more specific")
        self._note(node.fieldname, words, negated)
        X = self.x.Query
        return X(X.OP_OR, [X(prefix + w) for w in words]) if words else X.MatchNothing

    def _numeric_range(self, node: wq.NumericRange):
        X = self.x.Query
        lo = None if node.start is None else node.start + (1 if node.startexcl else 0)
        hi = None if node.end is None else node.end - (1 if node.endexcl else 0)
        if node.fieldname == "date":
            ser = self.x.sortable_serialise
            if lo is None and hi is None:
                return X(PRESENCE_PREFIX + "date")
            if lo is None:
                return X(X.OP_VALUE_LE, SLOT_DATE, ser(hi))
            if hi is None:
                return X(X.OP_VALUE_GE, SLOT_DATE, ser(lo))
            return X(X.OP_VALUE_RANGE, SLOT_DATE, ser(lo), ser(hi))
        # Multi-valued day fields (mentioned, ...): a term per day; the days in the range are
        # read from the term list, which is sorted by day.
        prefix = field_prefix(node.fieldname)
        days = []
        for item in self.db.allterms(prefix):
            day = int(item.term[len(prefix):])
            if (lo is None or day >= lo) and (hi is None or day <= hi):
                days.append(X(item.term))
        return X(X.OP_OR, days) if days else X.MatchNothing
