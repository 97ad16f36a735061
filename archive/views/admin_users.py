"""Admin pages for accounts: invite (one-time set-up link), change role, disable, and sign a
user out everywhere. Every action is audited by the accounts service."""

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import EmptyForm, InviteForm, RoleForm
from ..models import Role, User
from ..security import requires
from ..services import accounts
from ..services.errors import PermissionDenied, ServiceError
from .refusals import fail

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")

ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.EDITOR: _l("Editor"),
    Role.TRANSLATOR: _l("Translator"),
    Role.RESEARCHER: _l("Researcher"),
}


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(label)) for role, label in ROLE_LABELS.items()]


@bp.route("/", methods=["GET", "POST"])
@requires("admin.area")
def index() -> Any:
    form = InviteForm()
    form.role.choices = _role_choices()
    link = None
    if form.validate_on_submit():
        try:
            _user, token = accounts.invite(form.email.data or "", form.role.data, current_user)
            db.session.commit()
            link = url_for("auth.set_password", token=token, _external=True)
        except ServiceError as error:
            fail(form, error)
    users = db.session.scalars(select(User).order_by(User.email)).all()
    role_form = RoleForm()
    role_form.role.choices = _role_choices()
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "admin/users.html", users=users, form=form, link=link, role_form=role_form,
        empty_form=EmptyForm(), role_labels=ROLE_LABELS,
    ), status  # fmt: skip


def _user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    if found is None:
        abort(404)
    return found


def _act(action: Any) -> Any:
    try:
        action()
        db.session.commit()
    except PermissionDenied:
        db.session.rollback()
        abort(404)
    except ServiceError:
        db.session.rollback()
        abort(400)
    return redirect(url_for("admin_users.index"))


@bp.post("/<int:user_id>/role")
@requires("admin.area")
def role(user_id: int) -> Any:
    user = _user(user_id)
    form = RoleForm()
    form.role.choices = _role_choices()
    if not form.validate_on_submit():
        abort(400)
    return _act(lambda: accounts.change_role(user, form.role.data, current_user))


@bp.post("/<int:user_id>/active")
@requires("admin.area")
def active(user_id: int) -> Any:
    user = _user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("active") == "1"
    return _act(lambda: accounts.set_active(user, wanted, current_user))


@bp.post("/<int:user_id>/sign-out")
@requires("admin.area")
def sign_out(user_id: int) -> Any:
    user = _user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _act(lambda: accounts.sign_out_everywhere(user, current_user))


@bp.post("/<int:user_id>/reset-link")
@requires("admin.area")
def reset_link(user_id: int) -> Any:
    user = _user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = accounts.issue_token(user, "reset", current_user)
    db.session.commit()
    link = url_for("auth.set_password", token=token, _external=True)
    return render_template("admin/user_link.html", user=user, link=link)
