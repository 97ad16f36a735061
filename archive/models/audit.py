"""The append-only audit log and the index outbox.

Neither table has an update or delete path in the code: the event hooks below refuse it, so a
bug elsewhere cannot quietly rewrite history.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .time import utcnow


class AuditEntry(db.Model):
    """Who did what to which object, as codes only: never story text, names or free text,
    so the log never needs erasing when a narrator withdraws."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SHA-256 over the previous row's hash and this row's canonical JSON: changing, removing
    # or inserting a row breaks every hash after it (`flask --app archive audit verify`).
    hash: Mapped[str] = mapped_column(String(64), default="")


class IndexJob(db.Model):
    """Outbox row: "testimony N changed, re-project it into the index tiers".

    Written in the same transaction as the change, so nothing acknowledged is lost; holds ids
    and an operation, never text.
    """

    __tablename__ = "index_jobs"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    testimony_id: Mapped[int]
    op: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _refuse_change(mapper: Any, connection: Any, target: Any) -> None:
    raise RuntimeError(f"{type(target).__name__} rows are append-only")


for _model in (AuditEntry, IndexJob):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
