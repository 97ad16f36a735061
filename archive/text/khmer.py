"""Khmer script helpers on NORMALISED text: runs, clusters and CRF word segmentation.

Khmer is written without spaces between words, so a Khmer run must be cut into words by a
segmenter (khmercut's CRF model, word F1 0.94 on khPOS) and, as a safety net for words the model
glues together or does not know (indigenous languages in Khmer script), into clusters.
"""

import functools
import threading
from collections.abc import Callable

import regex

__all__ = [
    "clusters",
    "is_khmer",
    "linked_clusters",
    "segment_word_spans",
    "segment_words",
    "split_runs",
]

# U+1780-U+17FF Khmer, U+19E0-U+19FF Khmer Symbols (lunar dates).
_KHMER_RUN = regex.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+")
# KHMER.md: a base (consonant or independent vowel, U+1780-U+17B3) followed by coeng+consonant
# pairs and dependent signs (U+17B6-U+17D1, U+17D3, U+17DD). A coeng with no consonant after it
# is kept as a sign so that no character of a cluster is lost.
_CLUSTER = regex.compile(
    r"[\u1780-\u17b3](?:\u17d2[\u1780-\u17b3]|[\u17b6-\u17d1\u17d2\u17d3\u17dd])*"
)
# A token worth indexing contains a letter, a mark or a number (punctuation and spaces do not).
_WORDISH = regex.compile(r"[\p{L}\p{M}\p{N}]")
# Letters or numbers between two clusters: they end a run of linked clusters.
_LETTER_OR_NUMBER = regex.compile(r"[\p{L}\p{N}]")


def is_khmer(ch: str) -> bool:
    """Return True if the single character `ch` is in the Khmer or Khmer Symbols block."""
    return "\u1780" <= ch <= "\u17ff" or "\u19e0" <= ch <= "\u19ff"


def split_runs(text: str) -> list[tuple[str, int, int, bool]]:
    """Return the maximal Khmer and non-Khmer runs of `text`, in order, covering it exactly.

    Each item is (run_text, start, end, is_khmer). Never raises.
    """
    runs: list[tuple[str, int, int, bool]] = []
    done = 0
    for match in _KHMER_RUN.finditer(text):
        if match.start() > done:
            runs.append((text[done : match.start()], done, match.start(), False))
        runs.append((match.group(), match.start(), match.end(), True))
        done = match.end()
    if done < len(text):
        runs.append((text[done:], done, len(text), False))
    return runs


def clusters(run: str) -> list[tuple[str, int, int]]:
    """Return the Khmer clusters of `run` as (cluster, start, end); other characters are skipped.

    Never raises.
    """
    return [(m.group(), m.start(), m.end()) for m in _CLUSTER.finditer(run)]


def linked_clusters(text: str) -> list[tuple[str, int, int, bool]]:
    """Return every Khmer cluster of `text` as (cluster, start, end, linked).

    `linked` is True when only spaces, punctuation or symbols separate the cluster from the
    previous one, so the two may form a cluster bigram: Khmer spaces separate phrases, not
    words, and users type them inconsistently. A letter or number in between (a Latin word,
    a date) breaks the link. Never raises.
    """
    result: list[tuple[str, int, int, bool]] = []
    last_end = -1
    for match in _CLUSTER.finditer(text):
        linked = last_end >= 0 and not _LETTER_OR_NUMBER.search(text, last_end, match.start())
        result.append((match.group(), match.start(), match.end(), linked))
        last_end = match.end()
    return result


# khmercut keeps one pycrfsuite Tagger per process; a tagger is stateful during tag(), so calls
# from several threads must not overlap.
_TAGGER_LOCK = threading.Lock()


@functools.cache
def _tokenizer() -> Callable[[str], list[str]]:
    # Imported on first use, not at import time: the app and CLI start without loading the model.
    from khmercut import tokenize

    return tokenize


@functools.lru_cache(maxsize=8192)
def _segment_cached(run: str) -> tuple[tuple[str, int, int], ...]:
    tokenize = _tokenizer()
    with _TAGGER_LOCK:
        tokens = tokenize(run)
    spans: list[tuple[str, int, int]] = []
    start = 0
    # khmercut is lossless ("".join(tokens) == run), so offsets are running sums.
    for token in tokens:
        end = start + len(token)
        if _WORDISH.search(token):
            spans.append((token, start, end))
        start = end
    return tuple(spans)


def segment_word_spans(run: str) -> list[tuple[str, int, int]]:
    """Return the words of a Khmer run as (word, start, end), like `segment_words`.

    Raises only if the khmercut model cannot be loaded.
    """
    if not _WORDISH.search(run):
        return []
    return list(_segment_cached(run))


def segment_words(run: str) -> list[str]:
    """Return the words of a Khmer run (khmercut CRF), without space or punctuation tokens.

    The concatenation of the words is `run` minus the dropped tokens. Returns [] for a run
    with no letters. Raises only if the khmercut model cannot be loaded.
    """
    return [word for word, _start, _end in segment_word_spans(run)]
