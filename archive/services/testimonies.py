"""Creating and changing testimonies (metadata, tags, narrator row, editorial status)."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import crypto
from ..extensions import db
from ..models import (
    Consent,
    ConsentLevel,
    ContentLanguage,
    Narrator,
    Organisation,
    Testimony,
    TestimonyStatus,
    VocabularyTerm,
    utcnow,
)
from ..policy import may
from ..search import outbox
from . import audit
from .errors import PermissionDenied, ServiceError
from .inputs import TestimonyInput

SYSTEM = None  # the actor for CLI commands run by an operator on the server


def check(actor: Any, action: str) -> None:
    """Raise PermissionDenied unless `actor` may do `action` (the CLI's SYSTEM always may)."""
    if actor is not SYSTEM and not may(actor, action):
        raise PermissionDenied(_l("You may not do this."))


def ensure_not_withdrawn(testimony: Testimony) -> None:
    """Raise ServiceError for a withdrawn testimony: nothing about it may change again."""
    consent = testimony.consent
    if consent is not None and consent.level == ConsentLevel.WITHDRAWN:
        raise ServiceError(_l("This testimony was withdrawn; it cannot change."))


def create_testimony(data: TestimonyInput, actor: Any) -> Testimony:
    """Add a testimony with a staff-only consent (changed through the consent service).

    Returns the new (flushed, uncommitted) testimony. Raises ServiceError on bad input.
    """
    check(actor, "testimony.create")
    if db.session.scalar(select(Testimony.id).where(Testimony.ref == data.ref)) is not None:
        raise ServiceError(_l("This reference is already used."), "ref")
    testimony = Testimony(ref=data.ref, status=TestimonyStatus.DRAFT)
    testimony.consent = Consent()
    db.session.add(testimony)
    _apply_fields(testimony, data)
    db.session.flush()
    audit.record("testimony.create", "testimony", testimony.public_id, actor)
    if data.status != TestimonyStatus.DRAFT:
        set_status(testimony, data.status, actor)
    outbox.enqueue(testimony.id)
    return testimony


def update_testimony(testimony: Testimony, data: TestimonyInput, actor: Any) -> bool:
    """Change a testimony's metadata, tags and narrator row (status through `set_status`).

    Returns whether anything changed; an unchanged save writes no audit row or index job.
    """
    check(actor, "testimony.edit")
    ensure_not_withdrawn(testimony)
    if data.ref != testimony.ref:
        taken = db.session.scalar(select(Testimony.id).where(Testimony.ref == data.ref))
        if taken is not None:
            raise ServiceError(_l("This reference is already used."), "ref")
    before = _snapshot(testimony)
    testimony.ref = data.ref
    _apply_fields(testimony, data)
    changed = _snapshot(testimony) != before
    if changed:
        audit.record("testimony.update", "testimony", testimony.public_id, actor)
        outbox.enqueue(testimony.id)
    if data.status != testimony.status:
        set_status(testimony, data.status, actor)
        changed = True
    return changed


def _snapshot(testimony: Testimony) -> tuple[Any, ...]:
    narrator = db.session.scalar(select(Narrator).where(Narrator.testimony_id == testimony.id))
    return (
        testimony.ref,
        testimony.recorded_on,
        testimony.province,
        testimony.district,
        testimony.commune,
        testimony.village,
        testimony.narrator_alias,
        testimony.event,
        testimony.content_warning,
        testimony.original_language,
        tuple(sorted(term.id for term in testimony.terms)),
        tuple(sorted(org.id for org in testimony.organisations)),
        None
        if narrator is None
        else (narrator.legal_name, narrator.contact, narrator.gender, narrator.age_range),
    )


def set_status(testimony: Testimony, status: str, actor: Any) -> None:
    """Move a testimony to an editorial status (draft, in_review, published); audited."""
    check(actor, "testimony.publish")
    ensure_not_withdrawn(testimony)
    if status not in set(TestimonyStatus):
        raise ServiceError(_l("Unknown status."), "status")
    old = testimony.status
    if old == status:
        return
    testimony.status = status
    if status == TestimonyStatus.PUBLISHED and testimony.published_at is None:
        testimony.published_at = utcnow()
    audit.record("testimony.status", "testimony", testimony.public_id, actor, old=old, new=status)
    # Leaving "published" drops visibility: the purge op also merges the tier segments.
    op = outbox.PURGE if old == TestimonyStatus.PUBLISHED else outbox.SYNC
    outbox.enqueue(testimony.id, op)


def _apply_fields(testimony: Testimony, data: TestimonyInput) -> None:
    for name in ("recorded_on", "province", "district", "commune", "village"):
        setattr(testimony, name, getattr(data, name))
    testimony.narrator_alias = data.narrator_alias
    testimony.event = data.event
    testimony.content_warning = data.content_warning
    if data.original_language is not None:
        if db.session.get(ContentLanguage, data.original_language) is None:
            raise ServiceError(_l("Unknown language."), "original_language")
        testimony.original_language = data.original_language
    testimony.terms = _resolve_terms(data.terms)
    testimony.organisations = _resolve_organisations(data.organisations)
    if data.narrator is not None:
        _apply_narrator(testimony, data)


def _apply_narrator(testimony: Testimony, data: TestimonyInput) -> None:
    # The narrator row is written by id, never through Testimony.narrator: that relationship
    # is lazy="raise" so that no list or public query can load personal data by accident.
    if data.narrator is None:
        return
    if testimony.id is None:
        db.session.flush()
    narrator = db.session.scalar(select(Narrator).where(Narrator.testimony_id == testimony.id))
    if narrator is None:
        narrator = Narrator(testimony_id=testimony.id)
        db.session.add(narrator)
    for name in ("legal_name", "contact"):
        value = getattr(data.narrator, name)
        if value and value != getattr(narrator, name) and not crypto.can_encrypt():
            raise ServiceError(
                _l("Narrator data cannot be saved now: the encryption key is missing."), name
            )
        setattr(narrator, name, value)
    narrator.gender = data.narrator.gender
    narrator.age_range = data.narrator.age_range


def _resolve_terms(by_kind: dict[str, list[str]]) -> list[VocabularyTerm]:
    terms: list[VocabularyTerm] = []
    for kind, slugs in by_kind.items():
        for slug in dict.fromkeys(slugs):
            term = db.session.scalar(
                select(VocabularyTerm).where(
                    VocabularyTerm.kind == kind, VocabularyTerm.slug == slug
                )
            )
            if term is None:
                raise ServiceError(_l("Unknown term: %(slug)s", slug=slug), kind)
            terms.append(term)
    return terms


def _resolve_organisations(codes: list[str]) -> list[Organisation]:
    found: list[Organisation] = []
    for code in dict.fromkeys(codes):
        org = db.session.scalar(select(Organisation).where(Organisation.code == code))
        if org is None:
            raise ServiceError(_l("Unknown organisation: %(code)s", code=code), "organisations")
        found.append(org)
    return found
