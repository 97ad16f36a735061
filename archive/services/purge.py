"""The purge that follows a withdrawal: derived copies of the erased text are removed.

- index tiers: the outbox's purge job deletes the documents and rewrites the segments that
  held them (search.drain); the purge waits until no job is pending;
- SQLite: `secure_delete` already overwrote the freed pages; a WAL checkpoint (TRUNCATE),
  retried while a reader blocks it, moves every page out of the WAL and empties it;
- PostgreSQL: VACUUM FULL of the touched tables rewrites them without the dead rows (see the README
  for what PostgreSQL may still hold, and for how long).

Each withdrawal's `purged_at` is set once all of that is done; `check()` lists what remains.
"""

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Testimony, utcnow
from ..policy import Tier
from ..search.drain import pending_jobs
from ..search.hooks import drain_now, store
from ..search.service import plain_text

log = logging.getLogger(__name__)

VACUUM_TABLES = (
    "revisions", "versions", "narrators", "consents", "consent_changes", "consent_languages",
    "testimony_terms", "testimony_organisations", "translation_claims", "concern_requests",
    "testimonies",
)  # fmt: skip


def pending(delay: float = 0.0) -> list[Testimony]:
    """Return withdrawn testimonies whose purge is not done (and older than `delay` s)."""
    cutoff = utcnow() - timedelta(seconds=delay)
    return list(
        db.session.scalars(
            select(Testimony).where(
                Testimony.withdrawn_at.is_not(None),
                Testimony.purged_at.is_(None),
                Testimony.withdrawn_at <= cutoff,
            )
        )
    )


def run(delay: float = 0.0) -> int:
    """Purge every pending withdrawal older than `delay` seconds; return how many.

    Raises RuntimeError when a step cannot complete (they stay pending and `check` fails).
    """
    due = pending(delay)
    if not due:
        db.session.rollback()  # end the read transaction (it would block a VACUUM FULL)
        return 0
    ids = [testimony.id for testimony in due]
    plain_text.cache_clear()  # rendered story text this process kept for search snippets
    drain_now()
    if pending_jobs(db.session, store(), limit=10_000):
        raise RuntimeError("index jobs are still pending; the purge will be retried")
    db.session.rollback()
    _compact_database()
    db.session.execute(update(Testimony).where(Testimony.id.in_(ids)).values(purged_at=utcnow()))
    db.session.commit()
    _compact_database()  # the commit above wrote WAL frames (no text); empty it again
    return len(ids)


def _compact_database() -> None:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        deadline = time.monotonic() + current_app.config["PURGE_CHECKPOINT_TIMEOUT"]
        while True:
            with engine.connect() as connection:
                busy, _log, _done = connection.exec_driver_sql(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).one()
            if not busy:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("a reader kept blocking the WAL checkpoint")
            time.sleep(0.1)  # a reader holds an old snapshot: wait for it to finish
    elif engine.dialect.name == "postgresql":
        # VACUUM FULL rewrites the tables: a plain VACUUM only marks the dead rows' space
        # reusable, and erased text was seen still sitting in the heap files after it.
        # It locks each table briefly; this archive's tables are small.
        db.session.remove()  # no open transaction of ours may hold a lock it waits for
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in VACUUM_TABLES:
                connection.execute(text(f'VACUUM FULL "{table}"'))


def check() -> list[str]:
    """Return remnants of withdrawn testimonies: pending purges, and tier files that still
    contain a withdrawn testimony's public id (its documents or their terms)."""
    problems = [f"purge pending for {t.public_id}" for t in pending()]
    withdrawn = list(
        db.session.scalars(select(Testimony.public_id).where(Testimony.withdrawn_at.is_not(None)))
    )
    if withdrawn:
        tiers = store()
        for tier in Tier:
            directory = tiers.link(tier)
            if not directory.exists():
                continue
            data = b"".join(
                p.read_bytes() for p in Path(directory).resolve().iterdir() if p.is_file()
            )
            for public_id in withdrawn:
                if public_id.encode("ascii") in data:
                    problems.append(f"{tier.value} index still holds {public_id}")
    return problems


def run_logged(delay: float = 0.0) -> None:
    """Run the purge, logging instead of raising (callers are request hooks and timers)."""
    try:
        run(delay)
    except Exception:
        log.exception("purge did not complete; it stays pending (see `flask purge --check`)")
        db.session.rollback()


def _after_request(response: Any) -> Any:
    if not g.pop("withdrawal_committed", False):
        return response
    delay = current_app.config["PURGE_DELAY"]
    if delay <= 0 and not current_app.config["INDEX_BACKGROUND_MAINTENANCE"]:
        run_logged()
    else:
        # In a thread: rewriting the index segments that held the story takes seconds to
        # minutes, and the person who withdrew it should not wait for it.
        _in_background(delay)
    return response


def _in_background(delay: float) -> threading.Thread:
    """Run the purge in a daemon thread after `delay` seconds (a killed process leaves it
    pending; the next process finishes it at its first request)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def later() -> None:
        with app.app_context():
            try:
                run_logged(delay)
            finally:
                db.session.remove()

    timer = threading.Timer(max(delay, 0.0), later)
    timer.daemon = True
    timer.start()
    return timer


@event.listens_for(Session, "after_commit")
def _note_withdrawal(session: Session) -> None:
    if session.info.pop("withdrawal", False) and has_request_context():
        g.withdrawal_committed = True


@event.listens_for(Session, "after_rollback")
def _forget_withdrawal(session: Session) -> None:
    session.info.pop("withdrawal", None)


_started: set[int] = set()
_start_lock = threading.Lock()


def _first_request() -> None:
    """Once per serving process: finish purges a crash or a kill left pending. (Not at
    create_app, so that `flask purge --check` reports remnants instead of removing them.)"""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _start_lock:
        if id(app) in _started:
            return
        _started.add(id(app))
    if current_app.config["INDEX_BACKGROUND_MAINTENANCE"]:
        _in_background(0.0)
    else:
        run_logged()


def init_app(app: Flask) -> None:
    """Purge after requests that withdrew a testimony, and pending purges at the first
    request a process serves."""
    app.before_request(_first_request)
    app.after_request(_after_request)
