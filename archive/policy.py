"""The one place that decides who may see and do what.

Every page, list, search, API answer, export, feed and count asks this module. It states the
visibility rule three ways that must always agree (the truth-table test checks all three):

* a yes/no for one object: `can_read_testimony`, `can_read_version`;
* a SQL filter for lists: `testimony_filter`, `version_filter`;
* a tier projection for the search index: `tiers_for_version` (which physical index tiers may
  hold a version) and `tier_of` (which tier a viewer queries).

Unknown roles, statuses and consent levels deny. Hidden and nonexistent objects must produce
the same 404 in the caller: nothing here raises 403.
"""

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, select
from sqlalchemy.orm import aliased

from .models import (
    Consent,
    ConsentLevel,
    Revision,
    RevisionStatus,
    Role,
    Testimony,
    TestimonyStatus,
    Version,
    consent_languages,
)
from .text import redaction


class Tier(StrEnum):
    """An audience tier; each has its own physical search index."""

    PUBLIC = "public"
    RESEARCHERS = "researchers"
    STAFF = "staff"


STAFF_ROLES = frozenset({Role.ADMIN, Role.EDITOR, Role.TRANSLATOR})

# Which consent levels each tier may read. Withdrawn is in none of them.
_TIER_LEVELS: dict[Tier, frozenset[str]] = {
    Tier.PUBLIC: frozenset({ConsentLevel.PUBLIC}),
    Tier.RESEARCHERS: frozenset({ConsentLevel.PUBLIC, ConsentLevel.RESEARCHERS}),
    Tier.STAFF: frozenset({ConsentLevel.PUBLIC, ConsentLevel.RESEARCHERS, ConsentLevel.STAFF}),
}
_KNOWN_STATUSES = frozenset(TestimonyStatus)

# Actions beyond reading, by the roles allowed to do them.
_PERMISSIONS: dict[str, frozenset[Role]] = {
    "staff.area": STAFF_ROLES,
    "testimony.create": frozenset({Role.ADMIN, Role.EDITOR}),
    "testimony.edit": frozenset({Role.ADMIN, Role.EDITOR}),
    "testimony.publish": frozenset({Role.ADMIN, Role.EDITOR}),
    "consent.manage": frozenset({Role.ADMIN, Role.EDITOR}),
    "identity.read": frozenset({Role.ADMIN, Role.EDITOR}),
    "version.edit": STAFF_ROLES,
    "revision.propose": STAFF_ROLES,
    "revision.approve": frozenset({Role.ADMIN, Role.EDITOR}),
    "admin.area": frozenset({Role.ADMIN}),
    "export": frozenset({Role.ADMIN, Role.EDITOR, Role.RESEARCHER}),
    "api_token": frozenset({Role.ADMIN, Role.EDITOR, Role.TRANSLATOR, Role.RESEARCHER}),
}


def role_of(user: Any) -> Role | None:
    """Return the viewer's role, or None for anonymous, inactive or unknown-role viewers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", False):
        return None
    try:
        return Role(user.role)
    except ValueError:
        return None


def tier_of(user: Any) -> Tier:
    """Return the index tier (and reading tier) of a viewer."""
    role = role_of(user)
    if role in STAFF_ROLES:
        return Tier.STAFF
    if role is Role.RESEARCHER:
        return Tier.RESEARCHERS
    return Tier.PUBLIC


def may(user: Any, action: str) -> bool:
    """Return whether the viewer's role allows `action` (unknown actions: never)."""
    role = role_of(user)
    return role is not None and role in _PERMISSIONS.get(action, frozenset())


# -- yes/no for one object ----------------------------------------------------------------


def testimony_visible_in(tier: Tier, testimony: Testimony) -> bool:
    """Return whether a testimony is readable at all in `tier` (some version readable,
    for non-staff tiers)."""
    if not _testimony_base_ok(tier, testimony):
        return False
    if tier is Tier.STAFF:
        return True
    return any(version_visible_in(tier, testimony, v) for v in testimony.versions)


def version_visible_in(tier: Tier, testimony: Testimony, version: Version) -> bool:
    """Return whether one language version is readable in `tier`."""
    if version.testimony_id != testimony.id or not _testimony_base_ok(tier, testimony):
        return False
    if tier is Tier.STAFF:
        return True
    consent = testimony.consent
    if consent is None:  # unreachable after _testimony_base_ok; deny all the same
        return False
    if version.redaction_hold is not False:  # lacks a redaction its source has (or unknown)
        return False
    return version.approved is not None and version.language in consent.language_tags


def _testimony_base_ok(tier: Tier, testimony: Testimony) -> bool:
    consent = testimony.consent
    if consent is None or consent.level not in _TIER_LEVELS[tier]:
        return False
    if testimony.status not in _KNOWN_STATUSES:
        return False
    return tier is Tier.STAFF or testimony.status == TestimonyStatus.PUBLISHED


def can_read_testimony(user: Any, testimony: Testimony | None) -> bool:
    """Return whether `user` may open the testimony's page (False for None)."""
    return testimony is not None and testimony_visible_in(tier_of(user), testimony)


def can_read_version(user: Any, testimony: Testimony, version: Version) -> bool:
    """Return whether `user` may read this language version of the testimony."""
    return version_visible_in(tier_of(user), testimony, version)


def readable_versions(user: Any, testimony: Testimony) -> list[Version]:
    """Return the versions `user` may read, in creation order."""
    tier = tier_of(user)
    return [v for v in testimony.versions if version_visible_in(tier, testimony, v)]


def readable_revision(user: Any, testimony: Testimony, version: Version) -> Revision | None:
    """Return the revision `user` reads: the latest for staff (drafts included), the latest
    approved for everyone else; None when the version is not readable."""
    tier = tier_of(user)
    if not version_visible_in(tier, testimony, version):
        return None
    return readable_text_revision(tier, version)


def readable_text_revision(tier: Tier, version: Version) -> Revision | None:
    """Return the revision whose text `tier` reads once the version is visible to it: the
    latest for staff, the latest approved for everyone else."""
    return version.latest if tier is Tier.STAFF else version.approved


def visible_text(tier: Tier, text: str, marker: str) -> str:
    """Return `text` as `tier` may read it: staff see redacted spans (marked), every other
    tier sees `marker` in their place. The only place that decides what a redaction hides."""
    if tier is Tier.STAFF:
        return redaction.reveal(text)
    return redaction.hide(text, marker)


def indexable_text(tier: Tier, text: str) -> str:
    """Return `text` as `tier`'s index may hold it (redacted spans dropped outside staff)."""
    if tier is Tier.STAFF:
        return redaction.strip_markers(text)
    return redaction.hide(text, " ")


def can_see_identity(user: Any) -> bool:
    """Return whether `user` may see the narrator row and places below the province."""
    return may(user, "identity.read")


# -- the same rule as SQL --------------------------------------------------------------------


def testimony_filter(tier: Tier) -> ColumnElement[bool]:
    """Return a WHERE clause on `Testimony` selecting exactly what `tier` may open."""
    base = _sql_testimony_base(tier, Testimony.id, Testimony.status)
    if tier is Tier.STAFF:
        return base
    v = aliased(Version)
    any_version = exists(
        select(v.id).where(v.testimony_id == Testimony.id, _sql_version_readable(tier, v))
    )
    return and_(base, any_version)


def version_filter(tier: Tier) -> ColumnElement[bool]:
    """Return a WHERE clause on `Version` selecting exactly the versions `tier` may read."""
    t = aliased(Testimony)
    testimony_ok = exists(
        select(t.id).where(t.id == Version.testimony_id, _sql_testimony_base(tier, t.id, t.status))
    )
    if tier is Tier.STAFF:
        return testimony_ok
    return and_(testimony_ok, _sql_version_readable(tier, Version))


def _sql_testimony_base(tier: Tier, id_col: Any, status_col: Any) -> ColumnElement[bool]:
    c = aliased(Consent)
    consent_ok = exists(
        select(c.id).where(c.testimony_id == id_col, c.level.in_(sorted(_TIER_LEVELS[tier])))
    )
    if tier is Tier.STAFF:
        status_ok = status_col.in_(sorted(_KNOWN_STATUSES))
    else:
        status_ok = status_col == TestimonyStatus.PUBLISHED.value
    return and_(status_ok, consent_ok)


def _sql_version_readable(tier: Tier, version: Any) -> ColumnElement[bool]:
    """Approved revision exists and the consent allows the version's language."""
    if tier is Tier.STAFF:  # pragma: no cover - staff never needs the language rule
        return ~false()
    r = aliased(Revision)
    c = aliased(Consent)
    cl = consent_languages.alias()
    approved = exists(
        select(r.id).where(r.version_id == version.id, r.status == RevisionStatus.APPROVED.value)
    )
    language_allowed = exists(
        select(cl.c.consent_id)
        .join(c, c.id == cl.c.consent_id)
        .where(c.testimony_id == version.testimony_id, cl.c.language_tag == version.language)
    )
    return and_(approved, language_allowed, version.redaction_hold.is_(False))


# -- the same rule as index tiers ------------------------------------------------------------


def tiers_for_version(testimony: Testimony, version: Version) -> frozenset[Tier]:
    """Return the index tiers allowed to hold this version's text."""
    return frozenset(t for t in Tier if version_visible_in(t, testimony, version))
