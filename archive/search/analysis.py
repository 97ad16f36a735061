"""Whoosh analyzers for the archive's three text fields.

Every analyzer normalises its input first (archive.text.normalize), so indexed text and raw
query strings become the same keys. Whoosh pickles the schema, analyzers included, into the
index: these classes hold no state but their configuration, load models lazily, and must stay
at this import path (moving them breaks existing indexes; INDEX_FORMAT_VERSION guards that).

Fields (KHMER.md "Retrieval": words boosted OR cluster n-grams reached recall 1.00, MAP 0.979):

- words: Khmer runs cut into words by khmercut's CRF model; other runs cut into runs of
  letters, marks and numbers. One position per token across the whole text.
- clusters: Khmer clusters only. Index mode emits each cluster (unigram) at its position and,
  when it is linked to the next cluster (archive.text.khmer.linked_clusters), the bigram of the
  two at the same position. Query mode emits the bigrams of each linked group (or the unigram of
  a one-cluster group): a phrase of consecutive bigrams matches exactly the same cluster
  sequence as a phrase of unigrams, with far rarer, cheaper postings. Groups are separated by a
  position gap, so a query builder can split on it.
- shingles: each pair of consecutive words-field tokens of which one is a common word
  (archive.text.common_words), at the first one's position. A phrase whose every pair holds a
  common word is a phrase of shingles: exact, and far cheaper than reading the positions of
  common words in every document that holds them all (phrases dominated latency).
- stemmed: non-Khmer runs, letters/marks/numbers tokens, Snowball English stems (the Porter
  StemFilter default does not conflate "discriminated" and "discrimination").
"""

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import version

import regex
import whoosh
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.lang import stemmer_for_language

from ..text.common_words import COMMON_WORDS
from ..text.khmer import linked_clusters, segment_word_spans, split_runs
from ..text.normalize import NORMALIZATION_VERSION, normalize

__all__ = [
    "ANALYSIS_VERSION",
    "SHINGLE_JOIN",
    "ClusterTokenizer",
    "LatinTokenizer",
    "ShingleTokenizer",
    "SnowballFilter",
    "WordTokenizer",
    "cluster_analyzer",
    "cluster_tokens",
    "common_words",
    "is_shingled",
    "latin_tokens",
    "shingle_analyzer",
    "shingle_tokens",
    "stem",
    "stemmed_analyzer",
    "word_analyzer",
    "word_tokens",
]

# Bump the first part when any analyzer's output changes for some input.
ANALYSIS_VERSION = (
    f"analysis-2;{NORMALIZATION_VERSION};khmercut-{version('khmercut')};"
    f"whoosh-{whoosh.versionstring()}"
)

_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
# Joins the two words of a shingle: a space never occurs inside a words-field token.
SHINGLE_JOIN = " "

# (token text, position, start char, end char); chars are offsets in the NORMALISED text.
RawToken = tuple[str, int, int, int]


def _word_tokens(text: str) -> list[RawToken]:
    """Return the words-field tokens of already-normalised `text`, positions 0, 1, 2...

    Raises only if the khmercut model cannot be loaded.
    """
    out: list[RawToken] = []
    for run, start, _end, khmer in split_runs(text):
        if khmer:
            spans = [(w, start + s, start + e) for w, s, e in segment_word_spans(run)]
        else:
            spans = [(m.group(), start + m.start(), start + m.end()) for m in _TOKEN.finditer(run)]
        base = len(out)
        out.extend((w, base + k, s, e) for k, (w, s, e) in enumerate(spans))
    return out


def _latin_tokens(text: str) -> list[RawToken]:
    """Return the letter/mark/number tokens of the non-Khmer runs of normalised `text`."""
    out: list[RawToken] = []
    for run, start, _end, khmer in split_runs(text):
        if not khmer:
            for m in _TOKEN.finditer(run):
                out.append((m.group(), len(out), start + m.start(), start + m.end()))
    return out


def _cluster_tokens(text: str, *, query: bool = False) -> list[RawToken]:
    """Return the clusters-field tokens of already-normalised `text` (see the module doc).

    Position of cluster i = i + the number of unlinked boundaries before it, so each linked
    group occupies consecutive positions, with one unused position between groups (a query
    builder splits phrases there). Never raises.
    """
    found = linked_clusters(text)
    out: list[RawToken] = []
    pos = -1
    for i, (cluster, start, end, linked) in enumerate(found):
        pos += 1 if linked or i == 0 else 2
        nxt = found[i + 1] if i + 1 < len(found) and found[i + 1][3] else None
        # Query mode: a bigram chain, or the unigram of a one-cluster group.
        if not query or (not linked and nxt is None):
            out.append((cluster, pos, start, end))
        if nxt is not None:
            out.append((cluster + nxt[0], pos, start, nxt[2]))
    return out


# The same version text is analysed once per tier (up to three times in a row when a tier is
# built or a testimony re-projected): remembering the last few results makes that once. The
# results are tuples, so no caller can change a cached value.
_CACHE = 32


@functools.lru_cache(maxsize=_CACHE)
def word_tokens(text: str) -> tuple[RawToken, ...]:
    """Return the words-field tokens of already-normalised `text` (cached; see above)."""
    return tuple(_word_tokens(text))


@functools.cache
def common_words() -> frozenset[str]:
    """Return the normalised common words (archive.text.common_words) that shingles pair."""
    return frozenset(normalize(word) for word in COMMON_WORDS)


def is_shingled(first: str, second: str) -> bool:
    """Return whether the index holds the pair of these two consecutive words-field tokens."""
    common = common_words()
    return first in common or second in common


@functools.lru_cache(maxsize=_CACHE)
def shingle_tokens(text: str) -> tuple[RawToken, ...]:
    """Return the shingles-field tokens of normalised `text`: each pair of consecutive words
    holding a common word, as "first second", at the first word's position (cached)."""
    words = word_tokens(text)
    return tuple(
        (f"{a[0]}{SHINGLE_JOIN}{b[0]}", a[1], a[2], b[3])
        for a, b in itertools.pairwise(words)
        if is_shingled(a[0], b[0])
    )


@functools.lru_cache(maxsize=_CACHE)
def latin_tokens(text: str) -> tuple[RawToken, ...]:
    """Return the letter/mark/number tokens of the non-Khmer runs (cached)."""
    return tuple(_latin_tokens(text))


@functools.lru_cache(maxsize=_CACHE)
def cluster_tokens(text: str, *, query: bool = False) -> tuple[RawToken, ...]:
    """Return the clusters-field tokens of already-normalised `text` (cached)."""
    return tuple(_cluster_tokens(text, query=query))


class _NormalizingTokenizer(Tokenizer):
    """Shared Whoosh plumbing: normalise, produce RawTokens, yield one reused Token."""

    def _raw(self, text: str, mode: str) -> Sequence[RawToken]:
        raise NotImplementedError

    def __call__(  # Whoosh's tokenizer signature
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        """Yield Whoosh tokens for `value` (char offsets refer to the normalised text)."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        # tokenize=False asks for the value as one token; we still normalise it so a caller
        # can never put an unnormalised term in the index.
        key = normalize(value)
        raw = self._raw(key, mode) if tokenize else [(key, 0, 0, len(key))]
        for text, pos, start, end in raw:
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class WordTokenizer(_NormalizingTokenizer):
    """The words field: khmercut words in Khmer runs, letter/mark/number runs elsewhere."""

    def _raw(self, text: str, mode: str) -> Sequence[RawToken]:
        return word_tokens(text)


class ClusterTokenizer(_NormalizingTokenizer):
    """The clusters field: Khmer cluster unigrams and bigrams (query mode: see module doc)."""

    def _raw(self, text: str, mode: str) -> Sequence[RawToken]:
        return cluster_tokens(text, query=mode == "query")


class ShingleTokenizer(_NormalizingTokenizer):
    """The shingles field: pairs of consecutive words-field tokens (see shingle_tokens)."""

    def _raw(self, text: str, mode: str) -> Sequence[RawToken]:
        return shingle_tokens(text)


class LatinTokenizer(_NormalizingTokenizer):
    """The stemmed field's tokenizer: letter/mark/number runs outside Khmer runs."""

    def _raw(self, text: str, mode: str) -> Sequence[RawToken]:
        return latin_tokens(text)


@functools.cache
def _stemmer(lang: str) -> Callable[[str], str]:
    # Snowball (Porter2) English; the stemmer object is built once per process, on first use.
    stemmer: Callable[[str], str] = stemmer_for_language(lang)
    return stemmer


@functools.lru_cache(maxsize=50000)
def stem(word: str, lang: str = "en") -> str:
    """Return the Snowball stem of a normalised `word`. Raises NoStemmer for an unknown lang."""
    return _stemmer(lang)(word)


class SnowballFilter(Filter):
    """Replace each token's text by its Snowball stem; holds only the language code."""

    is_morph = True

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Yield the tokens with stemmed text."""
        for token in tokens:
            token.text = stem(token.text, self.lang)
            yield token


def word_analyzer() -> WordTokenizer:
    """Return the analyzer of the words field."""
    return WordTokenizer()


def shingle_analyzer() -> ShingleTokenizer:
    """Return the analyzer of the shingles field."""
    return ShingleTokenizer()


def cluster_analyzer() -> ClusterTokenizer:
    """Return the analyzer of the clusters field."""
    return ClusterTokenizer()


def stemmed_analyzer() -> Filter:
    """Return the analyzer of the stemmed field (English versions only)."""
    result: Filter = LatinTokenizer() | SnowballFilter("en")
    return result
