"""Request guard (deny by default), security headers and safe redirects.

Every view declares who may reach it with `@public` or `@requires(action)`. A view without a
declaration answers 404: forgetting the decorator hides a page instead of exposing it.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .policy import may

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
SIGNED_IN = "signed-in"

# Strict CSP: no inline script or style, nothing from another origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def public(view: F) -> F:
    """Mark a view as reachable by anyone (the policy still filters what it shows)."""
    view._access = PUBLIC  # type: ignore[attr-defined]
    return view


def requires(action: str) -> Callable[[F], F]:
    """Mark a view as reachable only by viewers whose role may do `action` (see policy)."""

    def mark(view: F) -> F:
        view._access = action  # type: ignore[attr-defined]
        return view

    return mark


def refuse_nul() -> Any:
    """before_request: a NUL character in the path, the query or a form is never legitimate
    (and PostgreSQL refuses it in text): answer 400 before anything reads it."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value
        for source in (request.args, request.form)
        for key, value in source.items(multi=True)
    ):
        from .views.errors import render_error

        return render_error(
            400,
            text=_l(
                "The request contained a character the archive cannot store. Nothing was saved."
            ),
        )
    return None


def guard() -> Any:
    """before_request: enforce the view's access declaration; deny undeclared views.

    Anonymous visitors to a protected page go to login; a signed-in user without the role gets
    the same 404 as a missing page (no 403 that would confirm the page exists).
    """
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    view = current_app.view_functions.get(endpoint)
    access = getattr(view, "_access", None)
    if _locked_down(endpoint):
        abort(503)
    if access == PUBLIC:
        return None
    if access is None:
        current_app.logger.error("view %s has no access declaration; denied", endpoint)
        abort(404)
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(404)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if access == SIGNED_IN or may(current_user, access):
        return None
    abort(404)


# Blueprints that keep working during a lockdown: staff work, signing in, health checks.
_LOCKDOWN_OPEN = ("staff.", "translate.", "kits.", "lifecycle.", "admin.", "auth.", "health.")


def _locked_down(endpoint: str) -> bool:
    """Return whether a lockdown closes this endpoint (every public and researcher route)."""
    if endpoint.startswith(_LOCKDOWN_OPEN):
        return False
    from .services.concerns import lockdown_on

    return lockdown_on()


def client_address() -> str:
    """Return the client's address (ProxyFix has applied trusted X-Forwarded-For already)."""
    return request.remote_addr or "unknown"


def safe_next_url(target: str | None, fallback: str) -> str:
    """Return `target` if it is a local path on this site, else `fallback`.

    Refuses absolute URLs, scheme-relative `//host` and backslash tricks browsers normalise.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    return target


def set_headers(response: Response) -> Response:
    """after_request: security headers on every response, error pages included."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint == "static":
        pass  # caching.serve_static sets Cache-Control; static files hold no user data
    elif current_user.is_authenticated:
        # Nothing a signed-in user sees may be kept by a shared computer or a proxy.
        headers["Cache-Control"] = "no-store"
    elif "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-cache"
    if request.endpoint != "static":
        headers.add("Vary", "Cookie")
    return response


# Endpoints whose requests count against the per-client search/API limit.
_LIMITED = ("search.", "api.", "statistics.")


def rate_limit() -> Any:
    """before_request: limit search and API requests per client address across workers;
    a limited request gets the localized 429 page (or JSON) with Retry-After."""
    endpoint = request.endpoint or ""
    if not endpoint.startswith(_LIMITED):
        return None
    from .services.throttle import hit, retry_after

    config = current_app.config
    wait = hit(f"search:{client_address()}", config["SEARCH_RATE_COUNT"],
               config["SEARCH_RATE_WINDOW"])  # fmt: skip
    if not wait:
        return None
    from .views.errors import render_error

    body, status = render_error(429)
    return body, status, {"Retry-After": retry_after(wait)}


def init_app(app: Flask) -> None:
    """Register the guard, the rate limit and the headers hook."""
    app.before_request(refuse_nul)
    app.before_request(guard)
    app.before_request(rate_limit)
    app.after_request(set_headers)
