"""Running a query against one tier: hits grouped by testimony, totals and facet counts.

Facet counts and grouping need, for every matching document, its testimony and facet values.
Reading stored fields per hit would dominate the latency (KHMER.md: 128 ms for facets at
10,000), so each segment's values are read once and cached by segment id: segments never
change after they are written, and a new commit only adds small ones.
"""

import threading
from bisect import bisect_right
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from whoosh.query import And, Every, Or, Query, Term
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
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.hits)


_segments: "OrderedDict[str, SegmentInfo]" = OrderedDict()
_segments_lock = threading.Lock()
_local = threading.local()


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
    """
    cache: dict[tuple[str, str], tuple[Path, Searcher]] = _local.__dict__.setdefault("s", {})
    key = (str(store.root), tier.value)
    real = store.link(tier).resolve()
    known = cache.get(key)
    if known is not None and known[0] == real and known[1].up_to_date():
        return known[1]
    if known is not None:
        known[1].close()
    searcher = store.open(tier).searcher()
    cache[key] = (real, searcher)
    return searcher


def run(
    searcher: Searcher,
    query: Query | None,
    *,
    filters: dict[str, list[str]],
    hidden: set[str],
    sort: str = "relevance",
) -> Outcome:
    """Search one tier. `query` None means every document (browsing by filters).

    `filters` maps facet names (and "language") to allowed values (OR within a facet, AND
    across facets); `hidden` testimonies are left out of hits, totals and facets alike.
    """
    conditions = [
        Or([Term(name, value) for value in values]) for name, values in filters.items() if values
    ]
    filter_q = And(conditions) if conditions else None
    mask_q = Or([Term("testimony", pid) for pid in sorted(hidden)]) if hidden else None
    results = searcher.search(
        query or Every(), filter=filter_q, mask=mask_q, limit=None, scored=query is not None
    )
    leaves = searcher.reader().leaf_readers()
    offsets = [offset for _reader, offset in leaves]
    infos = [_segment_info(reader) for reader, _offset in leaves]
    best: dict[str, Hit] = {}
    languages: dict[str, set[str]] = {}
    facet_rows: dict[str, dict[str, tuple[str, ...]]] = {}
    # Results come in rank order; consecutive documents mostly share a segment, so the segment
    # is looked up again only when a docnum falls outside the current one.
    info, base, limit = SegmentInfo([], [], [], []), 0, 0
    for docnum, raw_score in results.items():
        if not base <= docnum < limit:
            leaf = bisect_right(offsets, docnum) - 1
            info, base = infos[leaf], offsets[leaf]
            limit = offsets[leaf + 1] if leaf + 1 < len(offsets) else 1 << 62
        local = docnum - base
        pid = info.testimony[local]
        language = info.language[local]
        score = raw_score or 0.0  # unscored when browsing without words
        known = best.get(pid)
        if known is None:
            best[pid] = Hit(pid, language, score, info.recorded_on[local])
            languages[pid] = {language}
            facet_rows[pid] = info.facets[local]
            continue
        languages[pid].add(language)
        if score > known.score:
            known.language, known.score = language, score
    # Facet counts: each testimony once, whatever the number of its matching versions.
    facets = {
        name: Counter(chain.from_iterable(row[name] for row in facet_rows.values()))
        for name in FACET_FIELDS
    }
    facets["language"] = Counter(chain.from_iterable(languages.values()))
    hits = list(best.values())
    if sort == "date" or query is None:
        hits.sort(key=lambda h: (h.recorded_on, h.score), reverse=True)
    else:
        hits.sort(key=lambda h: (h.score, h.recorded_on), reverse=True)
    return Outcome(hits, {name: dict(counter) for name, counter in facets.items()})
