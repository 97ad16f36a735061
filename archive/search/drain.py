"""Applying the outbox to the tier indexes (after each commit, at start-up, and by the CLI).

One process writes at a time (TierStore.writer_lock), so no Whoosh LockError reaches a user.
Jobs are idempotent ("re-project testimony N"), so applying one twice is harmless and each
tier records which jobs it applied (see TierState for the out-of-order commits of PostgreSQL).
"""

import logging
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from whoosh.reading import SegmentReader

from ..extensions import db
from ..models import IndexJob, Testimony, Version
from ..policy import Tier
from . import outbox
from .documents import project
from .schema import INDEX_FORMAT_VERSION
from .tiers import TierState, TierStore

log = logging.getLogger(__name__)


def merge_segments_with_deletions(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: rewrite every segment that has deleted documents.

    A deleted document's terms and stored fields stay in its segment's files until the segment
    is rewritten; rewriting only those segments (not the whole tier) keeps a purge fast as the
    tier grows. Returns the segments kept as they are.
    """
    kept = []
    for segment in segments:
        if segment.has_deletions():
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        else:
            kept.append(segment)
    return kept


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
    """Re-project the jobs' testimonies into every tier and record the jobs as applied."""
    ops: dict[int, str] = {}
    for _seq, tid, op in jobs:
        if ops.get(tid) != outbox.PURGE:
            ops[tid] = op
    found = _load(session, sorted(ops))
    projections = {tid: project(t) for tid, t in found.items()}
    seqs = {seq for seq, _tid, _op in jobs}
    purge = outbox.PURGE in ops.values()
    now = time.time()
    for tier in Tier:
        state = store.state(tier)
        writer = store.open(tier).writer()
        try:
            for tid, t in found.items():
                writer.delete_by_term("testimony", t.public_id)
                for document in projections[tid][tier]:
                    writer.add_document(**document.fields)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_segments_with_deletions if purge else None)
        state.mark(seqs, gap_timeout, now)
        store.save_state(tier, state)


def rebuild(
    session: Session, store: TierStore, tiers: list[Tier] | None = None, batch: int = 200
) -> int:
    """Build tiers aside from the database, then swap each in atomically.

    Returns the number of testimonies projected. The caller holds the writer lock.
    """
    tiers = tiers or list(Tier)
    high = session.scalar(select(func.max(IndexJob.seq))) or 0
    aside = {tier: store.create_aside(tier) for tier in tiers}
    writers = {tier: ix.writer() for tier, (_dir, ix) in aside.items()}
    ids = list(session.scalars(select(Testimony.id).order_by(Testimony.id)))
    try:
        for start in range(0, len(ids), batch):
            for t in _load(session, ids[start : start + batch]).values():
                projection = project(t)
                for tier, writer in writers.items():
                    for document in projection[tier]:
                        writer.add_document(**document.fields)
            session.expunge_all()
        for writer in writers.values():
            writer.commit(optimize=True)
    except BaseException:
        for writer in writers.values():
            writer.cancel()
        raise
    for tier, (directory, _ix) in aside.items():
        store.save_state(tier, TierState(format=INDEX_FORMAT_VERSION, low_water=high), directory)
        store.swap(tier, directory)
    return len(ids)


def drain(
    store: TierStore, *, lock_timeout: float = 10.0, gap_timeout: float = 300.0, batch: int = 500
) -> int:
    """Apply every pending job (rebuilding tiers that are missing or of an old format).

    Returns the number of jobs applied. Raises IndexBusy when another process keeps the lock
    longer than `lock_timeout`; the jobs then stay pending for the next drain.
    """
    applied = 0
    # A session of its own: the request's session (and its objects) stay untouched.
    with store.writer_lock(lock_timeout), Session(db.engine) as session:
        stale = [tier for tier in Tier if not store.is_current(tier)]
        if stale:
            log.warning("rebuilding index tiers %s", ", ".join(t.value for t in stale))
            rebuild(session, store, stale)
        while True:
            jobs = pending_jobs(session, store, batch)
            if not jobs:
                break
            apply_jobs(session, store, jobs, gap_timeout)
            applied += len(jobs)
            session.expunge_all()
    return applied
