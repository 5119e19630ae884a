"""Query words on an index with analysis 2 (`schema`: acronyms, dotted abbreviations, short
compounds): whether capitals in a query mean acronyms, and each word's readings."""
from __future__ import annotations

from whoosh import qparser, query
from whoosh.qparser import syntax

from ..schema import analysis_of


class AcronymWordNode(syntax.WordNode):
    """A query word on an index with analysis 2 (`schema.news_word`). Capitals mean an acronym
    when the query has lower case or is one word (`ISIS`, `US trade deficit`): the word is
    searched unstemmed (`isis`, not `isi`), as the index keeps acronyms of lower-case texts. A word
    not in capitals may be either: `isis` searches `isi` OR `isis`, `us` the pronoun OR `u.s`
    (`U.S.`, `US`). On a field analysed otherwise (tags, an index made before analysis 2) it is a
    plain word."""

    def __init__(self, text: str, acronyms: bool):
        super().__init__(text)
        self.acronyms = acronyms  # whether capitals mean acronyms in this query
        self.acronym = acronyms and len(text) > 1 and text.isupper()

    def query(self, parser):
        fieldname = self.fieldname or parser.fieldname
        field = parser.schema[fieldname] if parser.schema and fieldname in parser.schema else None
        if field is None or field.self_parsing() or analysis_of(field.analyzer) < 2:
            return super().query(parser)
        by_position: dict[int, list[str]] = {}
        for token in field.tokenize(self.text, mode="query", positions=True, acronyms=self.acronyms,
                                    variants=True):
            by_position.setdefault(token.pos, []).append(token.text)
        clauses = []
        for texts in by_position.values():
            terms = [query.Term(fieldname, t, boost=self.boost) for t in dict.fromkeys(texts)]
            for term in terms:  # the typed word's place, for did-you-mean and highlighting
                term.startchar, term.endchar = self.startchar, self.endchar
            clauses.append(terms[0] if len(terms) == 1 else query.Or(terms))
        if not clauses:
            return None
        # Several words in one (`west-germany`, `u.s.-based`): all must match, as Whoosh does.
        return syntax.attach(clauses[0] if len(clauses) == 1 else parser.group.qclass(clauses), self)


class AcronymsPlugin(qparser.Plugin):
    """Query words become `AcronymWordNode`s, told whether capitals mean acronyms in the query: it
    has a lower-case letter (`iraq ISIS`) or one word only (`ISIS`), not `OIL PRICES`."""

    def filters(self, parser):
        return [(self.do_acronyms, 104)]  # after field names (100), before stop words (106)

    def do_acronyms(self, parser, group):
        if "body" not in parser.schema or analysis_of(parser.schema["body"].analyzer) < 2:
            return group  # an index made before analysis 2: its queries as they were
        # Unlike an article's text (`schema.acronym_context`), one lower-case letter is enough: a
        # query is short, and `iraq ISIS` has as many capitals as lower-case letters.
        words = [node.text for node in _word_nodes(group)]
        acronyms = len(words) == 1 or any(c.islower() for word in words for c in word)
        return _as_acronym_words(group, acronyms)


def _word_nodes(group):
    for node in group:
        if isinstance(node, syntax.GroupNode):
            yield from _word_nodes(node)
        elif type(node) is syntax.WordNode:
            yield node


def _as_acronym_words(group, acronyms: bool):
    for i, node in enumerate(group):
        if isinstance(node, syntax.GroupNode):
            group[i] = _as_acronym_words(node, acronyms)
        elif type(node) is syntax.WordNode:
            word = AcronymWordNode(node.text, acronyms)
            word.set_fieldname(node.fieldname)
            word.set_boost(node.boost)
            word.set_range(node.startchar, node.endchar)
            group[i] = word
    return group
