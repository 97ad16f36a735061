"""Read model of the translation workspace: the queue's rows and states, outdated sources and
readable diffs. Nothing here writes."""

import difflib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import Revision, RevisionStatus, Testimony, TestimonyStatus, TranslationClaim, Version
from .policy import Tier, testimony_filter
from .services.redactions import missing_ids

STAFF_LANGUAGES = ("km", "en")  # always wanted, for staff reading

# Queue states, in the order work usually flows.
MISSING, DRAFT, RETURNED, IN_REVIEW, APPROVED = (
    "missing",
    "draft",
    "returned",
    "in_review",
    "approved",
)
OUTDATED, MISSING_REDACTION = "outdated", "missing_redaction"
STATES = (MISSING, DRAFT, RETURNED, IN_REVIEW, MISSING_REDACTION, OUTDATED, APPROVED)


@dataclass
class QueueRow:
    testimony: Testimony
    language: str
    state: str
    version: Version | None
    publishable: bool  # the consent allows publishing this language
    unlocks: bool  # approving this would let readers see something they cannot yet
    claimed_by: str = ""


@dataclass
class Queue:
    rows: list[QueueRow]
    counts: dict[str, int] = field(default_factory=dict)


def effective_source_id(version: Version) -> int | None:
    """Return the source revision the approved translation matches (made from or confirmed)."""
    approved = version.approved
    made_from = approved.source_revision_id if approved else None
    confirmed = version.confirmed_source_revision_id
    candidates = [rid for rid in (made_from, confirmed) if rid is not None]
    return max(candidates) if candidates else None


def is_outdated(version: Version) -> bool:
    """Return whether the source got a newly approved revision since this translation's
    approved text was made (or last confirmed)."""
    source = version.translated_from
    if source is None or source.approved is None or version.approved is None:
        return False
    return effective_source_id(version) != source.approved.id


def state_of(version: Version | None) -> str:
    """Return the queue state of a version (MISSING for None)."""
    if version is None or version.latest is None:
        return MISSING
    if version.approved is not None and missing_ids(version, version.approved):
        return MISSING_REDACTION
    if version.latest.status == RevisionStatus.IN_REVIEW:
        return IN_REVIEW
    if version.approved is not None and version.latest.status == RevisionStatus.APPROVED:
        return OUTDATED if is_outdated(version) else APPROVED
    return RETURNED if version.latest.status == RevisionStatus.RETURNED else DRAFT


def build_queue(
    *,
    language: str = "",
    state: str = "",
    identity_group: str = "",
    organisation: str = "",
) -> Queue:
    """Return the queue rows (staff tier: every testimony not withdrawn), filtered and sorted
    so that work which would unlock publication comes first."""
    query = (
        select(Testimony)
        .where(testimony_filter(Tier.STAFF))
        .options(
            selectinload(Testimony.versions).selectinload(Version.revisions),
            selectinload(Testimony.consent),
            selectinload(Testimony.terms),
            selectinload(Testimony.organisations),
        )
        .order_by(Testimony.recorded_on.desc().nulls_last(), Testimony.id)
    )
    claims = {
        (c.testimony_id, c.language): c.user.email
        for c in db.session.scalars(select(TranslationClaim))
    }
    rows: list[QueueRow] = []
    for t in db.session.scalars(query):
        if identity_group and identity_group not in {x.slug for x in t.terms}:
            continue
        if organisation and organisation not in {o.code for o in t.organisations}:
            continue
        allowed = t.consent.language_tags if t.consent else set()
        for tag in sorted(allowed | set(STAFF_LANGUAGES)):
            version = t.version_for(tag)
            row_state = state_of(version)
            unlocks = (
                tag in allowed
                and t.status != TestimonyStatus.DRAFT
                and row_state in (MISSING, DRAFT, RETURNED, IN_REVIEW, MISSING_REDACTION)
            )
            rows.append(
                QueueRow(
                    t, tag, row_state, version, tag in allowed, unlocks, claims.get((t.id, tag), "")
                )
            )
    rows = [r for r in rows if (not language or r.language == language)]
    counts = {s: 0 for s in STATES}
    for row in rows:
        counts[row.state] += 1
    if state:
        rows = [r for r in rows if r.state == state]
    order = {s: i for i, s in enumerate((MISSING_REDACTION, IN_REVIEW, RETURNED, DRAFT,
                                         MISSING, OUTDATED, APPROVED))}  # fmt: skip
    rows.sort(key=lambda r: (not r.unlocks, order[r.state]))
    return Queue(rows, counts)


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def diff(old: str, new: str) -> list[DiffLine]:
    """Return a line diff of two texts, for a readable history view (escaped by templates)."""
    out = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue  # ndiff's intraline hints; the <ins>/<del> lines say enough
        out.append(DiffLine({"  ": "same", "+ ": "added", "- ": "removed"}[code], text))
    return out


def revision_text(revision: Revision | None) -> str:
    """Return a revision's title, summary and body as one text for diffs."""
    if revision is None:
        return ""
    return f"{revision.title}\n\n{revision.summary}\n\n{revision.body}".strip()
