"""Consent lifecycle rows: the audit chain head, concern requests and site switches."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .time import utcnow


class AuditHead(db.Model):
    """The single row holding the newest audit hash; locking it orders concurrent writers
    so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), default="")
    count: Mapped[int] = mapped_column(default=0)


class ConcernRequest(db.Model):
    """ "This is me / I have a concern" about a story, sent from its page; for staff."""

    __tablename__ = "concern_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey("testimonies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SiteSwitch(db.Model):
    """A named on/off switch every worker reads from the database (e.g. "lockdown")."""

    __tablename__ = "site_switches"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    on: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
