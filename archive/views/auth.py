"""Signing in and out."""

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..forms import EmptyForm, LoginForm
from ..security import SIGNED_IN, public, requires, safe_next_url
from ..services.accounts import authenticate, sign_out_everywhere

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    """Show the sign-in form; on success go to `next` (a local path) or home."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()
            login_user(user)
            return redirect(safe_next_url(form.next.data, url_for("public.home")))
        db.session.rollback()
        form.password.errors.append(_("Wrong email or password."))
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@requires(SIGNED_IN)
def logout() -> Any:
    """End the session on the server too: the cookie's nonce stops matching."""
    form = EmptyForm()
    if form.validate_on_submit():
        sign_out_everywhere(current_user._get_current_object(), current_user)
        db.session.commit()
        logout_user()
    return redirect(url_for("public.home"))
