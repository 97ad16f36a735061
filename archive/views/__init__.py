"""Blueprints: parse the request, call services/policy/presenters, render. No logic here."""

from flask import Flask

from ..policy import may

# Each UI language is named in itself, so a reader finds her own language whatever is shown.
UI_LOCALE_NAMES = {"km": "ខ្មែរ", "en": "English"}


def page_url(number: int) -> str:
    """Return the current URL with `page` set to `number` (other parameters kept)."""
    from flask import request, url_for

    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(request.endpoint or "public.home", **(request.view_args or {}), **args)


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from . import api, auth, errors, health, public, search, staff

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(health.bp)
    from .. import caching
    from . import feeds, pages

    app.register_blueprint(feeds.bp)
    app.register_blueprint(pages.bp)
    caching.init_app(app)  # fingerprinted static files, ETag/304, gzip
    from . import admin_users, concerns, kits, lifecycle, research, translate

    app.register_blueprint(research.bp)
    app.register_blueprint(research.export_bp)
    app.register_blueprint(admin_users.bp)
    app.register_blueprint(lifecycle.bp)
    app.register_blueprint(concerns.bp)

    app.register_blueprint(translate.bp)
    app.register_blueprint(kits.bp)
    from . import admin

    app.register_blueprint(admin.bp)
    from . import statistics  # public statistics with small counts suppressed (issue 8)

    app.register_blueprint(statistics.bp)
    errors.init_app(app)
    app.add_template_global(may, "may")
    app.add_template_global(page_url, "page_url")
    app.add_template_global(dict(UI_LOCALE_NAMES), "ui_locale_names")
