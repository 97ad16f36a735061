"""The "this is me / I have a concern" form of a story (public): stores the request for staff
and reveals nothing (the answer never repeats what was sent)."""

from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..forms import ConcernForm
from ..lists import load_visible
from ..security import public
from ..services import concerns
from ..services.errors import ServiceError
from .refusals import fail

bp = Blueprint("concerns", __name__)

KIND_LABELS = {
    "this-is-me": _l("This story is about me"),
    "concern": _l("I have a concern about this story"),
    "other": _l("Something else"),
}


@bp.route("/t/<public_id>/concern", methods=["GET", "POST"])
@public
def form(public_id: str) -> Any:
    t = load_visible(current_user, public_id)
    if t is None:
        abort(404)
    form = ConcernForm()
    form.kind.choices = [(k, str(v)) for k, v in KIND_LABELS.items()]
    if form.validate_on_submit():
        try:
            concerns.submit(t, form.kind.data, form.message.data or "", form.contact.data or "")
            db.session.commit()
            return render_template("concerns/thanks.html", public_id=public_id)
        except ServiceError as error:
            fail(form, error)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("concerns/form.html", form=form, public_id=public_id), status
