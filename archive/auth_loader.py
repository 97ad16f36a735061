"""Flask-Login wiring: the cookie names a server-side session row (services.sessions), so a
session can be ended on the server: signing out, a password or role change, disabling, or an
admin's "sign out everywhere" makes a copied cookie useless."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from .extensions import login_manager
from .models import User
from .services import sessions


def load_user(cookie_id: str) -> User | None:
    """Return the user of a live session named by the cookie, else None."""
    return sessions.resolve(cookie_id)


def init_app(app: Flask) -> None:
    """Configure the login manager."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    # "strong" would drop the session when a phone changes networks; revocation and timeouts
    # are handled server-side instead.
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
