"""The translation workspace: queue, side-by-side editor, review, history, claims, preview."""

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from .. import choices, workspace, workspace_editor
from ..extensions import db
from ..forms import EmptyForm, QueueFilterForm, ReviewForm, TranslationForm
from ..lists import load_visible
from ..models import ContentLanguage, Testimony
from ..policy import Tier, visible_text
from ..security import requires, safe_next_url
from ..services import translation, versions
from ..services.errors import PermissionDenied, ServiceError
from ..services.inputs import VersionInput
from ..services.versions import ConflictError
from ..text.blocks import join_blocks
from ..text.markdown import render_markdown

bp = Blueprint("translate", __name__, url_prefix="/translate")


def _target(public_id: str, language: str) -> Testimony:
    found = load_visible(current_user, public_id)
    if found is None or db.session.get(ContentLanguage, language) is None:
        abort(404)
    return found


def _back(t: Testimony, language: str, **args: str) -> Any:
    return redirect(url_for("translate.editor", public_id=t.public_id, language=language, **args))


@bp.get("/")
@requires("version.edit")
def queue() -> str:
    form = QueueFilterForm(request.args)
    workspace_editor.fill_queue_choices(form)
    valid = form.validate()
    filters = {
        k: form.data[k] or "" for k in ("language", "state", "identity_group", "organisation")
    }
    found = workspace.build_queue(**(filters if valid else {}))
    return render_template(
        "translate/queue.html",
        form=form,
        queue=found,
        labels=workspace_editor.STATE_LABELS,
        claim_form=EmptyForm(),
    ), (200 if valid else 400)


@bp.route("/<public_id>/<language>", methods=["GET", "POST"])
@requires("version.edit")
def editor(public_id: str, language: str) -> Any:
    t = _target(public_id, language)
    wanted = request.values.get("source")
    form = TranslationForm()
    context = workspace_editor.editor_context(t, language, wanted)
    conflict = None
    if request.method == "GET" and context.target_revision is not None:
        form.title.data = context.target_revision.title
        form.summary.data = context.target_revision.summary
        form.base_revision_id.data = str(context.target_revision.id)
    if form.validate_on_submit():
        blocks = request.form.getlist("block")
        body = form.body.data if request.form.get("mode") == "whole" else join_blocks(blocks)
        try:
            _save(t, language, context, form, body or "")
            db.session.commit()
            return _back(t, language, source=context.source.language if context.source else "")
        except ConflictError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
            conflict = workspace_editor.editor_context(t, language, wanted).target_revision
        except ServiceError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
    return render_template(
        "translate/editor.html",
        c=context,
        form=form,
        conflict=conflict,
        mine=request.form.getlist("block") if request.method == "POST" else None,
        review_form=ReviewForm(),
        empty_form=EmptyForm(),
        labels=workspace_editor.STATE_LABELS,
        claim=translation.current_claim(t, language),
        language_name=workspace_editor.language_name,
    ), (400 if request.method == "POST" else 200)


def _save(t: Testimony, language: str, context: Any, form: TranslationForm, body: str) -> None:
    base = form.base_revision_id.data
    if context.version is None:
        versions.add_version(
            t,
            VersionInput(
                language=language,
                kind="translation",
                translated_from=context.source.language if context.source else None,
                title=form.title.data or "",
                summary=form.summary.data or "",
                body=body,
            ),
            current_user,
        )
        return
    versions.save_revision(
        context.version,
        form.title.data or "",
        form.summary.data or "",
        body,
        current_user,
        note=form.note.data or "",
        base_revision_id=int(base) if base and base.isdigit() else None,
    )


@bp.post("/<public_id>/<language>/review")
@requires("revision.propose")
def review(public_id: str, language: str) -> Any:
    t = _target(public_id, language)
    version = t.version_for(language)
    form = ReviewForm()
    form.to.choices = choices.labelled(choices.REVISION_STATUS_LABELS)
    if version is None or version.latest is None or not form.validate_on_submit():
        abort(400)
    try:
        versions.set_revision_status(
            version.latest, form.to.data, current_user, comment=form.comment.data or ""
        )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        return _editor_with_error(t, language, error)
    return _back(t, language)


@bp.post("/<public_id>/<language>/claim")
@requires("version.edit")
def claim(public_id: str, language: str) -> Any:
    return _claim_action(public_id, language, translation.claim)


@bp.post("/<public_id>/<language>/release")
@requires("version.edit")
def release(public_id: str, language: str) -> Any:
    return _claim_action(public_id, language, translation.release)


def _claim_action(public_id: str, language: str, action: Any) -> Any:
    t = _target(public_id, language)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(t, language, current_user)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        return _editor_with_error(t, language, error)
    return redirect(safe_next_url(request.form.get("next"), url_for("translate.queue")))


@bp.post("/<public_id>/<language>/confirm")
@requires("version.edit")
def confirm(public_id: str, language: str) -> Any:
    t = _target(public_id, language)
    version = t.version_for(language)
    if version is None or not EmptyForm().validate_on_submit():
        abort(400)
    try:
        translation.confirm_source(version, current_user)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        return _editor_with_error(t, language, error)
    return _back(t, language)


@bp.get("/<public_id>/<language>/history")
@requires("version.edit")
def history(public_id: str, language: str) -> Any:
    t = _target(public_id, language)
    version = t.version_for(language)
    if version is None or not version.revisions:
        abort(404)
    by_id = {r.id: r for r in version.revisions}
    newest = version.revisions[-1]
    older = version.revisions[-2] if len(version.revisions) > 1 else None
    a = by_id.get(request.args.get("a", type=int) or 0, older)
    b = by_id.get(request.args.get("b", type=int) or 0, newest)
    lines = workspace.diff(workspace.revision_text(a), workspace.revision_text(b))
    return render_template(
        "translate/history.html", t=t, version=version, a=a, b=b, lines=lines,
        labels=choices.REVISION_STATUS_LABELS,
    )  # fmt: skip


@bp.post("/preview")
@requires("version.edit")
def preview() -> Any:
    """Render Markdown exactly as readers' pages do (staff view of redactions); JSON."""
    body = (request.get_json(silent=True) or {}).get("body", "")
    if not isinstance(body, str) or len(body) > 200_000:
        abort(400)
    return jsonify({"html": str(render_markdown(visible_text(Tier.STAFF, body, "")))})


def _editor_with_error(t: Testimony, language: str, error: ServiceError) -> Any:
    if isinstance(error, PermissionDenied):
        abort(404)  # a role that may not do this gets the ordinary 404, never a 403
    context = workspace_editor.editor_context(t, language, None)
    form = TranslationForm()
    if context.target_revision is not None:
        form.title.data = context.target_revision.title
        form.summary.data = context.target_revision.summary
        form.base_revision_id.data = str(context.target_revision.id)
    form.form_errors.append(str(error.message))
    return render_template(
        "translate/editor.html", c=context, form=form, conflict=None, mine=None,
        review_form=ReviewForm(), empty_form=EmptyForm(), labels=workspace_editor.STATE_LABELS,
        claim=translation.current_claim(t, language), language_name=workspace_editor.language_name,
    ), 400  # fmt: skip
