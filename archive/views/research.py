"""Researchers: the account request form, admins' decisions and access log, personal API
tokens, and exports of exactly what the exporter may read."""

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import EmptyForm, ResearcherRequestForm, TokenForm
from ..models import AccessLog, ApiToken, ResearcherRequest, Testimony, User
from ..search.params import ParamError, parse_search_args
from ..security import public, requires
from ..services import exports, research, tokens
from ..services.errors import ServiceError
from .refusals import fail

bp = Blueprint("research", __name__)
export_bp = Blueprint("exports", __name__, url_prefix="/exports")


_attach = fail


@bp.route("/researchers/request", methods=["GET", "POST"])
@public
def request_account() -> Any:
    form = ResearcherRequestForm()
    if form.validate_on_submit():
        try:
            research.request_account(
                form.name.data or "",
                form.email.data or "",
                form.affiliation.data or "",
                form.purpose.data or "",
                bool(form.agree.data),
            )
            db.session.commit()
            return render_template("research/request_sent.html")
        except ServiceError as error:
            db.session.rollback()
            _attach(form, error)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("research/request.html", form=form), status


@bp.get("/admin/researchers")
@requires("admin.area")
def requests() -> str:
    found = db.session.scalars(
        select(ResearcherRequest).order_by(
            ResearcherRequest.status.desc(), ResearcherRequest.created_at
        )
    ).all()
    return render_template("research/requests.html", requests=found, form=EmptyForm(), link=None)


@bp.post("/admin/researchers/<int:request_id>")
@requires("admin.area")
def decide(request_id: int) -> Any:
    found = db.session.get(ResearcherRequest, request_id)
    if found is None or not EmptyForm().validate_on_submit():
        abort(404)
    try:
        token = research.decide(found, request.form.get("decision") == "approve", current_user)
        db.session.commit()
    except ServiceError:
        db.session.rollback()
        abort(400)
    link = url_for("auth.set_password", token=token, _external=True) if token else None
    listing = db.session.scalars(
        select(ResearcherRequest).order_by(ResearcherRequest.created_at)
    ).all()
    return render_template("research/requests.html", requests=listing, form=EmptyForm(), link=link)


@bp.get("/admin/access-log")
@requires("admin.area")
def access_log() -> str:
    rows = db.session.execute(
        select(AccessLog, User.email, Testimony.ref)
        .join(User, User.id == AccessLog.user_id)
        .join(Testimony, Testimony.id == AccessLog.testimony_id)
        .order_by(AccessLog.at.desc())
        .limit(500)
    ).all()
    return render_template("research/access_log.html", rows=rows)


@bp.route("/account/tokens", methods=["GET", "POST"])
@requires("api_token")
def api_tokens() -> Any:
    form = TokenForm()
    shown = None
    if form.validate_on_submit():
        try:
            shown = tokens.create(current_user, form.name.data or "")
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            _attach(form, error)
    mine = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at)
    ).all()
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "research/tokens.html", form=form, tokens=mine, shown=shown, empty_form=EmptyForm()
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@requires("api_token")
def revoke_token(token_id: int) -> Any:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id or not EmptyForm().validate_on_submit():
        abort(404)
    tokens.revoke(row, current_user)
    db.session.commit()
    return redirect(url_for("research.api_tokens"))


@export_bp.get("/new")
@requires("export")
def new() -> Any:
    """Make a download link (valid 15 minutes, for this user only) for a search or list."""
    fmt = request.args.get("format", "csv")
    if fmt not in exports.FORMATS:
        abort(400)
    try:
        params = parse_search_args(request.args)
    except ParamError:
        abort(400)
    return redirect(exports.make_link(current_user, params, fmt), code=303)


@export_bp.get("/<token>")
@requires("export")
def download(token: str) -> Any:
    """Stream the export, built from the policy now (a withdrawal since is respected)."""
    try:
        params, fmt = exports.open_link(token, current_user)
    except exports.LinkRefused:
        abort(404)
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    body = stream_with_context(exports.stream(current_user, params, fmt))
    return Response(
        body,
        mimetype=f"{mimetype}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="archive-export.{fmt}"',
        },
    )
