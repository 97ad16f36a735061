"""Staff pages of the consent lifecycle: withdrawal and the withdrawal ledger."""

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import EmptyForm, WithdrawForm
from ..lists import load_visible
from ..models import ConcernRequest, Testimony, User
from ..reports import narrator_report
from ..security import requires
from ..services import concerns, withdrawal
from ..services.errors import PermissionDenied, ServiceError
from .refusals import fail

bp = Blueprint("lifecycle", __name__, url_prefix="/staff")

WITHDRAWAL_REASONS = {
    "narrator-request": _l("The narrator asked to withdraw"),
    "safety": _l("The narrator's safety"),
    "consent-invalid": _l("The consent was not valid"),
    "other": _l("Other reason"),
}


@bp.route("/t/<public_id>/withdraw", methods=["GET", "POST"])
@requires("consent.manage")
def withdraw(public_id: str) -> Any:
    t = load_visible(current_user, public_id)
    if t is None:
        abort(404)
    form = WithdrawForm()
    form.reason_code.choices = [(k, str(v)) for k, v in WITHDRAWAL_REASONS.items()]
    if form.validate_on_submit():
        try:
            withdrawal.withdraw(t, current_user, form.reason_code.data, form.confirm_ref.data or "")
            db.session.commit()
            return redirect(url_for("lifecycle.ledger" if _admin() else "staff.dashboard"))
        except PermissionDenied:
            db.session.rollback()
            abort(404)
        except ServiceError as error:
            fail(form, error)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("staff/withdraw.html", t=t, form=form), status


def _admin() -> bool:
    from ..policy import may

    return may(current_user, "admin.area")


@bp.get("/withdrawals")
@requires("admin.area")
def ledger() -> str:
    rows = db.session.execute(
        select(Testimony, User.email)
        .outerjoin(User, User.id == Testimony.withdrawn_by_id)
        .where(Testimony.withdrawn_at.is_not(None))
        .order_by(Testimony.withdrawn_at.desc())
    ).all()
    return render_template(
        "staff/withdrawals.html",
        rows=rows,
        reasons=WITHDRAWAL_REASONS,
        register=len(withdrawal.read_register()),
    )


@bp.post("/concerns/<int:request_id>/handled")
@requires("consent.manage")
def concern_handled(request_id: int) -> Any:
    found = db.session.get(ConcernRequest, request_id)
    if found is None or not EmptyForm().validate_on_submit():
        abort(404)
    concerns.mark_handled(found, current_user)
    db.session.commit()
    return redirect(url_for("staff.dashboard"))


@bp.post("/lockdown")
@requires("admin.area")
def lockdown() -> Any:
    if not EmptyForm().validate_on_submit():
        abort(400)
    concerns.set_lockdown(request.form.get("on") == "1", current_user)
    db.session.commit()
    return redirect(url_for("staff.dashboard"))


@bp.get("/t/<public_id>/report")
@requires("consent.manage")
def report(public_id: str) -> str:
    """ "What is public about me": a printable page in Khmer and English for the
    intermediary to show the narrator."""
    t = load_visible(current_user, public_id)
    if t is None:
        abort(404)
    facts = narrator_report(t)
    parts = []
    for locale in ("km", "en"):
        with force_locale(locale):
            parts.append(render_template("staff/_report_part.html", r=facts, locale=locale))
    return render_template("staff/report.html", t=t, parts=parts)
