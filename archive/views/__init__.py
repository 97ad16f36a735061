"""Blueprints: parse the request, call services/policy/presenters, render. No logic here."""

from flask import Flask

from ..policy import may

# Each UI language is named in itself, so a reader finds her own language whatever is shown.
UI_LOCALE_NAMES = {"km": "ខ្មែរ", "en": "English"}


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from . import api, auth, errors, public, staff

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(api.bp)
    errors.init_app(app)
    app.add_template_global(may, "may")
    app.add_template_global(dict(UI_LOCALE_NAMES), "ui_locale_names")
