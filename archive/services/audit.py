"""Recording audit entries into a hash chain, and verifying it. There is deliberately no
function to change or delete an entry."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..audit_chain import GENESIS, canonical, link
from ..extensions import db
from ..models import AuditEntry, AuditHead, utcnow


def record(action: str, object_type: str, object_id: str | int, actor: Any, **details: Any) -> None:
    """Add an audit entry to the current session (it commits with the change it describes).

    `details` must hold codes and ids only: never story text, names or free text. The head
    row is locked (FOR UPDATE on PostgreSQL; SQLite has one writer at a time), so concurrent
    writers append one after the other and the chain never forks.
    """
    actor_id = getattr(actor, "id", None) if actor is not None else None
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, hash=GENESIS, count=0)
        db.session.add(head)
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details,
    )
    entry.hash = link(head.hash or GENESIS, _row(entry))
    head.hash = entry.hash
    head.count += 1
    db.session.add(entry)


def _row(entry: AuditEntry) -> bytes:
    return canonical(entry.at, entry.actor_id, entry.action, entry.object_type,
                     entry.object_id, entry.details or {})  # fmt: skip


def head_file() -> Path:
    """Return where the newest audit hash is kept outside the database."""
    configured = current_app.config.get("AUDIT_HEAD_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit_head"


@dataclass
class ChainProblem:
    entry_id: int | None
    message: str


def verify_chain() -> list[ChainProblem]:
    """Recompute the chain; return problems (empty when every row and the head agree)."""
    problems: list[ChainProblem] = []
    previous, count, last_id = GENESIS, 0, None
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        expected = link(previous, _row(entry))
        if entry.hash != expected:
            problems.append(ChainProblem(entry.id, "changed, or a row before it was removed"))
            return problems
        previous, count, last_id = entry.hash, count + 1, entry.id
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.hash != previous or head.count != count):
        problems.append(ChainProblem(last_id, "the newest rows were removed (database head)"))
    path = head_file()
    if path.exists():
        stored_count, _, stored_hash = path.read_text(encoding="ascii").strip().partition(" ")
        if stored_hash != previous or stored_count != str(count):
            problems.append(
                ChainProblem(last_id, "rows after this one are missing (head kept outside)")
            )
    elif count:
        problems.append(ChainProblem(None, f"the outside head file {path} is missing"))
    return problems


@event.listens_for(Session, "after_flush")
def _note_head(session: Session, flush_context: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, AuditHead):
            session.info["audit_head"] = (obj.count, obj.hash)


@event.listens_for(Session, "after_commit")
def _write_head_after_commit(session: Session) -> None:
    head = session.info.pop("audit_head", None)
    if head is None or not has_app_context():
        return
    path = head_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{head[0]} {head[1]}\n", encoding="ascii")
    tmp.replace(path)


@event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop("audit_head", None)
