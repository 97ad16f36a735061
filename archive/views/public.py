"""Public reading: the home page and the testimony page (what the policy lets the viewer read)."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from ..lists import load_visible, visible_page
from ..presenters import testimony_view
from ..security import public

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def home() -> str:
    """Home: the testimonies the viewer may read, newest first."""
    page = visible_page(current_user, request.args.get("page"), current_app.config["PAGE_SIZE"])
    return render_template("public/home.html", page=page)


@bp.get("/t/<public_id>")
@public
def testimony(public_id: str) -> str:
    """One testimony: the versions the viewer may read; `?version=<tag>` opens one."""
    found = load_visible(current_user, public_id)
    if found is None:
        abort(404)
    view = testimony_view(current_user, found, request.args.get("version"))
    return render_template("public/testimony.html", t=view)
