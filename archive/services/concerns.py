"""Concern and removal requests sent from a story's page, and the lockdown switch."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import ConcernRequest, SiteSwitch, Testimony, utcnow
from . import audit
from .errors import ServiceError
from .testimonies import check

KINDS = ("this-is-me", "concern", "other")
LOCKDOWN = "lockdown"


def submit(testimony: Testimony, kind: str, message: str, contact: str) -> ConcernRequest:
    """Store a request for staff (anyone may send one); returns it, flushed.

    The audit row holds the kind only: the message and contact are the sender's words.
    """
    if kind not in KINDS:
        raise ServiceError(_l("Choose what your message is about."), "kind")
    if len(message) > 2000:
        raise ServiceError(_l("At most %(max)s characters.", max=2000), "message")
    if len(contact) > 200:
        raise ServiceError(_l("At most %(max)s characters.", max=200), "contact")
    if "\x00" in message or "\x00" in contact:
        raise ServiceError(_l("The message contains characters the archive cannot store."))
    request = ConcernRequest(
        testimony_id=testimony.id, kind=kind, message=message.strip(), contact=contact.strip()
    )
    db.session.add(request)
    db.session.flush()
    audit.record("concern.create", "testimony", testimony.public_id, None, kind=kind)
    return request


def mark_handled(request: ConcernRequest, actor: Any) -> None:
    """Mark a request as dealt with (acting on it is a restriction or a withdrawal)."""
    check(actor, "consent.manage")
    request.handled_at = utcnow()
    request.handled_by_id = getattr(actor, "id", None)
    audit.record("concern.handled", "concern", request.id, actor)


def open_requests() -> list[tuple[ConcernRequest, Testimony]]:
    """Return unhandled requests with their (non-withdrawn) testimonies, oldest first."""
    rows = db.session.execute(
        select(ConcernRequest, Testimony)
        .join(Testimony, Testimony.id == ConcernRequest.testimony_id)
        .where(ConcernRequest.handled_at.is_(None), Testimony.withdrawn_at.is_(None))
        .order_by(ConcernRequest.created_at)
    ).all()
    return [(r, t) for r, t in rows]


def lockdown_on() -> bool:
    """Return whether the lockdown switch is on (read from the database by every worker)."""
    switch = db.session.get(SiteSwitch, LOCKDOWN)
    return bool(switch and switch.on)


def set_lockdown(on: bool, actor: Any) -> None:
    """Turn the lockdown on or off (admins only); audited."""
    check(actor, "admin.area")
    switch = db.session.get(SiteSwitch, LOCKDOWN)
    if switch is None:
        switch = SiteSwitch(name=LOCKDOWN)
        db.session.add(switch)
    switch.on = on
    switch.changed_at = utcnow()
    switch.changed_by_id = getattr(actor, "id", None)
    audit.record("site.lockdown", "site", LOCKDOWN, actor, on=on)
