"""Keeping the tiers following the database: drain right after a commit that wrote index jobs,
and at start-up (replaying whatever a crash left pending)."""

import logging
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import IndexJob
from .drain import drain
from .tiers import IndexBusy, TierStore

log = logging.getLogger(__name__)


def store() -> TierStore:
    """Return the tier store of the current app."""
    config = current_app.config
    return TierStore(config["INDEX_DIR"], segment_docs=config["INDEX_SEGMENT_DOCS"])


def drain_now() -> int:
    """Apply pending index jobs now; return how many. Errors are logged, never raised: the
    change is committed already and the jobs stay pending for the next drain."""
    config = current_app.config
    try:
        return drain(
            store(),
            lock_timeout=config["INDEX_LOCK_TIMEOUT"],
            gap_timeout=config["INDEX_GAP_TIMEOUT"],
        )
    except IndexBusy:
        log.warning("index writer busy; jobs stay pending")
    except Exception:
        log.exception("applying index jobs failed; they stay pending")
    return 0


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


def _drain_after_request(response: Any) -> Any:
    if g.pop("index_jobs_committed", False):
        drain_now()
    return response


def init_app(app: Flask) -> None:
    """Drain after requests that committed index jobs, and once at start-up."""
    app.after_request(_drain_after_request)
    if app.config["INDEX_DRAIN_ON_START"]:
        with app.app_context():
            if _schema_is_current():
                drain_now()


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
