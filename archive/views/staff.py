"""Staff forms: testimonies, versions, revisions, consent and publication.

Handlers only parse forms, call services and render; permissions are checked by the request
guard (roles) and again by the services (actions).
"""

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import choices, crypto
from ..extensions import db
from ..forms import (
    ConsentForm,
    EmptyForm,
    RevisionForm,
    StatusForm,
    TestimonyForm,
    TransitionForm,
    VersionForm,
)
from ..lists import load_visible, visible_page
from ..models import Narrator, Revision, Testimony, VocabularyKind
from ..policy import may
from ..presenters import testimony_view
from ..security import requires
from ..services import concerns, testimonies, versions
from ..services import consent as consent_service
from ..services.errors import ServiceError
from ..services.inputs import ConsentInput, NarratorInput, TestimonyInput, VersionInput
from ..services.versions import ConflictError
from .refusals import fail

bp = Blueprint("staff", __name__, url_prefix="/staff")

VOCAB_FIELDS = [kind.value for kind in VocabularyKind]


def _load(public_id: str) -> Testimony:
    found = load_visible(current_user, public_id)
    if found is None:
        abort(404)
    return found


_fail = fail


@bp.get("/")
@requires("staff.area")
def dashboard() -> str:
    page = visible_page(current_user, request.args.get("page"), 50)
    return render_template(
        "staff/dashboard.html",
        page=page,
        concerns=concerns.open_requests() if may(current_user, "consent.manage") else [],
        reviews=consent_service.consents_to_review(),
        lockdown=concerns.lockdown_on(),
        empty_form=EmptyForm(),
    )


@bp.get("/t/<public_id>")
@requires("staff.area")
def detail(public_id: str) -> str:
    t = _load(public_id)
    return render_template(
        "staff/detail.html",
        t=testimony_view(current_user, t, request.args.get("version")),
        model=t,
        status_form=_status_form(t),
        empty_form=EmptyForm(),
        revision_labels=choices.REVISION_STATUS_LABELS,
        status_labels=choices.TESTIMONY_STATUS_LABELS,
        level_labels=choices.CONSENT_LEVEL_LABELS,
        transitions=set(versions.TRANSITIONS),
    )


@bp.route("/testimonies/new", methods=["GET", "POST"])
@requires("testimony.create")
def create() -> Any:
    form = _testimony_form()
    if form.validate_on_submit():
        try:
            t = testimonies.create_testimony(_testimony_input(form), current_user)
            db.session.commit()
            return redirect(url_for("staff.detail", public_id=t.public_id))
        except ServiceError as error:
            _fail(form, error)
    return _render_form("staff/testimony_form.html", form, t=None)


@bp.route("/t/<public_id>/edit", methods=["GET", "POST"])
@requires("testimony.edit")
def edit(public_id: str) -> Any:
    t = _load(public_id)
    form = _testimony_form(obj=None if request.method == "POST" else t)
    if request.method == "GET":
        _fill_testimony_form(form, t)
    if form.validate_on_submit():
        try:
            data = _testimony_input(form)
            data.status = t.status
            testimonies.update_testimony(t, data, current_user)
            db.session.commit()
            return redirect(url_for("staff.detail", public_id=t.public_id))
        except ServiceError as error:
            _fail(form, error)
    return _render_form("staff/testimony_form.html", form, t=t)


@bp.post("/t/<public_id>/status")
@requires("testimony.publish")
def set_status(public_id: str) -> Any:
    t = _load(public_id)
    form = _status_form(t)
    if form.validate_on_submit():
        try:
            testimonies.set_status(t, form.status.data, current_user)
            db.session.commit()
        except ServiceError:
            db.session.rollback()
            abort(400)
        return redirect(url_for("staff.detail", public_id=t.public_id))
    abort(400)


@bp.route("/t/<public_id>/consent", methods=["GET", "POST"])
@requires("consent.manage")
def consent(public_id: str) -> Any:
    t = _load(public_id)
    form = _consent_form(t if request.method == "GET" else None)
    if form.validate_on_submit():
        data = ConsentInput(
            level=form.level.data,
            given_on=form.given_on.date,
            method=form.method.data or None,
            recorded_by=form.recorded_by.data or "",
            witness=form.witness.data or "",
            publish_languages=list(form.publish_languages.data or []),
            show_alias=form.show_alias.data,
            count_in_statistics=form.count_in_statistics.data,
            review_on=form.review_on.date,
            note=form.note.data or "",
        )
        try:
            consent_service.apply_consent(t, data, current_user, form.reason_code.data)
            db.session.commit()
            return redirect(url_for("staff.detail", public_id=t.public_id))
        except ServiceError as error:
            _fail(form, error)
    return _render_form("staff/consent_form.html", form, t=t)


@bp.route("/t/<public_id>/versions/new", methods=["GET", "POST"])
@requires("version.edit")
def new_version(public_id: str) -> Any:
    t = _load(public_id)
    form = VersionForm()
    form.language.choices = choices.languages()
    form.kind.choices = choices.labelled(choices.VERSION_KIND_LABELS)
    form.translated_from.choices = [("", "—")] + [(v.language, v.language) for v in t.versions]
    if form.validate_on_submit():
        data = VersionInput(
            language=form.language.data,
            kind=form.kind.data,
            translated_from=form.translated_from.data or None,
            title=form.title.data or "",
            summary=form.summary.data or "",
            body=form.body.data or "",
        )
        try:
            versions.add_version(t, data, current_user)
            db.session.commit()
            return redirect(url_for("staff.detail", public_id=t.public_id, version=data.language))
        except ServiceError as error:
            _fail(form, error)
    return _render_form("staff/version_form.html", form, t=t)


@bp.route("/t/<public_id>/versions/<language>/edit", methods=["GET", "POST"])
@requires("version.edit")
def edit_version(public_id: str, language: str) -> Any:
    t = _load(public_id)
    version = t.version_for(language)
    if version is None or version.latest is None:
        abort(404)
    latest = version.latest
    form = RevisionForm(obj=latest if request.method == "GET" else None)
    if request.method == "GET":
        form.base_revision_id.data = str(latest.id)
        form.note.data = ""
    conflict = None
    if form.validate_on_submit():
        base = form.base_revision_id.data
        try:
            versions.save_revision(
                version,
                form.title.data or "",
                form.summary.data or "",
                form.body.data or "",
                current_user,
                note=form.note.data or "",
                base_revision_id=int(base) if base and base.isdigit() else None,
            )
            db.session.commit()
            return redirect(url_for("staff.detail", public_id=t.public_id, version=language))
        except ConflictError as error:
            _fail(form, error)
            conflict = version.latest
        except ServiceError as error:
            _fail(form, error)
    return _render_form("staff/revision_form.html", form, t=t, version=version, conflict=conflict)


@bp.post("/t/<public_id>/revisions/<int:revision_id>/status")
@requires("revision.propose")
def revision_status(public_id: str, revision_id: int) -> Any:
    t = _load(public_id)
    revision = db.session.get(Revision, revision_id)
    if revision is None or revision.version.testimony_id != t.id:
        abort(404)
    form = TransitionForm()
    form.to.choices = choices.labelled(choices.REVISION_STATUS_LABELS)
    if not form.validate_on_submit():
        abort(400)
    try:
        versions.set_revision_status(revision, form.to.data, current_user)
        db.session.commit()
    except ServiceError:
        db.session.rollback()
        abort(400)
    return redirect(
        url_for("staff.detail", public_id=t.public_id, version=revision.version.language)
    )


# -- form helpers ----------------------------------------------------------------------------


def _render_form(template: str, form: FlaskForm, **context: Any) -> Any:
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _status_form(t: Testimony) -> StatusForm:
    form = StatusForm(status=t.status) if request.method == "GET" else StatusForm()
    form.status.choices = choices.labelled(choices.TESTIMONY_STATUS_LABELS)
    return form


def _testimony_form(obj: Any = None) -> TestimonyForm:
    form = TestimonyForm(obj=obj)
    form.original_language.choices = [("", "—"), *choices.languages()]
    for kind in VOCAB_FIELDS:
        getattr(form, kind).choices = choices.terms(kind)
    form.organisations.choices = choices.organisations()
    return form


def _fill_testimony_form(form: TestimonyForm, t: Testimony) -> None:
    form.recorded_on.data = t.recorded_on.isoformat() if t.recorded_on else ""
    form.original_language.data = t.original_language or ""
    for kind in VOCAB_FIELDS:
        getattr(form, kind).data = [term.slug for term in t.terms_of(kind)]
    form.organisations.data = [o.code for o in t.organisations]
    narrator = db.session.scalar(select(Narrator).where(Narrator.testimony_id == t.id))
    if narrator is not None:
        for name in ("legal_name", "contact", "gender", "age_range"):
            value = getattr(narrator, name)
            getattr(form, name).data = value
            if crypto.is_unavailable(value):
                getattr(form, name).render_kw = {
                    "disabled": True,
                    "placeholder": crypto.unavailable_label(),
                }


def _testimony_input(form: TestimonyForm) -> TestimonyInput:
    return TestimonyInput(
        ref=(form.ref.data or "").strip(),
        recorded_on=form.recorded_on.date,
        province=form.province.data or "",
        district=form.district.data or "",
        commune=form.commune.data or "",
        village=form.village.data or "",
        narrator_alias=form.narrator_alias.data or "",
        event=form.event.data or "",
        content_warning=form.content_warning.data,
        original_language=form.original_language.data or None,
        terms={kind: list(getattr(form, kind).data or []) for kind in VOCAB_FIELDS},
        organisations=list(form.organisations.data or []),
        narrator=NarratorInput(
            legal_name=form.legal_name.data or "",
            contact=form.contact.data or "",
            gender=form.gender.data or "",
            age_range=form.age_range.data or "",
        ),
    )


def _consent_form(t: Testimony | None) -> ConsentForm:
    form = ConsentForm()
    if t is not None and t.consent is not None:
        c = t.consent
        form.level.data = c.level
        form.given_on.data = c.given_on.isoformat() if c.given_on else ""
        form.method.data = c.method or ""
        form.recorded_by.data = c.recorded_by
        form.witness.data = c.witness
        form.publish_languages.data = sorted(c.language_tags)
        form.show_alias.data = c.show_alias
        form.count_in_statistics.data = c.count_in_statistics
        form.review_on.data = c.review_on.isoformat() if c.review_on else ""
        form.note.data = c.note
    # Withdrawal has its own form (it erases the testimony and asks for the reference).
    form.level.choices = [
        (code, label)
        for code, label in choices.labelled(choices.CONSENT_LEVEL_LABELS)
        if code != "withdrawn"
    ]
    form.method.choices = [("", "—"), *choices.labelled(choices.CONSENT_METHOD_LABELS)]
    form.publish_languages.choices = choices.languages()
    form.reason_code.choices = [
        (code, label) for code, label in choices.labelled(choices.REASON_LABELS) if code != "import"
    ]
    return form
