"""`GET /healthz`: is the database reachable, and how far behind is the index? No content."""

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..extensions import db
from ..search.drain import backlog
from ..search.hooks import store
from ..security import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Any:
    """Return {"database": "ok"|"unreachable", "index_backlog": N}; 503 when unhealthy."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not reachable" to a load balancer
        db.session.rollback()
        return jsonify({"database": "unreachable", "index_backlog": None}), 503
    return jsonify({"database": "ok", "index_backlog": backlog(store())})
