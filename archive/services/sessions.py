"""Server-side sessions: the login cookie names a row here, so signing out ends the session on
the server and a copied cookie stops working; idle and absolute timeouts apply."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import User, UserSession, utcnow
from . import audit

# Touch `last_seen_at` at most this often (a write on every request would be wasteful).
_TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start(user: User) -> str:
    """Open a session for `user`; return the id the login cookie carries ("<user>:<token>")."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    return f"{user.id}:{token}"


def resolve(cookie_id: str) -> User | None:
    """Return the active user of a live session, else None (revoked, expired, malformed)."""
    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token or len(token) > 100:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or row.user_id != int(user_id):
        return None
    now = utcnow()
    config = current_app.config
    if now - row.last_seen_at > timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]):
        return None
    if now - row.created_at > timedelta(seconds=config["SESSION_ABSOLUTE_TIMEOUT"]):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    user.cookie_id = cookie_id
    return user


def end(cookie_id: str) -> None:
    """Revoke the one session a cookie names (sign out on this browser)."""
    _user_id, _, token = cookie_id.partition(":")
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all(user: User, actor: Any, reason: str) -> None:
    """Revoke every session of `user` (password or role change, disabling, "sign out
    everywhere"); audited with a reason code."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record("user.sessions_revoked", "user", user.id, actor, reason=reason)
