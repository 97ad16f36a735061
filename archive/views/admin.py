"""Admin pages for reference data: content languages, vocabularies and support contacts.

Handlers only parse forms, call `archive.services.reference` and redirect or re-render; every
view is for admins (`admin.area`), and the services check it again.
"""

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from ..admin_forms import (
    DIRECTION_LABELS,
    KIND_LABELS,
    LanguageForm,
    MoveForm,
    NewLanguageForm,
    NewTermForm,
    SupportContactForm,
    TermForm,
)
from ..extensions import db
from ..forms import EmptyForm
from ..models import ContentLanguage, SupportContact, VocabularyTerm
from ..security import requires
from ..services import reference
from ..services.errors import PermissionDenied, ServiceError
from .refusals import fail

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMIN = "admin.area"


_fail = fail


def _render(template: str, form: FlaskForm, **context: Any) -> Any:
    """Render a form page: 400 when a submitted form is shown again (nothing was saved)."""
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _button(form: FlaskForm, call: Any) -> None:
    """Run a one-button action (CSRF-checked); 400 for a bad form or a refused action."""
    if not form.validate_on_submit():
        abort(400)
    try:
        call()
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        abort(404 if isinstance(error, PermissionDenied) else 400)


@bp.get("/")
@requires(ADMIN)
def index() -> str:
    return render_template("admin/index.html", overview=reference.overview())


# -- content languages ---------------------------------------------------------------------


@bp.get("/languages")
@requires(ADMIN)
def languages() -> str:
    return render_template(
        "admin/languages.html",
        languages=reference.languages(),
        direction_labels=DIRECTION_LABELS,
    )


def _language_input(form: LanguageForm) -> reference.LanguageInput:
    return reference.LanguageInput(
        name_en=form.name_en.data or "",
        name_km=form.name_km.data or "",
        autonym=form.autonym.data or "",
        script=form.script.data or "",
        direction=form.direction.data or "",
    )


def _offer_registry_name(form: LanguageForm, raw_tag: str) -> None:
    """Mark the autonym with the language's tag and show the registry's English name as a
    placeholder and hint, never as a value."""
    tag, hint = reference.registry_hint(raw_tag)
    if tag:
        form.autonym.render_kw = {"lang": tag}
    if hint and not form.name_en.data:
        form.name_en.render_kw = {"lang": "en", "placeholder": hint}
        form.name_en.description = _l(
            "The language registry calls it “%(name)s”. Type a name to save one; "
            "nothing is saved from the registry.",
            name=hint,
        )


@bp.route("/languages/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_language() -> Any:
    form = NewLanguageForm()
    if form.validate_on_submit():
        try:
            reference.create_language(form.tag.data or "", _language_input(form), current_user)
            db.session.commit()
            return redirect(url_for("admin.languages"))
        except ServiceError as error:
            _fail(form, error)
    if form.tag.data and not form.tag.errors:
        _offer_registry_name(form, form.tag.data)
    return _render("admin/language_form.html", form, language=None)


@bp.route("/languages/<tag>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_language(tag: str) -> Any:
    language = db.session.get(ContentLanguage, tag)
    if language is None:
        abort(404)
    form = LanguageForm(obj=language if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            reference.update_language(language, _language_input(form), current_user)
            db.session.commit()
            return redirect(url_for("admin.languages"))
        except ServiceError as error:
            _fail(form, error)
    _offer_registry_name(form, language.tag)
    return _render("admin/language_form.html", form, language=language)


# -- vocabularies ----------------------------------------------------------------------------


@bp.get("/vocabularies")
@requires(ADMIN)
def vocabularies() -> str:
    return render_template(
        "admin/vocabularies.html",
        grouped=reference.terms_by_kind(),
        kind_labels=KIND_LABELS,
    )


def _term(term_id: int) -> VocabularyTerm:
    term = db.session.get(VocabularyTerm, term_id)
    if term is None:
        abort(404)
    return term


def _term_input(form: TermForm) -> reference.TermInput:
    return reference.TermInput(label_en=form.label_en.data or "", label_km=form.label_km.data or "")


def _to_kind(kind: str) -> Any:
    return redirect(url_for("admin.vocabularies", _anchor=f"kind-{kind}"))


@bp.route("/vocabularies/<kind>/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_term(kind: str) -> Any:
    if kind not in KIND_LABELS:
        abort(404)
    form = NewTermForm()
    if form.validate_on_submit():
        try:
            reference.create_term(kind, form.slug.data or "", _term_input(form), current_user)
            db.session.commit()
            return _to_kind(kind)
        except ServiceError as error:
            _fail(form, error)
    return _render("admin/term_form.html", form, term=None, kind=kind, kind_labels=KIND_LABELS)


@bp.route("/vocabularies/<int:term_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_term(term_id: int) -> Any:
    term = _term(term_id)
    form = TermForm(obj=term if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            reference.update_term(term, _term_input(form), current_user)
            db.session.commit()
            return _to_kind(term.kind)
        except ServiceError as error:
            _fail(form, error)
    return _render("admin/term_form.html", form, term=term, kind=term.kind, kind_labels=KIND_LABELS)


@bp.post("/vocabularies/<int:term_id>/confirm")
@requires(ADMIN)
def confirm_term(term_id: int) -> Any:
    term = _term(term_id)
    _button(EmptyForm(), lambda: reference.confirm_term(term, current_user))
    return _to_kind(term.kind)


@bp.post("/vocabularies/<int:term_id>/move")
@requires(ADMIN)
def move_term(term_id: int) -> Any:
    term = _term(term_id)
    form = MoveForm()
    _button(form, lambda: reference.move_term(term, form.direction.data or "", current_user))
    return _to_kind(term.kind)


# -- support contacts ------------------------------------------------------------------------


@bp.get("/support-contacts")
@requires(ADMIN)
def support_contacts() -> str:
    return render_template("admin/support_contacts.html", contacts=reference.support_contacts())


def _contact(contact_id: int) -> SupportContact:
    contact = db.session.get(SupportContact, contact_id)
    if contact is None:
        abort(404)
    return contact


def _contact_input(form: SupportContactForm) -> reference.SupportContactInput:
    return reference.SupportContactInput(
        name_km=form.name_km.data or "",
        name_en=form.name_en.data or "",
        description_km=form.description_km.data or "",
        description_en=form.description_en.data or "",
        phone=form.phone.data or "",
        position=form.position.data or "",
        active=bool(form.active.data),
    )


@bp.route("/support-contacts/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_support_contact() -> Any:
    form = SupportContactForm()
    if form.validate_on_submit():
        try:
            reference.create_support_contact(_contact_input(form), current_user)
            db.session.commit()
            return redirect(url_for("admin.support_contacts"))
        except ServiceError as error:
            _fail(form, error)
    return _render("admin/support_contact_form.html", form, contact=None)


@bp.route("/support-contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_support_contact(contact_id: int) -> Any:
    contact = _contact(contact_id)
    form = SupportContactForm(obj=contact if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            reference.update_support_contact(contact, _contact_input(form), current_user)
            db.session.commit()
            return redirect(url_for("admin.support_contacts"))
        except ServiceError as error:
            _fail(form, error)
    return _render("admin/support_contact_form.html", form, contact=contact)


@bp.post("/support-contacts/<int:contact_id>/deactivate")
@requires(ADMIN)
def deactivate_support_contact(contact_id: int) -> Any:
    contact = _contact(contact_id)
    _button(EmptyForm(), lambda: reference.set_support_contact_active(contact, False, current_user))
    return redirect(url_for("admin.support_contacts"))


@bp.post("/support-contacts/<int:contact_id>/activate")
@requires(ADMIN)
def activate_support_contact(contact_id: int) -> Any:
    contact = _contact(contact_id)
    _button(EmptyForm(), lambda: reference.set_support_contact_active(contact, True, current_user))
    return redirect(url_for("admin.support_contacts"))
