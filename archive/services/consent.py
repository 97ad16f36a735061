"""Recording and changing consent. Every change is one ConsentChange row per field, one audit
row and one index job, in the caller's transaction. Withdrawn is final."""

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import (
    Consent,
    ConsentChange,
    ConsentLevel,
    ConsentMethod,
    ContentLanguage,
    Testimony,
)
from ..search import outbox
from . import audit
from .errors import ServiceError
from .inputs import ConsentInput
from .testimonies import SYSTEM, check

REASON_CODES = (
    "initial", "narrator-request", "review", "correction", "import", "safety", "other",
)  # fmt: skip

# How much each level lets through; a lower number is a restriction.
_OPENNESS = {
    ConsentLevel.WITHDRAWN: 0,
    ConsentLevel.STAFF: 1,
    ConsentLevel.RESEARCHERS: 2,
    ConsentLevel.PUBLIC: 3,
}
# Names of people are recorded as "changed", never copied into the history.
_FREE_TEXT_FIELDS = ("recorded_by", "witness")


def apply_consent(
    testimony: Testimony,
    data: ConsentInput,
    actor: Any,
    reason_code: str,
    note: str = "",
    *,
    _withdrawing: bool = False,
) -> bool:
    """Bring the testimony's consent to `data`; return True if anything changed.

    Raises ServiceError for a withdrawn testimony (withdrawal is final), an unknown level,
    method, language or reason code, and PermissionDenied for roles that may not manage
    consent.
    """
    check(actor, "consent.manage")
    consent = testimony.consent
    if consent is None:
        consent = testimony.consent = Consent()
    if consent.level == ConsentLevel.WITHDRAWN:
        raise ServiceError(_l("This testimony was withdrawn; its consent cannot change."))
    if reason_code not in REASON_CODES:
        raise ServiceError(_l("Choose a reason."), "reason_code")
    if data.level not in set(ConsentLevel):
        raise ServiceError(_l("Unknown consent level."), "level")
    if data.level == ConsentLevel.WITHDRAWN and actor is not SYSTEM and not _withdrawing:
        # Withdrawal erases the testimony: only `withdrawal.withdraw` may set it (it asks for
        # the typed reference and a reason code first).
        raise ServiceError(_l("Use the withdrawal form to withdraw a testimony."), "level")
    if data.method is not None and data.method not in set(ConsentMethod):
        raise ServiceError(_l("Unknown consent method."), "method")
    languages = _languages(data.publish_languages)

    new_values: dict[str, Any] = {
        "level": data.level,
        "given_on": data.given_on,
        "method": data.method,
        "recorded_by": data.recorded_by,
        "witness": data.witness,
        "show_alias": data.show_alias,
        "count_in_statistics": data.count_in_statistics,
        "review_on": data.review_on,
        "note": data.note,
    }
    changes: list[tuple[str, str, str]] = []
    for name, value in new_values.items():
        old = getattr(consent, name)
        if old != value:
            changes.append((name, _code(name, old), _code(name, value)))
            setattr(consent, name, value)
    old_tags = sorted(consent.language_tags)
    new_tags = sorted(language.tag for language in languages)
    if old_tags != new_tags:
        changes.append(("publish_languages", ",".join(old_tags), ",".join(new_tags)))
        consent.languages = languages
    if not changes:
        return False
    for name, old_code, new_code in changes:
        db.session.add(
            ConsentChange(
                testimony_id=testimony.id,
                actor_id=getattr(actor, "id", None),
                field=name,
                old_value=old_code,
                new_value=new_code,
                reason_code=reason_code,
                note=note,
            )
        )
    level_change = next((c for c in changes if c[0] == "level"), None)
    action = "consent.withdraw" if data.level == ConsentLevel.WITHDRAWN else "consent.change"
    details: dict[str, Any] = {"fields": [c[0] for c in changes], "reason": reason_code}
    if level_change:
        details.update(old_level=level_change[1], new_level=level_change[2])
    audit.record(action, "testimony", testimony.public_id, actor, **details)
    outbox.enqueue(testimony.id, outbox.PURGE if _restricts(changes) else outbox.SYNC)
    return True


def _languages(tags: list[str]) -> list[ContentLanguage]:
    found = []
    for tag in dict.fromkeys(tags):
        language = db.session.scalar(select(ContentLanguage).where(ContentLanguage.tag == tag))
        if language is None:
            raise ServiceError(_l("Unknown language."), "publish_languages")
        found.append(language)
    return found


def _code(name: str, value: Any) -> str:
    if name in _FREE_TEXT_FIELDS or name == "note":
        return "(set)" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _restricts(changes: list[tuple[str, str, str]]) -> bool:
    """Return whether a change can only reduce what some reader sees (purge the tiers)."""
    for name, old, new in changes:
        if name == "level" and _OPENNESS.get(new, 0) < _OPENNESS.get(old, 0):
            return True
        if name == "publish_languages" and set(old.split(",")) - set(new.split(",")):
            return True
    return False


def restrict_overdue(actor: Any = SYSTEM) -> int:
    """Restrict to staff every testimony whose consent review date has passed (when the
    CONSENT_REVIEW_RESTRICTS setting is on); returns how many. Audited like any change."""
    from datetime import date

    from sqlalchemy import select

    overdue = db.session.scalars(
        select(Consent).where(
            Consent.review_on.is_not(None),
            Consent.review_on < date.today(),
            Consent.level.in_([ConsentLevel.PUBLIC, ConsentLevel.RESEARCHERS]),
        )
    ).all()
    for consent in overdue:
        data = ConsentInput(
            level=ConsentLevel.STAFF,
            given_on=consent.given_on,
            method=consent.method,
            recorded_by=consent.recorded_by,
            witness=consent.witness,
            publish_languages=sorted(consent.language_tags),
            show_alias=consent.show_alias,
            count_in_statistics=consent.count_in_statistics,
            review_on=consent.review_on,
            note=consent.note,
        )
        apply_consent(consent.testimony, data, actor, "review")
    return len(overdue)


def consents_to_review(days: int = 30) -> list[Consent]:
    """Return consents (not withdrawn) whose review date is past or within `days`."""
    from datetime import date, timedelta

    from sqlalchemy import select

    limit = date.today() + timedelta(days=days)
    return list(
        db.session.scalars(
            select(Consent)
            .where(
                Consent.review_on.is_not(None),
                Consent.review_on <= limit,
                Consent.level != ConsentLevel.WITHDRAWN,
            )
            .order_by(Consent.review_on)
        )
    )
