"""Search: the HTML page and the JSON API, both with the caller's visibility."""

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..search.facets import facet_view
from ..search.params import ParamError, parse_search_args
from ..search.query import QueryError
from ..search.service import SearchPage, search
from ..security import public

bp = Blueprint("search", __name__)

QUERY_MESSAGES = {
    "empty": _l("Type a word to search for."),
    "too_long": _l("The search is too long. Use fewer words."),
    "too_many_terms": _l("The search has too many words. Use fewer words."),
    "syntax": _l("The search could not be understood."),
}


def _run(browse: bool = False) -> tuple[SearchPage | None, Any, int]:
    """Return (page, error message, status) for the current request's parameters.

    Without words or filters the page shows only its form; with `browse` (the API) the
    answer lists everything the caller may read, newest first.
    """
    try:
        params = parse_search_args(request.args)
    except ParamError as error:
        return None, error.message, 400
    if not params.q.strip() and not params.filters and not params.language and not browse:
        return None, None, 200
    try:
        return search(current_user, params), None, 200
    except QueryError as error:
        return None, QUERY_MESSAGES.get(error.code, QUERY_MESSAGES["syntax"]), 400


@bp.get("/search")
@public
def page() -> Any:
    """The search page: form, results with highlighted snippets, facets, pagination."""
    found, error, status = _run()
    facets = facet_view(found.facets, request.args) if found else []
    return render_template(
        "search/search.html", found=found, error=error, facets=facets, args=request.args
    ), status


@bp.get("/api/v1/search")
@public
def api() -> Any:
    """The search API: the same parameters and visibility as the page, as JSON."""
    found, error, status = _run(browse=True)
    if error is not None or found is None:
        return jsonify({"error": {"status": status, "message": str(error)}}), status
    return jsonify(
        {
            "query": found.request.q,
            "total": found.total,
            "page": found.request.page,
            "per_page": found.request.per_page,
            "results": [
                {
                    "id": item.id,
                    "url": url_for("public.testimony", public_id=item.id, version=item.language),
                    "title": item.title,
                    "language": item.language,
                    "snippet": str(item.snippet),
                    "other_languages": item.other_languages,
                    "identity_groups": item.identity_groups,
                    "discrimination_types": item.discrimination_types,
                    "recorded_on": item.recorded_on.isoformat() if item.recorded_on else None,
                }
                for item in found.results
            ],
            "facets": found.facets,
        }
    )
