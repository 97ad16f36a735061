"""Researcher accounts (requests, decisions) and the access log of their reads."""

from typing import Any

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..models import AccessLog, ConsentLevel, ResearcherRequest, Role, utcnow
from . import accounts, audit
from .errors import ServiceError
from .testimonies import check

# Endpoints whose successful answers count as a researcher reading a testimony.
READ_CHANNELS = {"public.testimony": "page", "api.testimony": "api"}


def request_account(name: str, email: str, affiliation: str, purpose: str, agreed: bool) -> None:
    """Store a researcher account request (the caller commits). Raises ServiceError."""
    if not agreed:
        raise ServiceError(_l("Please agree to the terms of use."), "agree")
    fields = {
        "name": (name, 200),
        "email": (email, 254),
        "affiliation": (affiliation, 300),
        "purpose": (purpose, 3000),
    }
    for field, (value, limit) in fields.items():
        if not value.strip():
            raise ServiceError(_l("This field is required."), field)
        if len(value) > limit or "\x00" in value:
            raise ServiceError(_l("At most %(max)s characters.", max=limit), field)
    if "@" not in email:
        raise ServiceError(_l("Enter a valid email address."), "email")
    found = ResearcherRequest(
        name=name.strip(),
        email=accounts.normalise_email(email),
        affiliation=affiliation.strip(),
        purpose=purpose.strip(),
    )
    db.session.add(found)
    db.session.flush()
    audit.record("researcher.request", "researcher_request", found.id, None)


def decide(found: ResearcherRequest, approve: bool, actor: Any) -> str | None:
    """Approve (creating the account; returns its one-time set-up token) or refuse."""
    check(actor, "admin.area")
    if found.status != "pending":
        raise ServiceError(_l("This request was decided already."))
    found.status = "approved" if approve else "refused"
    found.decided_at = utcnow()
    found.decided_by_id = getattr(actor, "id", None)
    audit.record(f"researcher.{found.status}", "researcher_request", found.id, actor)
    if not approve:
        return None
    user, token = accounts.invite(found.email, Role.RESEARCHER.value, actor)
    found.user_id = user.id
    return token


def log_read(user: Any, testimony: Any, channel: str) -> None:
    """Record a researcher's read of a researchers-level testimony (no text)."""
    consent = testimony.consent
    if getattr(user, "role", None) != Role.RESEARCHER or consent is None:
        return
    if consent.level != ConsentLevel.RESEARCHERS:
        return
    db.session.add(AccessLog(user_id=user.id, testimony_id=testimony.id, channel=channel))


def _log_after_request(response: Any) -> Any:
    opened = g.pop("opened_testimony", None)
    channel = READ_CHANNELS.get(request.endpoint or "")
    if opened is not None and channel and response.status_code == 200:
        log_read(current_user, opened, channel)
        db.session.commit()
    return response


def init_app(app: Flask) -> None:
    """Log researchers' reads of pages and API answers."""
    app.after_request(_log_after_request)
