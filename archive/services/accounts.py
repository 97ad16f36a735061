"""Accounts: creating users and checking passwords (Argon2id via argon2-cffi)."""

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Role, User, new_session_nonce, utcnow
from . import audit
from .errors import ServiceError
from .testimonies import check

MIN_PASSWORD = 12
MAX_PASSWORD = 256

_hasher = PasswordHasher()
# A real hash to verify against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


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
    user = User(email=email, password_hash=_hasher.hash(password), role=role)
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
        _hasher.verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def sign_out_everywhere(user: User, actor: Any) -> None:
    """End every session of `user` by rotating the nonce their cookies carry; audited."""
    user.session_nonce = new_session_nonce()
    audit.record("user.sessions_revoked", "user", user.id, actor)
