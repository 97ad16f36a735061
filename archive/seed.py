"""Seeding reference data (vocabularies, content languages, organisations) idempotently.

Existing rows are never overwritten: admins may have relabelled a term or confirmed a Khmer
label, and a re-run of `init-db` must not undo that.
"""

from sqlalchemy import select

from .extensions import db
from .models import ContentLanguage, Organisation, VocabularyTerm
from .seed_data import CONTENT_LANGUAGES, ORGANISATIONS, VOCABULARIES


def seed_reference_data() -> int:
    """Insert missing reference rows; return how many were added (the caller commits)."""
    added = 0
    for item in CONTENT_LANGUAGES:
        if db.session.get(ContentLanguage, item["tag"]) is None:
            db.session.add(ContentLanguage(**item))
            added += 1
    for kind, terms in VOCABULARIES.items():
        existing = set(
            db.session.scalars(select(VocabularyTerm.slug).where(VocabularyTerm.kind == kind))
        )
        for position, item in enumerate(terms):
            if item["slug"] not in existing:
                db.session.add(
                    VocabularyTerm(
                        kind=kind,
                        slug=item["slug"],
                        label_en=item["label_en"],
                        label_km=item.get("label_km", ""),
                        label_km_draft=True,
                        position=position,
                    )
                )
                added += 1
    codes = set(db.session.scalars(select(Organisation.code)))
    for item in ORGANISATIONS:
        if item["code"] not in codes:
            db.session.add(Organisation(**item))
            added += 1
    db.session.flush()
    return added
