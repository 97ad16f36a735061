"""Reading search parameters from a request, strictly: a bad value is a clear 400, never a
500 and never a silently different search."""

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import ContentLanguage, VocabularyTerm
from .service import SearchRequest

# Request parameter -> index facet field (vocabularies checked against the database).
VOCAB_PARAMS = ("identity_group", "discrimination_type", "setting", "need")
SORTS = ("relevance", "date")


class ParamError(ValueError):
    """A parameter the search cannot use; `message` is translated, `param` names it."""

    def __init__(self, param: str, message: Any) -> None:
        super().__init__(param)
        self.param = param
        self.message = message


def _int(args: Any, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ParamError(
            name, _l("Use a whole number from %(low)s to %(high)s.", low=low, high=high)
        )
    return int(raw)


def parse_search_args(args: Any) -> SearchRequest:
    """Return the SearchRequest for query parameters; raise ParamError on a bad value."""
    config = current_app.config
    q = args.get("q", "")
    if len(q) > config["SEARCH_MAX_CHARS"]:
        raise ParamError("q", _l("The search is too long."))
    request = SearchRequest(
        q=q,
        page=_int(args, "page", 1, 1, 1000),
        per_page=_int(
            args, "per_page", config["SEARCH_PER_PAGE"], 1, config["SEARCH_MAX_PER_PAGE"]
        ),
    )
    sort = args.get("sort", "") or "relevance"
    if sort not in SORTS:
        raise ParamError("sort", _l("Sort by relevance or by date."))
    request.sort = sort
    language = args.get("language", "")
    if language:
        if db.session.get(ContentLanguage, language) is None:
            raise ParamError("language", _l("Unknown language."))
        request.language = language
    for name in VOCAB_PARAMS:
        values = [v for v in args.getlist(name) if v]
        if not values:
            continue
        known = set(
            db.session.scalars(
                select(VocabularyTerm.slug).where(
                    VocabularyTerm.kind == name, VocabularyTerm.slug.in_(values)
                )
            )
        )
        if set(values) - known:
            raise ParamError(name, _l("Unknown value for this filter."))
        request.filters[name] = values
    provinces = [v for v in args.getlist("province") if v]
    if any(len(v) > 100 for v in provinces):
        raise ParamError("province", _l("Unknown value for this filter."))
    if provinces:
        request.filters["province"] = provinces
    years = [v for v in args.getlist("year") if v]
    if any(not (len(v) == 4 and v.isdigit()) for v in years):
        raise ParamError("year", _l("Use a four-digit year."))
    if years:
        request.filters["year"] = years
    return request
