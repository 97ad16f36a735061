"""Offline translation kits (XLIFF 1.2): download one testimony × language, upload it back as
a new draft revision. Staff only, like the rest of the workspace."""

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from .. import workspace_editor
from ..extensions import db
from ..lists import load_visible
from ..messages import redaction_marker
from ..models import ContentLanguage, Testimony
from ..security import requires
from ..services import versions, xliff
from ..services.errors import ServiceError
from ..services.inputs import VersionInput
from ..services.versions import ConflictError

bp = Blueprint("kits", __name__, url_prefix="/translate")

KIT_MESSAGES = {
    "wrong_language": _l("This kit is for another language."),
    "wrong_source": _l("This kit was made from another source version."),
    "no_source": _l("There is no source text to translate yet."),
    "too_large": _l("The file is too large."),
    "not_xml": _l("The file is not a readable XLIFF file."),
    "doctype": _l("The file contains declarations the archive does not accept."),
    "not_xliff": _l("The file is not a readable XLIFF file."),
    "wrong_version": _l("The file is not XLIFF 1.2."),
    "not_kit": _l("The file is not a translation kit from this archive."),
    "wrong_testimony": _l("This kit belongs to another testimony."),
    "unknown_source": _l("The kit names a source text this testimony does not have."),
    "redacted_kit": _l("This kit was made for readers and cannot be uploaded."),
    "missing_units": _l("Parts of the kit are missing."),
    "empty_title": _l("The title is empty."),
    "empty_body": _l("The text is empty."),
}


class KitForm(FlaskForm):
    kit = FileField(_l("Translation kit (.xlf)"))


def _target(public_id: str, language: str) -> Testimony:
    found = load_visible(current_user, public_id)
    if found is None or db.session.get(ContentLanguage, language) is None:
        abort(404)
    return found


@bp.get("/<public_id>/<language>/kit.xlf")
@requires("version.edit")
def download(public_id: str, language: str) -> Any:
    t = _target(public_id, language)
    context = workspace_editor.editor_context(t, language, request.args.get("source"))
    if context.source is None:
        abort(404)
    try:
        data = xliff.build_kit(t, context.source, language, staff=True, marker=redaction_marker())
    except xliff.KitError:
        abort(404)
    return Response(
        data,
        mimetype="application/x-xliff+xml",
        headers={
            "Content-Disposition": f'attachment; filename="{xliff.kit_filename(t, language)}"'
        },
    )


@bp.route("/<public_id>/<language>/kit", methods=["GET", "POST"])
@requires("version.edit")
def upload(public_id: str, language: str) -> Any:
    t = _target(public_id, language)
    form = KitForm()
    error, upload_result = None, None
    if form.validate_on_submit():
        data = request.files["kit"].read() if "kit" in request.files else b""
        try:
            upload_result = xliff.read_kit(
                data,
                testimony=t,
                target_language=language,
                max_bytes=current_app.config["XLIFF_MAX_BYTES"],
            )
            _store(t, language, upload_result)
            db.session.commit()
        except xliff.KitError as failure:
            db.session.rollback()
            error, upload_result = KIT_MESSAGES.get(failure.code, KIT_MESSAGES["not_kit"]), None
        except ServiceError as failure:
            db.session.rollback()
            error, upload_result = failure.message, None
    elif request.method == "POST":
        error = _l("This form has expired. Nothing was saved.")
    status = 400 if error else 200
    return render_template(
        "translate/kit.html", t=t, language=language, form=form, error=error, done=upload_result
    ), status


def _store(t: Testimony, language: str, upload: xliff.KitUpload) -> None:
    version = t.version_for(language)
    if version is None:
        versions.add_version(
            t,
            VersionInput(
                language=language,
                kind="translation",
                translated_from=upload.source_language,
                title=upload.title,
                summary=upload.summary,
                body=upload.body,
            ),
            current_user,
        )
        return
    if upload.stale_base and upload.base_revision_id is None:
        raise ConflictError(_l("Someone saved this version while you were editing."))
    versions.save_revision(
        version,
        upload.title,
        upload.summary,
        upload.body,
        current_user,
        note=str(_l("Uploaded translation kit")),
        base_revision_id=upload.base_revision_id,
    )
