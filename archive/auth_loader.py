"""Flask-Login wiring: the cookie holds "user id:session nonce" (the alternative-id pattern).

Rotating a user's nonce (logout everywhere, role or password change, disabling) makes every
cookie issued before it stop working, which Flask's signed cookie alone cannot do.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

from .extensions import db, login_manager
from .models import User


def load_user(cookie_id: str) -> User | None:
    """Return the active user whose id and current nonce match the cookie, else None."""
    user_id, _, nonce = cookie_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def init_app(app: Flask) -> None:
    """Configure the login manager."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
