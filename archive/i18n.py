"""UI locale negotiation (km and en only) and locale-aware formatting helpers.

The UI locale is never taken raw from the request: `?locale=` and the cookie are checked
against the whitelist first. Content languages (BCP 47 tags of testimony versions) are a
different thing and never reach Babel.
"""

from datetime import date, datetime

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, format_decimal, get_locale

_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def select_locale() -> str:
    """Return the UI locale for this request: ?locale=, then cookie, then Accept-Language."""
    allowed: tuple[str, ...] = current_app.config["UI_LOCALES"]
    asked = request.args.get("locale", "")
    if asked in allowed:
        g.remember_locale = asked
        return asked
    cookie = request.cookies.get(current_app.config["LOCALE_COOKIE"], "")
    if cookie in allowed:
        return cookie
    best = request.accept_languages.best_match(allowed)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_locale(response: ResponseReturnValue) -> ResponseReturnValue:
    """Store an explicitly chosen (and already whitelisted) locale in a cookie."""
    chosen = g.get("remember_locale")
    if chosen:
        response.set_cookie(  # type: ignore[union-attr]
            current_app.config["LOCALE_COOKIE"],
            chosen,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def localize_digits(text: str) -> str:
    """Return `text` with ASCII digits shown as Khmer digits in the Khmer UI (if enabled).

    Babel never prints Khmer digits itself, so the archive maps them. Only for display:
    never apply this to ids, URLs or form values.
    """
    if current_app.config["KHMER_DIGITS"] and str(get_locale()) == "km":
        return text.translate(_KHMER_DIGITS)
    return text


def show_date(value: date | datetime | None, fmt: str = "long") -> str:
    """Return a date formatted for the UI locale (Khmer month names, Khmer digits)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return localize_digits(format_datetime(value, "medium"))
    return localize_digits(format_date(value, fmt))


def show_number(value: int) -> str:
    """Return a number formatted for the UI locale."""
    return localize_digits(format_decimal(value))


def ui_locale() -> str:
    """Return the current UI locale as a plain string ("km" or "en")."""
    return str(get_locale())


def init_app(app: Flask) -> None:
    """Register the locale cookie hook and the template helpers."""
    app.after_request(remember_locale)
    app.add_template_filter(show_date, "show_date")
    app.add_template_filter(show_number, "show_number")
    app.add_template_filter(localize_digits, "digits")
    app.add_template_global(ui_locale, "ui_locale")
    app.add_template_global(locale_url, "locale_url")


def locale_url(code: str) -> str:
    """Return the current page's URL in UI locale `code` (the home page on error pages)."""
    from flask import url_for

    if g.get("error_page") or request.endpoint is None:
        return url_for("public.home", locale=code)
    args = request.args.to_dict(flat=False)
    args["locale"] = [code]
    return url_for(request.endpoint, **(request.view_args or {}), **args)
