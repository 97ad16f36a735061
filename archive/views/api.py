"""The JSON API (session login). Same policy and same 404 as the pages."""

from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from ..lists import load_visible
from ..openapi import spec
from ..presenters import testimony_json
from ..security import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@public
def openapi() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(spec())


@bp.get("/testimonies/<public_id>")
@public
def testimony(public_id: str) -> Any:
    """Return what the caller may read of one testimony; 404 when hidden or missing."""
    found = load_visible(current_user, public_id)
    if found is None:
        abort(404)
    return jsonify(testimony_json(current_user, found, request.args.get("version")))
