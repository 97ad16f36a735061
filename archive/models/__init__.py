"""Typed SQLAlchemy models: data and invariants only (no requests, no policy)."""

from typing import Any

from sqlalchemy import event, inspect

from .accounts import User, new_session_nonce
from .audit import AuditEntry, IndexJob
from .consent import Consent, ConsentChange, consent_languages
from .enums import (
    ConsentLevel,
    ConsentMethod,
    RevisionStatus,
    Role,
    TestimonyStatus,
    VersionKind,
    VocabularyKind,
)
from .lifecycle import AuditHead, ConcernRequest, SiteSwitch
from .reference import ContentLanguage, Organisation, VocabularyTerm
from .research import AccessLog, ApiToken, ResearcherRequest
from .security import AccountToken, RateCounter, RecoveryCode, Throttle, UserSession
from .testimony import (
    Narrator,
    Revision,
    Testimony,
    Version,
    testimony_organisations,
    testimony_terms,
)
from .time import utcnow
from .workspace import SupportContact, TranslationClaim

__all__ = [
    "AccessLog",
    "AccountToken",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "ConcernRequest",
    "Consent",
    "ConsentChange",
    "ConsentLevel",
    "ConsentMethod",
    "ContentLanguage",
    "IndexJob",
    "Narrator",
    "Organisation",
    "RateCounter",
    "RecoveryCode",
    "ResearcherRequest",
    "Revision",
    "RevisionStatus",
    "Role",
    "SiteSwitch",
    "SupportContact",
    "Testimony",
    "TestimonyStatus",
    "Throttle",
    "TranslationClaim",
    "User",
    "UserSession",
    "Version",
    "VersionKind",
    "VocabularyKind",
    "VocabularyTerm",
    "consent_languages",
    "new_session_nonce",
    "testimony_organisations",
    "testimony_terms",
    "utcnow",
]

_FROZEN_REVISION_FIELDS = ("title", "summary", "body", "version_id", "number", "author_id")


@event.listens_for(Revision, "before_update")
def _revision_text_is_frozen(mapper: Any, connection: Any, target: Revision) -> None:
    """Refuse any in-place edit of a revision's text: a save appends a new revision."""
    state = inspect(target)
    for name in _FROZEN_REVISION_FIELDS:
        if state.attrs[name].history.has_changes():
            raise RuntimeError(f"Revision.{name} is immutable; append a new revision")
