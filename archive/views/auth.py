"""Signing in (password, then two-factor where required), signing out, one-time account links
and one's own password and two-factor settings."""

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..forms import ChangePasswordForm, CodeForm, EmptyForm, LoginForm, NewPasswordForm
from ..models import User
from ..security import SIGNED_IN, client_address, public, requires, safe_next_url
from ..services import accounts, sessions, throttle, twofactor
from ..services.errors import ServiceError
from .errors import render_error

bp = Blueprint("auth", __name__)

PENDING = "pending_sign_in"  # {"uid", "next", "setup"} between the password and the code


def _too_many(wait: float) -> Any:
    body, status = render_error(429)
    return body, status, {"Retry-After": throttle.retry_after(wait)}


def _finish(user: User, next_url: str) -> Any:
    """Open a fresh server-side session (a new session id at every sign-in)."""
    session.clear()
    user.cookie_id = sessions.start(user)
    db.session.commit()
    login_user(user)
    return redirect(safe_next_url(next_url, url_for("public.home")))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    """Password step; throttled per account and per address across all workers."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        keys = throttle.login_keys(form.email.data or "", client_address())
        wait = throttle.blocked_for(keys)
        if wait > 0:
            return _too_many(wait)
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            db.session.rollback()
            throttle.record_failure(keys)  # the next attempt may have to wait
            form.password.errors.append(_("Wrong email or password."))
        else:
            throttle.record_success(keys)
            db.session.commit()
            if user.totp_secret or twofactor.required_for(user):
                session.clear()
                session[PENDING] = {"uid": user.id, "next": form.next.data or "",
                                    "setup": not user.totp_secret}  # fmt: skip
                return redirect(url_for("auth.two_factor"))
            return _finish(user, form.next.data or "")
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/login.html", form=form), status


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
def two_factor() -> Any:
    """Second step: a TOTP or recovery code, or the set-up that some roles must complete."""
    pending = session.get(PENDING)
    user = db.session.get(User, pending["uid"]) if pending else None
    if user is None or not user.active:
        return redirect(url_for("auth.login"))
    if pending["setup"]:
        return _setup(user, pending)
    form = CodeForm()
    if form.validate_on_submit():
        keys = throttle.login_keys(user.email, client_address())
        wait = throttle.blocked_for(keys)
        if wait > 0:
            return _too_many(wait)
        if twofactor.verify(user, form.code.data or ""):
            throttle.record_success(keys)
            return _finish(user, pending["next"])
        db.session.rollback()
        throttle.record_failure(keys)
        form.code.errors.append(_("That code is not right, or was used already."))
    status = 400 if form.errors else 200
    return render_template("auth/two_factor.html", form=form), status


def _setup(user: User, pending: dict[str, Any]) -> Any:
    secret = session.get("totp_secret") or twofactor.new_secret()
    session["totp_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = twofactor.enable(user, secret, form.code.data or "", user)
        if codes is not None:
            session.pop("totp_secret", None)
            response = _finish(user, pending["next"])
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=response.location)  # fmt: skip
        form.code.errors.append(_("That code is not right. Check the time on your phone."))
    status = 400 if form.errors else 200
    return render_template(
        "auth/two_factor_setup.html", form=form, secret=secret, qr=twofactor.qr_svg(user, secret)
    ), status


@bp.post("/logout")
@requires(SIGNED_IN)
def logout() -> Any:
    """End this browser's session on the server (a copied cookie stops working too)."""
    if EmptyForm().validate_on_submit():
        sessions.end(current_user.cookie_id)
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("public.home"))


@bp.route("/account/setup/<token>", methods=["GET", "POST"])
@public
def set_password(token: str) -> Any:
    """A one-time link (first sign-in or reset): choose a password, then sign in."""
    row = accounts.redeem_token(token)
    if row is None:
        abort(404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_with_token(row, form.password.data or "")
            db.session.commit()
            return redirect(url_for("auth.login"))
        except ServiceError as error:
            db.session.rollback()
            form.password.errors.append(str(error.message))
    status = 400 if form.errors else 200
    return render_template("auth/set_password.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@requires(SIGNED_IN)
def account() -> Any:
    """One's own account: change the password, sign out everywhere."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current.data or "", form.password.data or ""
            )
            db.session.commit()
            return _finish(current_user._get_current_object(), url_for("auth.account"))
        except ServiceError as error:
            db.session.rollback()
            target = form.current if error.field == "current" else form.password
            target.errors.append(str(error.message))
    status = 400 if form.errors else 200
    return render_template(
        "auth/account.html", form=form, empty_form=EmptyForm(),
        two_factor_required=twofactor.required_for(current_user),
        idle_minutes=current_app.config["SESSION_IDLE_TIMEOUT"] // 60,
    ), status  # fmt: skip


@bp.post("/account/sign-out-everywhere")
@requires(SIGNED_IN)
def sign_out_everywhere() -> Any:
    if EmptyForm().validate_on_submit():
        accounts.sign_out_everywhere(current_user, current_user)
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@requires(SIGNED_IN)
def own_two_factor() -> Any:
    """Turn on two-factor sign-in for one's own account (optional for most staff)."""
    user = current_user._get_current_object()
    secret = session.get("totp_secret") or twofactor.new_secret()
    session["totp_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = twofactor.enable(user, secret, form.code.data or "", user)
        if codes is not None:
            db.session.commit()
            session.pop("totp_secret", None)
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=url_for("auth.account"))  # fmt: skip
        form.code.errors.append(_("That code is not right. Check the time on your phone."))
    status = 400 if form.errors else 200
    return render_template(
        "auth/two_factor_setup.html", form=form, secret=secret, qr=twofactor.qr_svg(user, secret)
    ), status
