"""Running a query against one tier: hits grouped by testimony, totals and facet counts.

Facet counts and grouping need, for every matching document, its testimony and facet values.
Reading stored fields per hit would dominate the latency (KHMER.md: 128 ms for facets at
10,000), so each segment's values are read once and cached by segment id: segments never
change after they are written, and a new commit only adds small ones.
"""

import atexit
import contextlib
import threading
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from whoosh.query import And, Or, Query, Term
from whoosh.searching import Searcher

from ..policy import Tier
from .schema import FACET_FIELDS
from .tiers import TierStore

FACETS = (*FACET_FIELDS, "language")
_CACHE_SEGMENTS = 256


@dataclass
class SegmentInfo:
    testimony: list[str]
    language: list[str]
    recorded_on: list[str]
    facets: list[dict[str, tuple[str, ...]]]


@dataclass
class Hit:
    testimony: str
    language: str  # the best-scoring matching version's language
    score: float
    recorded_on: str


@dataclass
class Outcome:
    """The hits asked for (one page, or all of them in order), and over every match: the
    number of matching testimonies and the facet counts."""

    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    total: int = 0


_segments: "OrderedDict[str, SegmentInfo]" = OrderedDict()
_segments_lock = threading.Lock()
# (thread id, index root, tier) -> (thread, tier directory, searcher); see searcher_for.
_searchers: "OrderedDict[tuple[int, str, str], tuple[threading.Thread, Path, Searcher]]" = (
    OrderedDict()
)
_searchers_lock = threading.Lock()
_PER_THREAD = 6  # an app has three tiers


def _segment_info(reader: object) -> SegmentInfo:
    segment = reader.segment()  # type: ignore[attr-defined]
    if segment is None:  # an empty tier: Whoosh's EmptyReader has no segment and no docs
        return SegmentInfo([], [], [], [])
    key = segment.segment_id()  # random per segment, unique across tiers
    with _segments_lock:
        if key in _segments:
            _segments.move_to_end(key)
            return _segments[key]
    info = SegmentInfo([], [], [], [])
    for docnum in range(reader.doc_count_all()):  # type: ignore[attr-defined]
        stored = reader.stored_fields(docnum)  # type: ignore[attr-defined]
        info.testimony.append(stored.get("testimony", ""))
        info.language.append(stored.get("language", ""))
        info.recorded_on.append(stored.get("recorded_on", ""))
        info.facets.append(
            {name: tuple(v for v in stored.get(name, "").split(",") if v) for name in FACET_FIELDS}
        )
    with _segments_lock:
        _segments[key] = info
        while len(_segments) > _CACHE_SEGMENTS:
            _segments.popitem(last=False)
    return info


def searcher_for(store: TierStore, tier: Tier) -> Searcher:
    """Return this thread's searcher of a tier, reopened when the tier changed since.

    Raises FileNotFoundError when the tier does not exist. Never uses Whoosh's
    `Searcher.refresh()`: in whoosh-reloaded 2.7.5 it builds the new reader from the current
    segments *plus* the old reader's segments (`index._reader(reuse=...)` extends the list),
    so a document purged by a merge stays searchable in that process. A fresh searcher reads
    only the segments of the latest generation.

    Searchers are per thread (a Whoosh searcher reads its files with seek + read) and hold
    their segments' files open, so they are closed explicitly: when replaced, when more than
    a few are kept, when their thread has ended (a thread per request in the development
    server), and at exit. Left to the garbage collector, every file would warn.
    """
    thread = threading.current_thread()
    key = (thread.ident or 0, str(store.root), tier.value)
    real = store.link(tier).resolve()
    with _searchers_lock:
        _close_ended_threads()
        known = _searchers.get(key)
        if known is not None and known[1] == real and known[2].up_to_date():
            _searchers.move_to_end(key)
            return known[2]
        if known is not None:
            del _searchers[key]
            known[2].close()
    searcher = store.open(tier).searcher()
    with _searchers_lock:
        _searchers[key] = (thread, real, searcher)
        # This thread's oldest beyond a few (a test session makes hundreds of apps in one
        # thread); never another thread's: it may be searching with it right now.
        mine = [k for k, entry in _searchers.items() if entry[0] is thread]
        for old_key in mine[: max(0, len(mine) - _PER_THREAD)]:
            _searchers.pop(old_key)[2].close()
    return searcher


def _close_ended_threads() -> None:
    for key, (thread, _path, searcher) in list(_searchers.items()):
        if not thread.is_alive():
            del _searchers[key]
            searcher.close()


@atexit.register
def _close_searchers() -> None:
    """Close the searchers still open when the process ends (their files, cleanly)."""
    with _searchers_lock:
        for _thread, _path, searcher in _searchers.values():
            with contextlib.suppress(Exception):
                searcher.close()
        _searchers.clear()


def run(
    searcher: Searcher,
    query: Query | None,
    *,
    filters: dict[str, list[str]],
    hidden: set[str],
    sort: str = "relevance",
    window: tuple[int, int] | None = None,
) -> Outcome:
    """Search one tier. `query` None means every document (browsing by filters).

    `filters` maps facet names (and "language") to allowed values (OR within a facet, AND
    across facets); `hidden` testimonies are left out of hits, totals and facets alike.
    `window` (start, stop) asks for those hits only (a page); None asks for all, in order.

    Two passes: every match unscored (cheap: no score per document) for the total and the
    facets, then the scored top hits only as far as the window needs.
    """
    conditions = [
        Or([Term(name, value) for value in values]) for name, values in filters.items() if values
    ]
    allowed = set(searcher.docs_for_query(And(conditions))) if conditions else None
    masked = (
        set(searcher.docs_for_query(Or([Term("testimony", pid) for pid in sorted(hidden)])))
        if hidden
        else set()
    )
    if allowed is not None and not allowed:
        # Whoosh reads an empty allow-set as "no filter": a filter matching nothing must
        # answer nothing here, before Whoosh sees it.
        return Outcome([], {name: {} for name in FACETS}, 0)
    if query is None:
        docs = allowed if allowed is not None else searcher.reader().all_doc_ids()
    else:
        docs = searcher.docs_for_query(query)
    matched = _group(
        searcher, (d for d in docs if d not in masked and (allowed is None or d in allowed))
    )
    facets = {
        name: Counter(chain.from_iterable(m.facets[name] for m in matched.values()))
        for name in FACET_FIELDS
    }
    facets["language"] = Counter(chain.from_iterable(m.languages for m in matched.values()))
    start, stop = window if window is not None else (0, len(matched))
    if query is None or sort == "date":
        order = sorted(matched, key=lambda pid: (matched[pid].recorded_on, pid), reverse=True)
        page = order[start:stop]
        best = _best_languages(searcher, query, page, matched) if query is not None else {}
        hits = [
            Hit(pid, best.get(pid, matched[pid].first), 0.0, matched[pid].recorded_on)
            for pid in page
        ]
    else:
        ranked = _ranked(searcher, query, allowed, masked, stop)
        # The same documents as the unscored pass, so pages never disagree with the total.
        hits = [hit for hit in ranked if hit.testimony in matched][start:stop]
    return Outcome(hits, {n: dict(c) for n, c in facets.items()}, len(matched))


@dataclass
class _Match:
    first: str  # the language of the first matching version seen
    languages: set[str]
    facets: dict[str, tuple[str, ...]]
    recorded_on: str


def _group(searcher: Searcher, docnums: Iterable[int]) -> dict[str, _Match]:
    """Group matching documents (global docnums) by testimony."""
    leaves = searcher.reader().leaf_readers()
    offsets = [offset for _reader, offset in leaves]
    infos = [_segment_info(reader) for reader, _offset in leaves]
    matched: dict[str, _Match] = {}
    # Docnums come segment by segment: the segment is looked up again only when one falls
    # outside the current one.
    info, base, limit = SegmentInfo([], [], [], []), 0, 0
    for docnum in docnums:
        if not base <= docnum < limit:
            leaf = bisect_right(offsets, docnum) - 1
            info, base = infos[leaf], offsets[leaf]
            limit = offsets[leaf + 1] if leaf + 1 < len(offsets) else 1 << 62
        local = docnum - base
        pid = info.testimony[local]
        known = matched.get(pid)
        if known is None:
            language = info.language[local]
            matched[pid] = _Match(language, {language}, info.facets[local], info.recorded_on[local])
        else:
            known.languages.add(info.language[local])
    return matched


def _ranked(
    searcher: Searcher, query: Query, allowed: set[int] | None, masked: set[int], stop: int
) -> list[Hit]:
    """The best `stop` testimonies by their best-scoring version, best first. Asks Whoosh for
    the top documents only (it skips blocks that cannot reach them), widening the cut while
    several versions of one testimony leave too few testimonies."""
    leaves = searcher.reader().leaf_readers()
    offsets = [offset for _reader, offset in leaves]
    infos = [_segment_info(reader) for reader, _offset in leaves]
    limit = max(2 * stop + 8, 16)
    while True:
        results = searcher.search(query, filter=allowed, mask=masked or None, limit=limit)
        hits: dict[str, Hit] = {}
        for docnum, score in results.items():
            leaf = bisect_right(offsets, docnum) - 1
            info, local = infos[leaf], docnum - offsets[leaf]
            pid = info.testimony[local]
            if pid not in hits:  # rank order: the first version seen scores best
                hits[pid] = Hit(pid, info.language[local], score or 0.0, info.recorded_on[local])
        if len(hits) >= stop or results.scored_length() < limit:
            return list(hits.values())
        limit *= 4


def _best_languages(
    searcher: Searcher, query: Query, page: list[str], matched: dict[str, _Match]
) -> dict[str, str]:
    """For a page in date order: the language of each testimony's best-scoring version."""
    if not page:
        return {}
    only = set(searcher.docs_for_query(Or([Term("testimony", pid) for pid in page])))
    return {hit.testimony: hit.language for hit in _ranked(searcher, query, only, set(), len(page))}
