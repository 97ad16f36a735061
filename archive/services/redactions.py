"""Keeping redactions aligned across a testimony's versions.

A translation must carry every redaction id its source's approved text carries before it can
be approved; a redaction added to an approved source withholds its approved translations from
non-staff readers at once (`Version.redaction_hold`) until they carry it too.
"""

from ..models import Revision, Testimony, Version
from ..search import outbox
from ..text.redaction import redaction_ids


def revision_ids(revision: Revision | None) -> set[str]:
    """Return the redaction ids in a revision's title, summary and body."""
    if revision is None:
        return set()
    return redaction_ids(f"{revision.title}\n{revision.summary}\n{revision.body}")


def missing_ids(version: Version, revision: Revision | None) -> set[str]:
    """Return the ids the source's approved text has and `revision` lacks (sorted set)."""
    source = version.translated_from
    if source is None or source.approved is None:
        return set()
    return revision_ids(source.approved) - revision_ids(revision)


def refresh_holds(testimony: Testimony) -> bool:
    """Recompute every version's redaction hold; return True if any hold was switched on.

    Enqueues the index job that follows: a purge when a hold appears (the version must leave
    the public and researcher tiers at once), a sync when one is lifted.
    """
    switched_on = switched_off = False
    for version in testimony.versions:
        hold = version.approved is not None and bool(missing_ids(version, version.approved))
        if hold != version.redaction_hold:
            switched_on |= hold
            switched_off |= not hold
            version.redaction_hold = hold
    if switched_on:
        outbox.enqueue(testimony.id, outbox.PURGE)
    elif switched_off:
        outbox.enqueue(testimony.id, outbox.SYNC)
    return switched_on
