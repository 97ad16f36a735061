"""The user query language, parsed by hand into Whoosh query objects.

Supported: words, "quoted phrases", AND / OR / NOT (uppercase only), parentheses, a trailing
`*` on a word of at least two letters (prefix), AND between juxtaposed terms. Nothing else:
no field:value, ranges, wildcards, boosts or fuzzy terms. Every term is searched only in the
text fields, so `language:km` or `x) OR (consent:withdrawn` are plain words (a colon is just a
separator) and can never reach a facet or id field. Malformed input degrades to words: an
unclosed quote is ignored, unbalanced parentheses are dropped or closed, dangling operators
are dropped. Only an empty, too long or too large query raises QueryError.
"""

import itertools
import re
from dataclasses import dataclass
from typing import Final

import regex
from whoosh.analysis import Analyzer
from whoosh.query import And, Not, Or, Phrase, Prefix, Query, Term

from ..text.khmer import split_runs
from ..text.normalize import normalize
from .analysis import (
    SHINGLE_JOIN,
    cluster_analyzer,
    is_shingled,
    latin_tokens,
    stemmed_analyzer,
    word_analyzer,
)

__all__ = ["QueryError", "parse_user_query", "query_terms_for_highlight"]

MAX_CHARS: Final = 256
MAX_TERMS: Final = 16
MIN_PREFIX_CHARS: Final = 2
# Parentheses nested deeper than this are ignored (keeps the recursive parser shallow).
MAX_DEPTH: Final = 8
# The words field is the precise one; the cluster field is the recall safety net (KHMER.md).
WORDS_BOOST: Final = 3.0

# The same analyzers as the schema's fields (they hold no state, so one instance each will do).
_WORDS: Final = word_analyzer()
_CLUSTERS: Final = cluster_analyzer()
_STEMMED: Final = stemmed_analyzer()
_OPERATORS: Final = frozenset({"AND", "OR", "NOT"})
_QUOTES: Final = '"“”„«»'
_LEXEME = re.compile(
    rf"[{_QUOTES}](?P<phrase>[^{_QUOTES}]*)[{_QUOTES}]|(?P<paren>[()])|(?P<word>[^\s(){_QUOTES}]+)"
)
_LETTER = regex.compile(r"[\p{L}\p{M}\p{N}]")


class QueryError(ValueError):
    """A query the archive will not run; `code` picks the localized message: "empty" (nothing
    searchable), "too_long", "too_many_terms", "syntax" (reserved: malformed input is repaired).
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class _Leaf:
    text: str
    prefix: bool = False


def _lex(q: str) -> list[str | _Leaf]:
    """Return operators and parentheses as strings, words and phrases as _Leaf. A quote with
    no partner matches no alternative of _LEXEME and is skipped: the rest reads as words."""
    out: list[str | _Leaf] = []
    for m in _LEXEME.finditer(q):
        if m["phrase"] is not None:
            out.append(_Leaf(m["phrase"]))
        elif m["paren"]:
            out.append(m["paren"])
        else:
            out.append(m["word"] if m["word"] in _OPERATORS else _word(m["word"]))
    if not any(isinstance(token, _Leaf) for token in out):
        # Only operators ("OR", "NOT"): the user is looking for the word.
        out = [_Leaf(token) if token in _OPERATORS else token for token in out]
    return _balance(out)


def _word(part: str) -> _Leaf:
    stem = part.rstrip("*")
    if stem != part and len(_LETTER.findall(normalize(stem))) >= MIN_PREFIX_CHARS:
        return _Leaf(stem, prefix=True)
    return _Leaf(part)  # too short for a prefix: the stars are punctuation, ignored


def _balance(tokens: list[str | _Leaf]) -> list[str | _Leaf]:
    """Drop unmatched or too deep parentheses; close the ones left open."""
    out: list[str | _Leaf] = []
    kept: list[bool] = []  # for each open "(": was it kept?
    for item in tokens:
        if item == "(":
            keep = sum(kept) < MAX_DEPTH
            kept.append(keep)
            if keep:
                out.append(item)
        elif item == ")":
            if kept and kept.pop():
                out.append(item)
        else:
            out.append(item)
    out.extend(")" for keep in kept if keep)
    return out


class _Parser:
    """Recursive descent, building Whoosh queries as it goes:
    or := and (OR and)*;  and := unary (AND? unary)*;  unary := NOT unary | "(" or ")" | leaf.
    A dangling operator, or a term with nothing searchable, yields None and is dropped.
    """

    def __init__(self, tokens: list[str | _Leaf]) -> None:
        self.tokens = tokens
        self.i = 0
        self.negated = 0  # inside how many NOTs: excluded terms are not highlighted
        self.highlight: list[str] = []
        self.query: Query | None = None

    def peek(self) -> str | _Leaf | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse_or(self) -> Query | None:
        parts = [self.parse_and()]
        while self.peek() == "OR":
            self.i += 1
            parts.append(self.parse_and())
        return _combine(Or, [q for q in parts if q is not None])

    def parse_and(self) -> Query | None:
        positive: list[Query] = []
        negative: list[Query] = []
        while (item := self.peek()) is not None and item not in (")", "OR"):
            if item == "AND":
                self.i += 1  # AND is the default operator anyway
                continue
            query = self.parse_unary()
            if isinstance(query, Not):
                negative.append(query.query)
            elif query is not None:
                positive.append(query)
        excluded = _combine(Or, negative)
        if not positive:
            return None if excluded is None else Not(excluded)
        if excluded is not None:
            # Not whoosh's AndNot: in whoosh-reloaded 2.7.5 it fails to exclude a document when
            # the excluded term's first posting comes before the included one's.
            positive.append(Not(excluded))
        return _combine(And, positive)

    def parse_unary(self) -> Query | None:
        item = self.peek()
        self.i += 1
        if item == "NOT":
            if self.peek() in (None, ")", "OR", "AND"):
                return None
            self.negated += 1
            child = self.parse_unary()
            self.negated -= 1
            if child is None:
                return None
            return child.query if isinstance(child, Not) else Not(child)  # NOT NOT x is x
        if item == "(":
            query = self.parse_or()
            self.i += 1  # the ")" that _balance guarantees
            return query
        if not isinstance(item, _Leaf):
            return None  # unreachable: parse_and stops at ")", "OR" and the end, skips "AND"
        if not self.negated:
            text = normalize(item.text).strip()
            if _LETTER.search(text):
                self.highlight.append(text + "*" if item.prefix else text)
        return _leaf_query(item)


def _combine(kind: type[And] | type[Or], queries: list[Query]) -> Query | None:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else kind(queries)


# --- Building Whoosh queries ----------------------------------------------------------------


def _runs(tokens: list[tuple[str, int]]) -> list[list[str]]:
    """Split analysed tokens into runs of consecutive positions (cluster groups)."""
    runs: list[list[str]] = []
    last = None
    for text, pos in tokens:
        if last is None or pos != last + 1:
            runs.append([])
        runs[-1].append(text)
        last = pos
    return runs


def _sequence(field: str, words: list[str], prefix: bool) -> Query:
    """A term, a phrase, or (prefix) the words before the last AND the last as a prefix.

    A phrase in the words field whose every pair holds a common word is asked of the shingles
    field (word pairs): one term for two words, a phrase of pairs for more; the same documents,
    without reading the positions of every common word.
    """
    if prefix:
        last = Prefix(field, words[-1])
        return And([_sequence(field, words[:-1], False), last]) if len(words) > 1 else last
    if len(words) == 1:
        return Term(field, words[0])
    if field == "words" and all(is_shingled(a, b) for a, b in itertools.pairwise(words)):
        pairs = [f"{a}{SHINGLE_JOIN}{b}" for a, b in itertools.pairwise(words)]
        return Term("shingles", pairs[0]) if len(pairs) == 1 else Phrase("shingles", pairs)
    return Phrase(field, words)  # a pair of rarer words: their position lists are short


def _field_query(field: str, analyzer: Analyzer, text: str, prefix: bool) -> Query | None:
    """The query for `text` in one field, analysed as at index time (mode="query").

    Several tokens become a phrase: an unspaced Khmer word analyses into several tokens, which
    must be found together and in order, never scattered over the document. Cluster groups
    (separated by a position gap) become phrases joined by AND.
    """
    runs = _runs([(t.text, t.pos) for t in analyzer(text, positions=True, mode="query")])
    last = len(runs) - 1
    parts = [_sequence(field, run, prefix and k == last) for k, run in enumerate(runs)]
    return _combine(And, parts)


def _latin_words(text: str, prefix: bool) -> Query | None:
    """The non-Khmer tokens of a mixed term as words-field terms (for the cluster branch)."""
    tokens = [token for token, _pos, _start, _end in latin_tokens(normalize(text))]
    terms: list[Query] = [Term("words", t) for t in tokens]
    if terms and prefix and not split_runs(normalize(text))[-1][3]:  # ends with a Latin token
        terms[-1] = Prefix("words", tokens[-1])
    return _combine(And, terms)


def _leaf_query(leaf: _Leaf) -> Query | None:
    """Or([words (boosted), clusters, stemmed]) for one word or phrase; None if nothing to find.

    Each alternative must cover the whole term: the cluster branch sees only Khmer, so the
    Latin or digit parts of a mixed term are required in the words field beside it; the
    stemmed branch (English) is used only for terms without Khmer, and not for prefixes (the
    stem of a partial word means nothing; the words field carries the prefix).
    """
    alternatives: list[Query] = []
    words = _field_query("words", _WORDS, leaf.text, leaf.prefix)
    if words is not None:
        words.boost = WORDS_BOOST
        alternatives.append(words)
    clusters = _field_query("clusters", _CLUSTERS, leaf.text, leaf.prefix)
    if clusters is not None:
        latin = _latin_words(leaf.text, leaf.prefix)
        alternatives.append(clusters if latin is None else And([clusters, latin]))
    elif not leaf.prefix:
        stemmed = _field_query("stemmed", _STEMMED, leaf.text, False)
        # One word only: a quoted phrase matches the words as written (as in web search),
        # and a phrase of stems would read the positions of every common word again.
        if stemmed is not None and not isinstance(stemmed, (Phrase, And)):
            alternatives.append(stemmed)
    return _combine(Or, alternatives)


def _parse(q: str, max_chars: int, max_terms: int) -> _Parser:
    q = q.strip()
    if len(q) > max_chars:
        raise QueryError("too_long")
    tokens = _lex(q)
    if sum(isinstance(t, _Leaf) for t in tokens) > max_terms:
        raise QueryError("too_many_terms")
    parser = _Parser(tokens)
    parser.query = parser.parse_or()  # _balance leaves no stray ")" to stop it early
    return parser


def parse_user_query(
    q: str,
    *,
    languages: list[str] | None = None,
    max_chars: int = MAX_CHARS,
    max_terms: int = MAX_TERMS,
) -> Query:
    """Return the Whoosh query for the user's query string `q`.

    Only the text fields (words, clusters, stemmed) are searched; `languages`, if non-empty,
    restricts hits to versions whose `language` field is one of the given tags (an empty list
    means no restriction). Access rules are not applied here: pass them as `filter=`.

    Raises QueryError with code "too_long", "too_many_terms" or "empty" (nothing searchable,
    or only negated terms). Never raises anything else for str input.
    """
    query = _parse(q, max_chars, max_terms).query
    if query is None or isinstance(query, Not):
        raise QueryError("empty")
    if languages:
        wanted = [Term("language", tag) for tag in dict.fromkeys(languages)]
        query = And([query, wanted[0] if len(wanted) == 1 else Or(wanted)])
    return query


def query_terms_for_highlight(
    q: str, *, max_chars: int = MAX_CHARS, max_terms: int = MAX_TERMS
) -> list[str]:
    """Return the normalised words and phrases of `q` worth highlighting, in order, without
    duplicates or negated terms; a prefix term ends with "*". Returns [] for a query that
    parse_user_query would reject. Never raises.
    """
    try:
        parser = _parse(q, max_chars, max_terms)
    except QueryError:
        return []
    return list(dict.fromkeys(parser.highlight)) if parser.query is not None else []
