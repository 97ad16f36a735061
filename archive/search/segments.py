"""Segment merge policies for the tier indexes: no segment grows past a cap, so a merge costs at
most `cap` documents however large the tier grows.

Whoosh writes each commit as one new segment and lets a merge policy, called at commit time as
`policy(writer, segments) -> kept segments`, copy existing segments into that same new segment
(`writer.add_reader`, which leaves deleted documents out). Copying runs at some 30 long
documents a second (a staff segment of 1,000 took 34 s), so what a commit copies is what it
costs:

- SYNC commits use `tiered(cap)` (a small Lucene TieredMergePolicy): most commits copy nothing;
  when FACTOR segments of similar size pile up, a few of them are merged, never past the cap.
- A purge (a visibility drop) rewrites, one commit each, only the segments that hold a copy of
  the purged testimony (`holding`, then `rewrite`), so none of its terms remains on disk.
- `compact` (the `index compact` command) packs small segments together, also up to the cap.
"""

from collections.abc import Callable, Iterable
from typing import Any

from whoosh.index import Index
from whoosh.reading import SegmentReader

# How many segments of one size level may pile up before some are merged (Lucene's
# segmentsPerTier): larger means fewer merges per commit but more segments per search.
FACTOR = 8
# Memory (MB) a writer's posting pool may use before it spills runs to disk: a segment of a
# thousand long testimonies holds millions of postings.
WRITER_LIMIT_MB = 256
# Every writer writes plain segment files (compound=False): Whoosh opens a file inside a
# compound segment by copying it whole into memory (BytesIO of an mmap slice), so every new
# reader of every segment copied its term file: measured 0.8 s per drain and 3.5 s per first
# query after a change at 10,000 testimonies.

Policy = Callable[[Any, list[Any]], list[Any]]


def level(docs: int, factor: int = FACTOR) -> int:
    """Return the size level of a segment of `docs` live documents: floor(log_factor(docs))."""
    out = 0
    while docs >= factor:
        docs //= factor
        out += 1
    return out


def _mostly_deleted(segment: Any) -> bool:
    return segment.deleted_count() * 2 > segment.doc_count_all()


def plan(
    segments: list[Any],
    cap: int,
    new_docs: int,
    factor: int = FACTOR,
    max_merge: int | None = None,
) -> list[Any]:
    """Return the segments a commit writing `new_docs` documents should merge (often none).

    At most one merge per commit, so a commit's cost stays bounded: the smallest segments of
    the lowest level holding `factor` or more mergeable segments (those with at most cap/2 live
    documents; a larger one could not merge with a peer without passing the cap), as many as
    fit with the new documents within `cap`; else a single segment more than half deleted.
    Segments without live documents are not planned (`tiered` drops them for free).
    `max_merge` bounds the documents copied (a commit inside a request copies few).
    """
    budget = cap - new_docs if max_merge is None else min(cap - new_docs, max_merge)
    live = [s for s in segments if s.doc_count() > 0]
    levels: dict[int, list[Any]] = {}
    for segment in live:
        if segment.doc_count() * 2 <= cap:
            levels.setdefault(level(segment.doc_count(), factor), []).append(segment)
    for _level, group in sorted(levels.items()):
        if len(group) < factor:
            continue
        chosen: list[Any] = []
        total = 0
        for segment in sorted(group, key=lambda s: s.doc_count())[:factor]:
            if total + segment.doc_count() > budget:
                break
            chosen.append(segment)
            total += segment.doc_count()
        if len(chosen) >= 2:
            return chosen
    # Rewriting a mostly deleted segment reclaims its space and drops the deleted copies.
    wasteful = [s for s in live if _mostly_deleted(s) and s.doc_count() <= budget]
    if wasteful:
        return [max(wasteful, key=lambda s: s.deleted_count())]
    return []


def _absorb(writer: Any, segment: Any) -> None:
    """Copy a segment's live documents into the writer's new segment."""
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        writer.add_reader(reader)
    finally:
        reader.close()


def _merging(chosen: list[Any]) -> Policy:
    """Return a policy that copies `chosen` into the new segment and keeps the others.

    A chosen segment without live documents is dropped without copying (its files go with
    the commit); segments are compared by id, the writer's objects being fresh copies.
    """
    ids = {segment.segment_id() for segment in chosen}

    def policy(writer: Any, segments: list[Any]) -> list[Any]:
        kept = []
        for segment in segments:
            if segment.segment_id() not in ids:
                kept.append(segment)
            elif segment.doc_count() > 0:
                _absorb(writer, segment)
        return kept

    return policy


def tiered(cap: int, factor: int = FACTOR, max_merge: int | None = None) -> Policy:
    """Return the merge policy of ordinary (SYNC) commits for segments of at most `cap` docs.

    The policy drops segments whose documents are all deleted, and merges what `plan` chooses
    (copying at most `max_merge` documents; larger merges are left to the maintenance).
    """

    def policy(writer: Any, segments: list[Any]) -> list[Any]:
        empty = [s for s in segments if s.doc_count() == 0]
        chosen = plan(segments, cap, writer.doc_count(), factor, max_merge)
        return _merging(empty + chosen)(writer, segments)

    return policy


def holding(writer: Any, fieldname: str, values: Iterable[str]) -> set[str]:
    """Return the ids of the writer's segments whose term table holds (fieldname, value) for
    any of `values`: a deleted document's terms stay there until its segment is rewritten."""
    wanted = list(values)
    found: set[str] = set()
    if not wanted:
        return found
    for segment in writer.segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            if any((fieldname, value) in reader for value in wanted):
                found.add(segment.segment_id())
        finally:
            reader.close()
    return found


def rewrite(ix: Index, segment_ids: set[str]) -> int:
    """Rewrite the named segments into one new segment without their deleted documents, in one
    commit (a named segment without live documents is just dropped).

    Returns how many of them were still there (a concurrent merge cannot have taken them: the
    caller holds the writer lock; the count is for reports and tests).
    """
    writer = ix.writer(limitmb=WRITER_LIMIT_MB, compound=False)
    chosen = [s for s in writer.segments if s.segment_id() in segment_ids]
    if not chosen:
        writer.cancel()
        return 0
    writer.commit(mergetype=_merging(chosen))
    return len(chosen)


def sizes(ix: Index) -> list[tuple[str, int, int]]:
    """Return (segment id, live documents, all documents) of the index's segments."""
    return [(s.segment_id(), s.doc_count(), s.doc_count_all()) for s in ix._segments()]


def compact_plan(segments: list[Any], cap: int) -> list[list[Any]]:
    """Return groups of segments to rewrite, one commit per group, each within `cap` live docs.

    Candidates are segments with deletions and segments of at most cap/2 live documents;
    packed smallest first. A group of one is kept only if it has deletions to reclaim.
    """
    candidates = sorted(
        (s for s in segments if s.has_deletions() or s.doc_count() * 2 <= cap),
        key=lambda s: s.doc_count(),
    )
    groups: list[list[Any]] = []
    current: list[Any] = []
    total = 0
    for segment in candidates:
        if current and total + segment.doc_count() > cap:
            groups.append(current)
            current, total = [], 0
        current.append(segment)
        total += segment.doc_count()
    if current:
        groups.append(current)
    return [g for g in groups if len(g) > 1 or g[0].has_deletions()]


def compact(ix: Index, cap: int) -> tuple[int, int]:
    """Merge the index's small segments and reclaim deleted documents, never past `cap`.

    Returns (segments before, segments after). The caller holds the writer lock.
    """
    before = len(ix._segments())
    for group in compact_plan(ix._segments(), cap):
        rewrite(ix, {s.segment_id() for s in group})
    return before, len(ix._segments())
