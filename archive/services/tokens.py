"""Personal read-only API tokens: shown once, stored hashed, revocable, audited."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db, login_manager
from ..models import ApiToken, User, utcnow
from . import audit
from .errors import ServiceError

PREFIX = "rka_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(user: User, name: str) -> str:
    """Create a token for `user`; return it (the only time it is shown)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ServiceError(_l("Give the token a short name."), "name")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=_hash(token))
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.create", "api_token", row.id, user)
    return token


def revoke(row: ApiToken, actor: Any) -> None:
    """Revoke a token (its owner or an admin)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("api_token.revoke", "api_token", row.id, actor)


def user_for(token: str) -> User | None:
    """Return the active owner of a live token, else None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now
        db.session.commit()
    return user


def load_from_request(req: Any) -> User | None:
    """Flask-Login request loader: `Authorization: Bearer <token>` on GET requests under
    /api/v1 only (tokens are read-only and never open pages)."""
    if req.method != "GET" or not req.path.startswith("/api/v1/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return user_for(token.strip())


def _refuse_bad_tokens() -> None:
    """A request that presents a token must present a live one: a revoked, expired or
    mistyped token gets 401, never a silent downgrade to anonymous."""
    presented = request.path.startswith("/api/") and request.headers.get("Authorization")
    if presented and load_from_request(request) is None:
        abort(401)


def init_app(app: Flask) -> None:
    """Accept API tokens as a way to sign in, for the API only."""
    login_manager.request_loader(lambda _req: load_from_request(request))
    app.before_request(_refuse_bad_tokens)
