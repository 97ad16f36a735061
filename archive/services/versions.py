"""Language versions and their append-only revisions, with audited status transitions."""

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import (
    ContentLanguage,
    Revision,
    RevisionStatus,
    Testimony,
    Version,
    VersionKind,
    utcnow,
)
from ..search import outbox
from ..text.redaction import only_adds_redactions
from . import audit
from .errors import ServiceError
from .inputs import VersionInput
from .redactions import missing_ids, refresh_holds
from .testimonies import check, ensure_not_withdrawn

# (from, to) -> the action the actor's role must allow.
TRANSITIONS: dict[tuple[str, str], str] = {
    (RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW): "revision.propose",
    (RevisionStatus.RETURNED, RevisionStatus.IN_REVIEW): "revision.propose",
    (RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED): "revision.approve",
    (RevisionStatus.IN_REVIEW, RevisionStatus.RETURNED): "revision.approve",
}


# A reviewer's decisions: the two-person rule applies to these.
APPROVAL_STATES = frozenset({RevisionStatus.APPROVED, RevisionStatus.RETURNED})


class ConflictError(ServiceError):
    """Someone saved a newer revision since the editor was opened; nothing was written."""


def check_text(title: str, body: str) -> None:
    """Raise ServiceError when a title or body is empty or the body exceeds the size limit."""
    if not title.strip():
        raise ServiceError(_l("A title is required."), "title")
    if not body.strip():
        raise ServiceError(_l("The text is required."), "body")
    limit = current_app.config["MAX_BODY_CHARS"]
    if len(body) > limit:
        raise ServiceError(_l("The text is longer than %(n)s characters.", n=limit), "body")


def add_version(testimony: Testimony, data: VersionInput, actor: Any) -> Version:
    """Add a language version with its first revision (status `data.status` only through the
    import; forms always start a draft). Returns the flushed version."""
    check(actor, "version.edit")
    ensure_not_withdrawn(testimony)
    if db.session.get(ContentLanguage, data.language) is None:
        raise ServiceError(_l("Unknown language."), "language")
    if data.kind not in set(VersionKind):
        raise ServiceError(_l("Unknown kind of version."), "kind")
    if testimony.version_for(data.language) is not None:
        raise ServiceError(_l("This testimony already has a version in that language."), "language")
    source = None
    if data.translated_from:
        source = testimony.version_for(data.translated_from)
        if source is None or data.translated_from == data.language:
            raise ServiceError(
                _l("Choose an existing version to translate from."), "translated_from"
            )
    check_text(data.title, data.body)
    version = Version(language=data.language, kind=data.kind, translated_from=source)
    testimony.versions.append(version)
    db.session.flush()
    audit.record("version.create", "version", version.id, actor, language=data.language)
    save_revision(version, data.title, data.summary, data.body, actor)
    if testimony.original_language is None and data.kind == VersionKind.ORIGINAL:
        testimony.original_language = data.language
    return version


def save_revision(
    version: Version,
    title: str,
    summary: str,
    body: str,
    actor: Any,
    *,
    note: str = "",
    base_revision_id: int | None = None,
) -> Revision:
    """Append a revision; returns it. Raises ConflictError when `base_revision_id` (the
    revision the editor started from) is no longer the latest, so nobody's text is overwritten.

    A save that only adds redaction markers to the approved text only reduces what readers
    see: it is approved at once (audited, exempt from review). Anything else is a draft.
    """
    check(actor, "version.edit")
    ensure_not_withdrawn(version.testimony)
    check_text(title, body)
    latest = version.latest
    if base_revision_id is not None and latest is not None and latest.id != base_revision_id:
        raise ConflictError(_l("Someone saved this version while you were editing."))
    source = version.translated_from.approved if version.translated_from else None
    approved = version.approved
    redaction_only = approved is not None and only_adds_redactions(
        f"{approved.title}\n{approved.summary}\n{approved.body}",
        f"{title.strip()}\n{summary.strip()}\n{body}",
    )
    revision = Revision(
        number=(latest.number + 1) if latest else 1,
        title=title.strip(),
        summary=summary.strip(),
        body=body,
        note=note,
        author_id=getattr(actor, "id", None),
        source_revision_id=(approved.source_revision_id if redaction_only and approved else None)
        or (source.id if source else None),
        status=RevisionStatus.APPROVED if redaction_only else RevisionStatus.DRAFT,
    )
    version.revisions.append(revision)
    db.session.flush()
    audit.record("revision.create", "revision", revision.id, actor, version=version.id)
    if redaction_only:
        audit.record("revision.redaction_approved", "revision", revision.id, actor)
        refresh_holds(version.testimony)
        outbox.enqueue(version.testimony_id, outbox.PURGE)
    else:
        outbox.enqueue(version.testimony_id)
    return revision


def set_revision_status(
    revision: Revision, status: str, actor: Any, *, imported: bool = False, comment: str = ""
) -> None:
    """Move a revision along draft → in review → approved / returned; audited.

    Nobody approves their own revision, and a translation is approved only when it carries
    every redaction of its source. `imported=True` (CLI import only) sets any status directly.
    Raises ServiceError for a refused transition and PermissionDenied for the wrong role.
    """
    version = revision.version
    ensure_not_withdrawn(version.testimony)
    old = revision.status
    if status == old:
        return
    if status not in set(RevisionStatus):
        raise ServiceError(_l("Unknown status."), "status")
    if imported:
        check(actor, "revision.approve")
    else:
        action = TRANSITIONS.get((old, status))
        if action is None:
            raise ServiceError(_l("This change of status is not allowed."), "status")
        check(actor, action)
        if status in APPROVAL_STATES and revision.author_id == getattr(actor, "id", None):
            raise ServiceError(_l("Someone else must review a revision you wrote."), "status")
    if status == RevisionStatus.APPROVED:
        missing = missing_ids(version, revision)
        if missing:
            raise ServiceError(
                _l("Add the missing redactions first: %(ids)s", ids=", ".join(sorted(missing))),
                "status",
            )
    revision.status = status
    revision.status_changed_at = utcnow()
    if status in APPROVAL_STATES and not imported:
        revision.reviewed_by_id = getattr(actor, "id", None)
        revision.review_comment = comment
    audit.record("revision.status", "revision", revision.id, actor, old=old, new=status)
    refresh_holds(version.testimony)
    was_readable = old == RevisionStatus.APPROVED
    outbox.enqueue(version.testimony_id, outbox.PURGE if was_readable else outbox.SYNC)


def get_version(testimony: Testimony, language: str) -> Version | None:
    """Return the testimony's version in `language`, or None."""
    return db.session.scalar(
        select(Version).where(Version.testimony_id == testimony.id, Version.language == language)
    )
