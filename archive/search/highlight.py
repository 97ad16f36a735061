"""Search snippets: highlight query terms in ORIGINAL database text.

Matching runs on the normalised text with the same analysis as the index (Khmer clusters,
letter/number tokens compared by Snowball stem, so ស្រ្តី matches ស្ត្រី, ២០១៤ matches 2014 and
"discriminated" matches "discrimination"); spans are mapped back through normalize_with_map,
so the reader sees their own spelling. Every character of the text is escaped: the only markup
in the result is <mark>.

A long text is not normalised whole (Khmer normalisation costs about a millisecond per
thousand characters, and a results page highlights ten texts): a cheap "skeleton" test finds
the stretch most likely to hold the terms, and only that stretch goes through the exact
matching above. The skeleton keeps what normalisation never changes (a Khmer cluster's base
letter, Latin letters without their marks, digits) and drops everything else, so a stretch
whose skeleton lacks a term's skeleton cannot hold that term.
"""

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

import regex
from markupsafe import Markup, escape

from ..text.khmer import linked_clusters
from ..text.normalize import IGNORABLE, normalize, normalize_with_map
from .analysis import latin_tokens, stem

__all__ = ["highlight"]

# Between two clusters that may not form a bigram: the index breaks phrases there, so do we.
_BARRIER = ("\x00", "", 0, 0)
_SPACES = re.compile(r"\s+")
_MAX_CANDIDATES = 64  # windows tried, one per match: plenty for a snippet, bounded cost
_ELLIPSIS = Markup("…")

# (match key, text, start, end): offsets in the normalised text.
_Item = tuple[str, str, int, int]


def _stream(key: str) -> list[_Item]:
    """Return the Khmer clusters and the other tokens of normalised `key`, in text order."""
    tagged: list[tuple[int, bool, bool, _Item]] = [
        (start, True, linked, (cluster, cluster, start, end))
        for cluster, start, end, linked in linked_clusters(key)
    ]
    tagged += [(s, False, True, (stem(t), t, s, e)) for t, _pos, s, e in latin_tokens(key)]
    tagged.sort(key=lambda entry: entry[0])
    stream: list[_Item] = []
    previous_is_cluster = False
    for _start, is_cluster, linked, item in tagged:
        if is_cluster and previous_is_cluster and not linked:
            stream.append(_BARRIER)
        stream.append(item)
        previous_is_cluster = is_cluster
    return stream


def _find(doc: list[_Item], where: dict[str, list[int]], term: str) -> list[tuple[int, int]]:
    """Return the spans (normalised offsets) where `term` occurs in `doc`.

    A term ending in "*" is a prefix: its last item only has to start the document's item.
    """
    prefix = term.endswith("*")
    seq = [item for item in _stream(normalize(term.rstrip("*"))) if item is not _BARRIER]
    if not seq:
        return []
    n = len(seq)
    starts = range(len(doc)) if prefix and n == 1 else where.get(seq[0][0], [])
    found = []
    for i in starts:
        window = doc[i : i + n]
        if len(window) < n:
            continue
        last, wanted = window[-1], seq[-1]
        if all(d[0] == q[0] for d, q in zip(window[:-1], seq[:-1], strict=True)) and (
            last[1].startswith(wanted[1]) if prefix else last[0] == wanted[0]
        ):
            found.append((window[0][2], last[3]))
    return found


def _original_span(text: str, index: list[int], start: int, end: int) -> tuple[int, int]:
    """Map a normalised span to the original text, whole units (clusters) included."""
    unit = index[end - 1]
    # Every key character of one unit maps to the unit's start: skip to the next unit.
    after = bisect.bisect_right(index, unit, lo=end)
    original_end = index[min(after, len(index) - 1)]
    # Deleted invisible characters belong to the unit before them; keep them out of the mark.
    while original_end > index[start] and text[original_end - 1] in IGNORABLE:
        original_end -= 1
    return index[start], original_end


def _window(text: str, bounds: list[int], first: int, max_chars: int) -> tuple[int, int]:
    """Return a [start, end) of at most max_chars around position `first`, cut at a space when
    one is near, otherwise at a unit boundary, so never inside a Khmer cluster. `bounds` are
    the sorted unit starts, 0 and len(text) included; `first` is one of them."""
    lead = max(0, first - max_chars // 4)
    space = next((k for k in range(lead, first) if text[k].isspace()), None)
    start = bounds[bisect.bisect_left(bounds, lead if space is None else space + 1)]
    while start < first and text[start].isspace():
        start += 1  # a whitespace character is always a unit of its own
    start = min(start, first)
    limit = start + max_chars
    if limit >= len(text):
        return start, len(text)
    space = text.rfind(" ", start + max_chars // 2, limit + 1)
    if space > start:
        return start, space
    return start, bounds[bisect.bisect_right(bounds, limit) - 1]


def _render(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> Markup:
    def plain(piece: str) -> Markup:
        return escape(_SPACES.sub(" ", piece))

    parts: list[Markup] = [_ELLIPSIS] if start > 0 else []
    done = start
    for mark_start, mark_end in marks:
        s, e = max(mark_start, done), min(mark_end, end)
        if s >= e:
            continue
        parts += [plain(text[done:s]), Markup("<mark>{}</mark>").format(plain(text[s:e]))]
        done = e
    parts.append(plain(text[done:end]))
    if end < len(text):
        parts.append(_ELLIPSIS)
    return Markup("").join(parts)


def highlight(text: str, q_terms: Iterable[str], *, max_chars: int = 240) -> Markup:
    """Return an escaped excerpt of `text` (at most max_chars of it, plus "…" where cut) with
    every match of the query terms wrapped in <mark>. `q_terms` are words or phrases, a
    trailing "*" marking a prefix (see query_terms_for_highlight). The excerpt comes from the
    first stretch of the text holding the most distinct terms; without a match, it is the
    escaped start of the text. Never raises.
    """
    terms = list(dict.fromkeys(q_terms))
    chunk = max(_CHUNK, max_chars)
    if len(text) <= 3 * chunk:
        return _highlight(text, 0, len(text), terms, max_chars)
    pieces = _pieces(text, chunk)
    candidates = _candidates(text, pieces, terms, max_chars)
    for lo, hi in candidates[:_MAX_TRIES]:
        result = _highlight(text, lo, hi, terms, max_chars)
        if "<mark>" in result:
            return result
    if len(candidates) > _MAX_TRIES:
        # Only look-alikes so far (a short stem such as "on" is everywhere): the whole text.
        return _highlight(text, 0, len(text), terms, max_chars)
    # No stretch can hold a term: the start of the text.
    return _highlight(text, 0, pieces[min(1, len(pieces) - 1)][1], [], max_chars)


# Original characters per skeleton test: small enough that the exact pass stays cheap.
_CHUNK = 300
_SPILL = 80  # skeleton characters of the next piece a match may reach into
_MAX_TRIES = 4  # stretches tried with the exact pass before settling for the text's start
# A subscript (coeng + consonant) and every Khmer sign, vowel or mark: normalisation reorders
# them, so they are no part of a skeleton. (Khmer digits are translated before this runs.)
_KHMER_NON_BASE = re.compile("\u17d2[\u1780-\u17b3]|[\u17b4-\u17ff\u19e0-\u19ff]")
_NOT_SKELETON = regex.compile(r"[^\p{L}\p{N}]+")
# Linked Khmer clusters may be separated by spaces and punctuation in a match: not in the skeleton.
_KHMER_GAP = re.compile("(?<=[\u1780-\u17b3]) +(?=[\u1780-\u17b3])")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
_SKELETON_TABLE = str.maketrans(
    {"\u17a3": "\u17a2", "\u17a4": "\u17a2", **{chr(0x17E0 + d): str(d) for d in range(10)}}
)


def _skeleton(text: str) -> str:
    """Return the letters and digits of `text` that normalisation keeps, in order: Khmer base
    letters, other letters without their marks, casefolded; digits as ASCII. Never raises."""
    text = unicodedata.normalize("NFD", text).casefold().translate(_SKELETON_TABLE)
    text = _NOT_SKELETON.sub(" ", _KHMER_NON_BASE.sub("", text))
    if not text.isascii():
        text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), 0)), text)
        text = _KHMER_GAP.sub("", text)
    return " " + text


def _term_skeletons(term: str) -> list[str]:
    """Return skeletons that every match of `term` contains, each somewhere in the stretch.

    A run of linked Khmer clusters keeps its base letters together (only spaces and
    punctuation, which the skeleton drops, may separate them in a match). A Latin word matches
    any word with the same Snowball stem, which starts with the stem less its last letter
    (y -> i and suffix rewrites change only that one); a prefix term's last word starts with
    the word as typed.
    """
    prefix = term.endswith("*")
    items = _stream(normalize(term.rstrip("*")))
    out: list[str] = []
    khmer = ""
    for k, (key, item_text, _s, _e) in enumerate(items):
        is_cluster = item_text and key == item_text and _KHMER_BASE.match(item_text)
        if is_cluster:
            khmer += item_text
            continue
        if khmer:
            out.append(khmer)
            khmer = ""
        if key == _BARRIER[0]:
            continue  # a barrier between clusters: the run before it ended above
        last = k == len(items) - 1
        out.append(item_text if prefix and last else key[:-1])
    if khmer:
        out.append(khmer)
    # Each part as the skeleton of the text shows it: a Latin part starts a word (" stem").
    parts = [_skeleton(part).rstrip() for part in out]
    # A Khmer run may start anywhere in the text's run of clusters: no word start required.
    return [sk.lstrip() if _KHMER_BASE.match(sk.lstrip()) else sk for sk in parts if sk.strip()]


_KHMER_BASE = re.compile("[\u1780-\u17b3]")


def _pieces(text: str, chunk: int) -> list[tuple[int, int]]:
    """Cut `text` into consecutive [start, end) pieces of about `chunk` characters, each cut
    at a whitespace character (normalisation never looks across whitespace)."""
    pieces = []
    start = 0
    while start < len(text):
        cut = _next_space(text, start + chunk)
        pieces.append((start, cut))
        start = cut
    return pieces


def _next_space(text: str, at: int) -> int:
    """The first whitespace position at or after `at`, or len(text)."""
    match = _SPACE.search(text, min(at, len(text)))
    return match.start() if match else len(text)


def _prev_space(text: str, at: int) -> int:
    """The last whitespace position at or before `at` (0 when none)."""
    at = max(0, at)
    found = max(text.rfind(ch, 0, at + 1) for ch in " \n\t")
    return max(found, 0)


_SPACE = re.compile(r"\s")


def _candidates(
    text: str, pieces: list[tuple[int, int]], terms: list[str], max_chars: int
) -> list[tuple[int, int]]:
    """Return the [lo, hi) stretches that may hold terms, best first (the most distinct term
    skeletons, then the earliest): a piece widened so any window the exact pass picks for a
    match starting in it fits inside."""
    # A term without a skeleton (a one-letter word) cannot be pre-tested: it counts as
    # present everywhere, and the exact pass decides.
    wanted = [_term_skeletons(term) for term in terms]
    skeletons = [_skeleton(text[s:e]) for s, e in pieces]
    scored = []
    for i in range(len(pieces)):
        # A match starting in piece i may run into the next one (a term is short).
        both = skeletons[i] + (skeletons[i + 1][:_SPILL] if i + 1 < len(pieces) else "")
        both = _KHMER_GAP.sub("", both)
        score = sum(1 for parts in wanted if all(part in both for part in parts))
        if score:
            scored.append((-score, i))
    scored.sort()
    out = []
    for _score, i in scored:
        lo = _prev_space(text, pieces[i][0] - max_chars // 4 - 1)
        out.append((lo, _next_space(text, pieces[i][1] + max_chars)))
    return out


def _highlight(text: str, lo: int, hi: int, terms: list[str], max_chars: int) -> Markup:
    """The exact pass over text[lo:hi] (cut at whitespace or the text's ends); the excerpt
    and its ellipses are relative to the whole text."""
    key, index = normalize_with_map(text[lo:hi])
    index = [lo + k for k in index]
    doc = _stream(key)
    where: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(doc):
        where[item[0]].append(i)
    found: list[tuple[int, int, int]] = []  # original start, end, term number
    for number, term in enumerate(terms):
        for s, e in _find(doc, where, term):
            found.append((*_original_span(text, index, s, e), number))
    found.sort()
    bounds = sorted({lo, *index})
    start, end = _window(text, bounds, lo, max_chars)
    best_score = (0, 0)
    # The window holding the most distinct terms, then the most matches, then the earliest.
    for first, _end, _number in found[:_MAX_CANDIDATES]:
        window = _window(text, bounds, first, max_chars)
        inside = [f for f in found if window[0] <= f[0] and f[1] <= window[1]]
        score = (len({f[2] for f in inside}), len(inside))
        if score > best_score:
            (start, end), best_score = window, score
    return _render(text, start, end, _merge([(s, e) for s, e, _n in found]))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching spans (sorted input)."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
