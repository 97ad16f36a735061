"""Applying the outbox to the tier indexes (after each commit, at start-up, and by the CLI).

One process writes at a time (TierStore.writer_lock), so no Whoosh LockError reaches a user.
Jobs are idempotent ("re-project testimony N"), so applying one twice is harmless and each
tier records which jobs it applied (see TierState for the out-of-order commits of PostgreSQL).
"""

import logging
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from whoosh.index import Index
from whoosh.writing import NO_MERGE

from ..extensions import db
from ..models import IndexJob, Testimony, Version
from ..policy import Tier
from . import maintenance, outbox, segments
from .documents import IndexDocument, project
from .schema import INDEX_FORMAT_VERSION
from .tiers import TierState, TierStore

log = logging.getLogger(__name__)

# The most documents a commit inside a request copies in a merge (copying runs at about 30
# long documents a second): enough to fold the one- or two-document segments of ordinary saves.
INLINE_MERGE_DOCS = 24


def _load(session: Session, ids: list[int]) -> dict[int, Testimony]:
    query = (
        select(Testimony)
        .where(Testimony.id.in_(ids))
        .options(
            selectinload(Testimony.versions).selectinload(Version.revisions),
            selectinload(Testimony.terms),
            selectinload(Testimony.consent),
        )
    )
    return {t.id: t for t in session.scalars(query)}


def pending_jobs(
    session: Session, store: TierStore, limit: int = 500
) -> list[tuple[int, int, str]]:
    """Return (seq, testimony_id, op) of jobs some tier has not applied yet, oldest first."""
    states = [store.state(tier) for tier in Tier]
    low = min(state.low_water for state in states)
    done_everywhere = set.intersection(*(state.done for state in states))
    query = select(IndexJob.seq, IndexJob.testimony_id, IndexJob.op).where(IndexJob.seq > low)
    if done_everywhere:
        query = query.where(IndexJob.seq.notin_(sorted(done_everywhere)))
    rows = session.execute(query.order_by(IndexJob.seq).limit(limit)).all()
    return [
        (seq, tid, op) for seq, tid, op in rows if not all(state.is_done(seq) for state in states)
    ]


def backlog(store: TierStore) -> int:
    """Return how many outbox jobs some tier has not applied (for /healthz)."""
    with Session(db.engine) as session:
        return len(pending_jobs(session, store, limit=10_000))


def apply_jobs(
    session: Session, store: TierStore, jobs: list[tuple[int, int, str]], gap_timeout: float
) -> None:
    """Re-project the jobs' testimonies into every tier and record the jobs as applied.

    A purged testimony (its visibility dropped) is deleted and its new documents added in one
    commit per tier, so every tier's search stops showing it at once. The segments that held a
    copy of it, live or deleted, are recorded in the tier's state (with the jobs, in one write)
    for the maintenance to rewrite (maintenance.step): until then its terms are still in the
    files, never in a result. Raises whatever Whoosh raises; the jobs then stay pending and are
    applied again, purge included.
    """
    ops: dict[int, str] = {}
    for _seq, tid, op in jobs:
        if ops.get(tid) != outbox.PURGE:
            ops[tid] = op
    found = _load(session, sorted(ops))
    projections = {tid: project(t) for tid, t in found.items()}
    seqs = {seq for seq, _tid, _op in jobs}
    # Every tier, even one that keeps the testimony: a purge interrupted between its two steps
    # is applied again, and by then no tier could tell what it held before.
    purged = [t.public_id for tid, t in found.items() if ops[tid] == outbox.PURGE]
    now = time.time()
    held: dict[Tier, set[str]] = {}
    for tier in Tier:  # first out of every tier's search...
        documents = {tid: projections[tid][tier] for tid in found}
        held[tier] = _write(store.open(tier), found, documents, purged, store.segment_docs)
    for tier in Tier:  # ...then, by the maintenance, out of its files
        state = store.state(tier)
        state.rewrite |= held[tier]
        state.mark(seqs, gap_timeout, now)
        store.save_state(tier, state)


def _write(
    ix: Index,
    found: dict[int, Testimony],
    documents: dict[int, list[IndexDocument]],
    purged: list[str],
    cap: int,
) -> set[str]:
    """Replace the testimonies' documents in one tier; return the ids of the segments holding
    a copy of a purged testimony (to rewrite). Raises whatever Whoosh raises."""
    writer = ix.writer(compound=False)
    try:
        held = segments.holding(writer, "testimony", purged)
        for tid, t in found.items():
            docs = documents[tid]
            if writer.doc_count() and writer.doc_count() + len(docs) > cap:
                # A large batch (a backlog) is cut into segments of at most `cap` documents,
                # between testimonies, so a search never sees one half-replaced.
                writer.commit(mergetype=NO_MERGE)
                writer = ix.writer(compound=False)
            writer.delete_by_term("testimony", t.public_id)
            for document in docs:
                writer.add_document(**document.fields)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    # A purge commits without merging: nothing should delay the story leaving search. Other
    # commits merge only a few small segments (a request waits for it); larger merges are
    # the maintenance's.
    writer.commit(mergetype=NO_MERGE if held else segments.tiered(cap, max_merge=INLINE_MERGE_DOCS))
    return held


def rebuild(
    session: Session, store: TierStore, tiers: list[Tier] | None = None, batch: int = 200
) -> int:
    """Build tiers aside from the database, then swap each in atomically.

    Each tier is written as segments of at most `store.segment_docs` documents (a testimony's
    documents are never split), never one large segment: a later purge rewrites only the
    segments that held the testimony, so its cost does not grow with the tier.
    Returns the number of testimonies projected. The caller holds the writer lock.
    """
    tiers = tiers or list(Tier)
    cap = store.segment_docs
    high = session.scalar(select(func.max(IndexJob.seq))) or 0
    aside = {tier: store.create_aside(tier) for tier in tiers}
    writers = {
        tier: ix.writer(limitmb=segments.WRITER_LIMIT_MB, compound=False)
        for tier, (_d, ix) in aside.items()
    }
    ids = list(session.scalars(select(Testimony.id).order_by(Testimony.id)))
    try:
        for start in range(0, len(ids), batch):
            for t in _load(session, ids[start : start + batch]).values():
                projection = project(t)
                for tier in tiers:
                    writer, docs = writers[tier], projection[tier]
                    if writer.doc_count() and writer.doc_count() + len(docs) > cap:
                        writer.commit(mergetype=NO_MERGE)
                        writer = writers[tier] = aside[tier][1].writer(
                            limitmb=segments.WRITER_LIMIT_MB, compound=False
                        )
                    for document in docs:
                        writer.add_document(**document.fields)
            session.expunge_all()
        for writer in writers.values():
            writer.commit(mergetype=NO_MERGE)
    except BaseException:
        for writer in writers.values():
            if not writer.is_closed:
                writer.cancel()
        raise
    for tier, (directory, _ix) in aside.items():
        store.save_state(tier, TierState(format=INDEX_FORMAT_VERSION, low_water=high), directory)
        store.swap(tier, directory)
    return len(ids)


def _apply_pending(session: Session, store: TierStore, gap_timeout: float, batch: int) -> int:
    applied = 0
    while True:
        jobs = pending_jobs(session, store, batch)
        if not jobs:
            return applied
        apply_jobs(session, store, jobs, gap_timeout)
        applied += len(jobs)
        session.expunge_all()


def drain(
    store: TierStore,
    *,
    lock_timeout: float = 10.0,
    gap_timeout: float = 300.0,
    batch: int = 500,
    maintain: bool = True,
) -> int:
    """Apply every pending job (rebuilding tiers that are missing or of an old format), then,
    with `maintain`, every maintenance step (purge rewrites, larger merges) in the same lock.

    Returns the number of jobs applied. Raises IndexBusy when another process keeps the lock
    longer than `lock_timeout`; the jobs then stay pending for the next drain.
    """
    # A session of its own: the request's session (and its objects) stay untouched.
    with store.writer_lock(lock_timeout), Session(db.engine) as session:
        stale = [tier for tier in Tier if not store.is_current(tier)]
        if stale:
            log.warning("rebuilding index tiers %s", ", ".join(t.value for t in stale))
            rebuild(session, store, stale)
        applied = _apply_pending(session, store, gap_timeout, batch)
        while maintain and maintenance.step(store):
            applied += _apply_pending(session, store, gap_timeout, batch)
    return applied


def maintain(
    store: TierStore, *, lock_timeout: float = 10.0, gap_timeout: float = 300.0, batch: int = 500
) -> int:
    """Run the maintenance steps one lock at a time (a drain elsewhere may take its turn in
    between), applying pending jobs after each: a job that could not wait for a long step is
    applied right after it. Returns the number of steps. Raises IndexBusy like drain()."""
    steps = 0
    while True:
        with store.writer_lock(lock_timeout), Session(db.engine) as session:
            did = maintenance.step(store)
            _apply_pending(session, store, gap_timeout, batch)
        if not did:
            return steps
        steps += 1
