"""Choices for form fields, read from the reference tables and labelled in the UI locale."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .extensions import db
from .models import (
    ConsentLevel,
    ConsentMethod,
    ContentLanguage,
    Organisation,
    RevisionStatus,
    TestimonyStatus,
    VersionKind,
    VocabularyTerm,
)
from .presenters import language_label, term_label

Choices = list[tuple[str, str]]

TESTIMONY_STATUS_LABELS = {
    TestimonyStatus.DRAFT: _l("Draft"),
    TestimonyStatus.IN_REVIEW: _l("In review"),
    TestimonyStatus.PUBLISHED: _l("Published"),
}
REVISION_STATUS_LABELS = {
    RevisionStatus.DRAFT: _l("Draft"),
    RevisionStatus.IN_REVIEW: _l("In review"),
    RevisionStatus.RETURNED: _l("Returned"),
    RevisionStatus.APPROVED: _l("Approved"),
}
CONSENT_LEVEL_LABELS = {
    ConsentLevel.PUBLIC: _l("Everyone (public)"),
    ConsentLevel.RESEARCHERS: _l("Approved researchers and staff"),
    ConsentLevel.STAFF: _l("Archive staff only"),
    ConsentLevel.WITHDRAWN: _l("Withdrawn (final: nobody can read it)"),
}
CONSENT_METHOD_LABELS = {
    ConsentMethod.ORAL_RECORDED: _l("Oral, recorded"),
    ConsentMethod.WRITTEN: _l("Written"),
    ConsentMethod.THUMBPRINT: _l("Thumbprint"),
}
VERSION_KIND_LABELS = {
    VersionKind.ORIGINAL: _l("Original transcription"),
    VersionKind.TRANSLATION: _l("Translation"),
}
REASON_LABELS = {
    "initial": _l("First record of consent"),
    "narrator-request": _l("The narrator asked"),
    "review": _l("Scheduled review"),
    "correction": _l("Correcting a mistake"),
    "import": _l("Import"),
    "safety": _l("The narrator's safety"),
    "other": _l("Other"),
}


def languages() -> Choices:
    tags = db.session.scalars(select(ContentLanguage.tag).order_by(ContentLanguage.tag))
    return [(tag, f"{language_label(tag).text} ({tag})") for tag in tags]


def terms(kind: str) -> Choices:
    query = (
        select(VocabularyTerm).where(VocabularyTerm.kind == kind).order_by(VocabularyTerm.position)
    )
    return [(term.slug, term_label(term).text) for term in db.session.scalars(query)]


def organisations() -> Choices:
    query = select(Organisation).order_by(Organisation.code)
    return [(o.code, f"{o.code}: {o.name_en}") for o in db.session.scalars(query)]


def labelled(labels: dict[str, object]) -> Choices:
    return [(str(value), str(label)) for value, label in labels.items()]
