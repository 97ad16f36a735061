"""Staff and researcher accounts."""

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .enums import Role, check_in
from .time import utcnow


def new_session_nonce() -> str:
    """Return a fresh random nonce; changing it signs the user out everywhere."""
    return secrets.token_urlsafe(16)


class User(db.Model):
    """An account with exactly one role; anonymous visitors have no row."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie (Flask-Login's alternative id): rotating it revokes every
    # session of this user, which a plain signed cookie cannot do.
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two-factor (TOTP): the shared secret once set up, and the last time step used, so a
    # code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint(check_in("role", Role), name="ck_user_role"),)

    # Flask-Login protocol -------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    # Set by the sessions service when a session is opened or resolved: the login cookie's id.
    cookie_id = ""

    def get_id(self) -> str:
        """Return the login cookie's id ("<user id>:<session token>"); empty until a
        server-side session exists, so Flask-Login cannot issue a cookie without one."""
        return self.cookie_id
