"""Search snippets: highlight query terms in ORIGINAL database text.

Matching runs on the normalised text with the same analysis as the index (Khmer clusters,
letter/number tokens compared by Snowball stem, so ស្រ្តី matches ស្ត្រី, ២០១៤ matches 2014 and
"discriminated" matches "discrimination"); spans are mapped back through normalize_with_map,
so the reader sees their own spelling. Every character of the text is escaped: the only markup
in the result is <mark>.
"""

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable

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
    trailing "*" marking a prefix (see query_terms_for_highlight). Without a match, returns
    the escaped start of the text. Never raises.
    """
    key, index = normalize_with_map(text)
    doc = _stream(key)
    where: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(doc):
        where[item[0]].append(i)
    found: list[tuple[int, int, int]] = []  # original start, end, term number
    for number, term in enumerate(dict.fromkeys(q_terms)):
        for s, e in _find(doc, where, term):
            found.append((*_original_span(text, index, s, e), number))
    found.sort()
    bounds = sorted({0, *index})
    start, end = _window(text, bounds, 0, max_chars)
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
