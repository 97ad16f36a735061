"""Keeping the tiers following the database: drain right after a commit that wrote index jobs,
and at start-up (replaying whatever a crash left pending); the slow maintenance steps (see
maintenance.py) in a background thread when INDEX_BACKGROUND_MAINTENANCE is on."""

import logging
import threading
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import IndexJob
from . import maintenance
from .drain import drain, maintain
from .tiers import IndexBusy, TierStore

log = logging.getLogger(__name__)


def store() -> TierStore:
    """Return the tier store of the current app."""
    config = current_app.config
    return TierStore(config["INDEX_DIR"], segment_docs=config["INDEX_SEGMENT_DOCS"])


def drain_now(*, maintain_inline: bool = True) -> int:
    """Apply pending index jobs now; return how many. Errors are logged, never raised: the
    change is committed already and the jobs stay pending for the next drain.

    With `maintain_inline`, the maintenance steps (segment rewrites after a purge, larger
    merges) run too before this returns: the CLI, the purge and tests want the files clean.
    Otherwise they are left for start_maintenance().
    """
    config = current_app.config
    try:
        return drain(
            store(),
            lock_timeout=config["INDEX_LOCK_TIMEOUT"],
            gap_timeout=config["INDEX_GAP_TIMEOUT"],
            maintain=maintain_inline,
        )
    except IndexBusy:
        log.warning("index writer busy; jobs stay pending")
    except Exception:
        log.exception("applying index jobs failed; they stay pending")
    return 0


_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def start_maintenance() -> threading.Thread | None:
    """Run the pending maintenance steps in this process's background thread (one at most),
    after the response: a request never waits for a segment rewrite. Returns the thread, or
    None when nothing is pending or one is already running (it picks up new work itself)."""
    global _thread
    if not maintenance.pending(store()):
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return None
        _thread = threading.Thread(target=_maintain, args=(app,), name="index-maintenance")
        _thread.daemon = True  # a stopping worker leaves the rest in the state files
        _thread.start()
        return _thread


def _maintain(app: Flask) -> None:
    with app.app_context():
        config = app.config
        try:
            maintain(
                store(),
                lock_timeout=config["INDEX_LOCK_TIMEOUT"],
                gap_timeout=config["INDEX_GAP_TIMEOUT"],
            )
        except IndexBusy:
            log.warning("index writer busy; maintenance resumes after the next change")
        except Exception:
            log.exception("index maintenance failed; it resumes after the next change")
        finally:
            db.session.remove()


def wait_for_maintenance(timeout: float = 600.0) -> None:
    """Wait until this process's maintenance thread (if any) has finished (tests, shutdown)."""
    thread = _thread
    if thread is not None:
        thread.join(timeout)


@event.listens_for(Session, "after_flush")
def _note_jobs(session: Session, flush_context: Any) -> None:
    if any(isinstance(obj, IndexJob) for obj in session.new):
        session.info["index_jobs"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("index_jobs", False) and has_request_context():
        g.index_jobs_committed = True


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("index_jobs", None)


def _drain_and_maintain() -> None:
    """Drain; then the maintenance in the background thread, or inline (the setting)."""
    if current_app.config["INDEX_BACKGROUND_MAINTENANCE"]:
        drain_now(maintain_inline=False)
        start_maintenance()
    else:
        drain_now()


def _drain_after_request(response: Any) -> Any:
    if g.pop("index_jobs_committed", False):
        _drain_and_maintain()
    return response


def init_app(app: Flask) -> None:
    """Drain after requests that committed index jobs, and once at start-up."""
    app.after_request(_drain_after_request)
    if app.config["INDEX_DRAIN_ON_START"]:
        with app.app_context():
            if _schema_is_current():
                _drain_and_maintain()


def _schema_is_current() -> bool:
    """Return whether the database is at the newest migration (before `init-db` has upgraded
    it, the tiers cannot be built from it: start-up then leaves them alone)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    if not inspect(db.engine).has_table(IndexJob.__tablename__):
        return False
    migrate: Migrate = current_app.extensions["migrate"].migrate
    heads = set(ScriptDirectory.from_config(migrate.get_config()).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        log.warning("database schema is not current; run `flask --app archive init-db`")
        return False
    return True
