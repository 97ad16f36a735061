"""Static information pages of the public site (their text lives in the templates, through
the catalogs like every other string)."""

from flask import Blueprint, render_template

from ..security import public

bp = Blueprint("pages", __name__)


@bp.get("/about/consent")
@public
def about_consent() -> str:
    """How stories are collected, who sees what, how a narrator withdraws, and what lies
    beyond the archive's reach."""
    return render_template("pages/about_consent.html")
