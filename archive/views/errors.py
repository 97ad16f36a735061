"""Error pages: localized, no stack trace, no echo of the request, JSON under /api/.

404 is the same body whether a thing is hidden or does not exist.
"""

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (
            _("Not signed in"),
            _("The token is not valid. Create a new one on your account page."),
        ),
        403: (_("Not allowed"), _("You may not do this.")),
        404: (
            _("Page not found"),
            _("There is no page at this address, or it is not available to you."),
        ),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is larger than the archive accepts.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        503: (
            _("Temporarily unavailable"),
            _("The archive is not available right now. Please come back later."),
        ),
        500: (
            _("Something went wrong"),
            _(
                "The archive could not complete your request and saved nothing from it. "
                "Please try again later."
            ),
        ),
    }


def render_error(code: int, title: str | None = None, text: str | None = None) -> Any:
    """Return the error response for `code` (HTML, or JSON for API paths)."""
    default_title, default_text = _messages().get(code, _messages()[500])
    title, text = title or default_title, text or default_text
    g.error_page = True
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "message": text}}), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def handle_http(error: HTTPException) -> Any:
    code = error.code or 500
    response = render_error(code if code in _messages() else 500)
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        body, status = response
        return body, status, {"Allow": ", ".join(error.valid_methods)}
    return response


def handle_csrf(error: CSRFError) -> Any:
    return render_error(
        403,
        _("This form has expired"),
        _(
            "For your safety, forms expire. Nothing was saved. "
            "Go back, reload the page and try again."
        ),
    )


def handle_unexpected(error: Exception) -> Any:
    # Last resort: log the exception for operators, show people a plain page.
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
