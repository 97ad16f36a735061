"""Withdrawal: the narrator's story is erased, a tombstone and a register line remain.

In one transaction: versions, revisions, the narrator row, claims, concern requests, consent
notes and witness names and every other free-text field are deleted; the testimony row stays
as a tombstone (public id, ref, recording and withdrawal dates, actor, reason code). The
withdrawal is also appended to a register outside the database so that restoring an older
backup can apply it again. The purge of derived copies follows (services.purge).
"""

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import (
    ConcernRequest,
    ConsentChange,
    ConsentLevel,
    Narrator,
    Testimony,
    TranslationClaim,
    User,
    utcnow,
)
from ..search import outbox
from . import audit
from .consent import apply_consent
from .errors import ServiceError
from .inputs import ConsentInput
from .testimonies import SYSTEM, check, ensure_not_withdrawn

REASON_CODES = ("narrator-request", "safety", "consent-invalid", "other")


def register_path() -> Path:
    """Return the withdrawal register's path (a setting may point hosts at a shared file)."""
    configured = current_app.config.get("WITHDRAWAL_REGISTER")
    return Path(configured) if configured else Path(current_app.instance_path) / "withdrawals.jsonl"


def read_register() -> list[dict[str, Any]]:
    """Return every line of the register (no content: ids, dates and codes)."""
    path = register_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _append_register(entry: dict[str, Any]) -> None:
    # Written (and flushed to disk) before the commit: if the commit then fails, a restore
    # withdraws a story that was not withdrawn, which errs on the narrator's side.
    path = register_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def withdraw(
    testimony: Testimony, actor: Any, reason_code: str, typed_ref: str, *, record: bool = True
) -> None:
    """Withdraw and erase a testimony (the caller commits). Final.

    `record=False` skips the register line (re-applying a line that is there already).
    Raises ServiceError when the typed reference does not match, the reason is unknown or the
    testimony is withdrawn already, and PermissionDenied for roles that may not do it.
    """
    check(actor, "consent.manage")
    ensure_not_withdrawn(testimony)
    if typed_ref.strip() != testimony.ref:
        raise ServiceError(_l("Type the reference exactly as shown to confirm."), "confirm_ref")
    if reason_code not in REASON_CODES:
        raise ServiceError(_l("Choose a reason."), "reason_code")
    now = utcnow()
    apply_consent(testimony, ConsentInput(level=ConsentLevel.WITHDRAWN), actor, reason_code,
                  _withdrawing=True)  # fmt: skip
    _erase(testimony)
    testimony.withdrawn_at = now
    testimony.withdrawn_by_id = getattr(actor, "id", None)
    testimony.withdrawal_reason = reason_code
    if record:
        _append_register(
            {
                "public_id": testimony.public_id,
                "ref": testimony.ref,
                "recorded_on": (
                    testimony.recorded_on.isoformat() if testimony.recorded_on else None
                ),
                "withdrawn_at": now.isoformat(timespec="seconds"),
                "actor_id": getattr(actor, "id", None),
                "reason": reason_code,
            }
        )
    audit.record("testimony.erase", "testimony", testimony.public_id, actor, reason=reason_code)
    outbox.enqueue(testimony.id, outbox.PURGE)
    db.session.info["withdrawal"] = True  # the purge runs after the commit


def reapply_register() -> int:
    """Withdraw again, as SYSTEM, every register line whose testimony exists in the database
    and is not withdrawn (a restored backup older than the withdrawal); return how many.

    The tombstone keeps the line's withdrawal time, reason and actor (when that account
    exists); no register line is added. The caller commits, then runs the purge.
    """
    count = 0
    for entry in read_register():
        testimony = db.session.scalar(
            select(Testimony).where(Testimony.public_id == str(entry.get("public_id")))
        )
        if testimony is None or testimony.withdrawn_at is not None:
            continue
        reason = entry.get("reason")
        withdraw(testimony, SYSTEM, reason if reason in REASON_CODES else "other",
                 testimony.ref, record=False)  # fmt: skip
        if entry.get("withdrawn_at"):
            testimony.withdrawn_at = datetime.fromisoformat(entry["withdrawn_at"])
        actor_id = entry.get("actor_id")
        if actor_id is not None and db.session.get(User, actor_id) is not None:
            testimony.withdrawn_by_id = actor_id
        count += 1
    db.session.flush()
    return count


def _erase(t: Testimony) -> None:
    """Delete the story and everything free-text about it; keep the tombstone fields."""
    for version in list(t.versions):
        version.translated_from = None
        version.confirmed_source_revision_id = None
    db.session.flush()
    t.versions.clear()  # delete-orphan: versions and their revisions go
    db.session.execute(delete(Narrator).where(Narrator.testimony_id == t.id))
    db.session.execute(delete(TranslationClaim).where(TranslationClaim.testimony_id == t.id))
    db.session.execute(delete(ConcernRequest).where(ConcernRequest.testimony_id == t.id))
    db.session.execute(
        update(ConsentChange).where(ConsentChange.testimony_id == t.id).values(note="")
    )
    consent = t.consent
    if consent is not None:
        consent.given_on = None
        consent.method = None
        consent.recorded_by = ""
        consent.witness = ""
        consent.note = ""
        consent.languages = []
        consent.show_alias = False
        consent.count_in_statistics = False
        consent.review_on = None
    for name in ("province", "district", "commune", "village", "narrator_alias", "event"):
        setattr(t, name, "")
    t.terms = []
    t.organisations = []
    t.original_language = None
    t.content_warning = False
    db.session.flush()
