"""Accounts: creating users and checking passwords (Argon2id via argon2-cffi)."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import AccountToken, Role, User, utcnow
from . import audit, sessions
from .errors import ServiceError
from .testimonies import check

MIN_PASSWORD = 12
MAX_PASSWORD = 256


def _hasher() -> PasswordHasher:
    """Return Argon2id with the parameters of the PASSWORD_HASH setting (argon2-cffi's
    defaults in production; tests use cheaper ones)."""
    return PasswordHasher(**(current_app.config.get("PASSWORD_HASH") or {}))


# A password hash that no password matches (invited users until they set theirs).
UNUSABLE = "!unusable"
# A real hash to verify against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = PasswordHasher().hash("not-a-password-of-anyone")


def normalise_email(email: str) -> str:
    """Return the email as stored: stripped and lower-cased."""
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    """Raise ServiceError when a new password is too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise ServiceError(_l("Use at least %(n)s characters.", n=MIN_PASSWORD), "password")
    if len(password) > MAX_PASSWORD:
        raise ServiceError(_l("Use at most %(n)s characters.", n=MAX_PASSWORD), "password")


def create_user(email: str, password: str, role: str, actor: Any) -> User:
    """Create an account; returns the flushed user. Raises ServiceError on bad input."""
    check(actor, "admin.area")
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ServiceError(_l("Enter a valid email address."), "email")
    if role not in set(Role):
        raise ServiceError(_l("Unknown role."), "role")
    check_password_rules(password)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ServiceError(_l("This email address is already registered."), "email")
    user = User(email=email, password_hash=_hasher().hash(password), role=role)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, actor, role=role)
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, else None.

    Rehashes the password when the Argon2 parameters changed since it was stored.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher().verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    user.last_login_at = utcnow()
    return user


def hash_password(password: str) -> str:
    """Return the Argon2id hash of a password that passed `check_password_rules`."""
    return _hasher().hash(password)


def invite(email: str, role: str, actor: Any) -> tuple[User, str]:
    """Create an account without a usable password; return it and a one-time set-up token."""
    user = create_user(email, secrets.token_urlsafe(32), role, actor)
    user.password_hash = UNUSABLE
    return user, issue_token(user, "setup", actor)


def issue_token(user: User, purpose: str, actor: Any) -> str:
    """Return a new one-time link token (first set-up or reset); only its hash is stored."""
    if purpose not in ("setup", "reset"):
        raise ServiceError(_l("Unknown link."))
    token = secrets.token_urlsafe(32)
    hours = current_app.config["ACCOUNT_LINK_HOURS"]
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_token_hash(token),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    audit.record(f"user.{purpose}_link", "user", user.id, actor)
    return token


def redeem_token(token: str) -> AccountToken | None:
    """Return the unused, unexpired link row for `token`, else None (reveals nothing)."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _token_hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def set_password_with_token(row: AccountToken, password: str) -> User:
    """Set the password of the link's user, spend the link, end their other sessions."""
    check_password_rules(password)
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise ServiceError(_l("This link is not valid any more."))
    user.password_hash = _hasher().hash(password)
    row.used_at = utcnow()
    sessions.end_all(user, user, "password_set")
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password (the current one is asked again); ends other sessions."""
    try:
        _hasher().verify(user.password_hash, current[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        raise ServiceError(_l("The current password is not right."), "current") from None
    check_password_rules(new)
    user.password_hash = _hasher().hash(new)
    sessions.end_all(user, user, "password_changed")


def change_role(user: User, role: str, actor: Any) -> None:
    """Give a user another role (admins); ends the user's sessions so the change applies."""
    check(actor, "admin.area")
    if role not in set(Role):
        raise ServiceError(_l("Unknown role."), "role")
    if user.role == role:
        return
    old = user.role
    user.role = role
    audit.record("user.role", "user", user.id, actor, old=old, new=role)
    sessions.end_all(user, actor, "role_changed")


def set_active(user: User, active: bool, actor: Any) -> None:
    """Disable or re-enable an account (admins); disabling ends its sessions."""
    check(actor, "admin.area")
    if getattr(actor, "id", None) == user.id and not active:
        raise ServiceError(_l("You cannot disable your own account."))
    if user.active == active:
        return
    user.active = active
    audit.record("user.enabled" if active else "user.disabled", "user", user.id, actor)
    if not active:
        sessions.end_all(user, actor, "disabled")


def sign_out_everywhere(user: User, actor: Any) -> None:
    """End every session of `user` (an admin's action, or the user's own)."""
    sessions.end_all(user, actor, "sign_out_everywhere")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()
