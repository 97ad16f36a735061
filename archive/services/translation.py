"""The translation workspace's own state changes: claiming work and confirming that a
translation still matches a newer source."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import ContentLanguage, Testimony, TranslationClaim, Version
from ..policy import may
from . import audit
from .errors import ServiceError
from .testimonies import check, ensure_not_withdrawn


def claim(testimony: Testimony, language: str, actor: Any) -> TranslationClaim:
    """Claim a testimony × language for `actor`; returns the claim (their existing one too).

    Raises ServiceError when someone else holds it or the language is unknown.
    """
    check(actor, "version.edit")
    ensure_not_withdrawn(testimony)
    if db.session.get(ContentLanguage, language) is None:
        raise ServiceError(_l("Unknown language."), "language")
    existing = current_claim(testimony, language)
    if existing is not None:
        if existing.user_id == actor.id:
            return existing
        raise ServiceError(_l("Someone else is translating this already."), "claim")
    found = TranslationClaim(testimony_id=testimony.id, language=language, user_id=actor.id)
    db.session.add(found)
    db.session.flush()
    audit.record("translation.claim", "testimony", testimony.public_id, actor, language=language)
    return found


def release(testimony: Testimony, language: str, actor: Any) -> None:
    """Release a claim: its holder may, and so may editors and admins (work gets stuck)."""
    check(actor, "version.edit")
    existing = current_claim(testimony, language)
    if existing is None:
        return
    if existing.user_id != actor.id and not may(actor, "revision.approve"):
        raise ServiceError(_l("Only the person who claimed it, or an editor, can release it."))
    db.session.delete(existing)
    audit.record("translation.release", "testimony", testimony.public_id, actor, language=language)


def current_claim(testimony: Testimony, language: str) -> TranslationClaim | None:
    """Return the claim on a testimony × language, or None."""
    return db.session.scalar(
        select(TranslationClaim).where(
            TranslationClaim.testimony_id == testimony.id, TranslationClaim.language == language
        )
    )


def confirm_source(version: Version, actor: Any) -> None:
    """Record that the approved translation still matches its source's current approved text
    (clears the "outdated" state without a new revision). Raises ServiceError if there is
    nothing to confirm."""
    check(actor, "version.edit")
    ensure_not_withdrawn(version.testimony)
    source = version.translated_from
    if source is None or source.approved is None or version.approved is None:
        raise ServiceError(_l("There is no newer source to confirm."))
    version.confirmed_source_revision_id = source.approved.id
    audit.record(
        "translation.confirm_source",
        "version",
        version.id,
        actor,
        source_revision=source.approved.id,
    )
