"""The JSON Lines import: every line is checked before anything is written, then the whole
file is written in one transaction. Any bad line: a message naming line and field, nothing
written. Re-importing a `ref` updates that testimony (idempotent).

Messages here are for the operator running the CLI and stay in English.
"""

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import (
    ConsentLevel,
    ConsentMethod,
    ContentLanguage,
    Organisation,
    RevisionStatus,
    Testimony,
    TestimonyStatus,
    VersionKind,
    VocabularyKind,
    VocabularyTerm,
)
from . import consent as consent_service
from . import testimonies, versions
from .errors import ServiceError
from .fields import Record, RecordError, read_record


class ImportFailed(Exception):
    """The file was refused; `line` (1-based) and `field` say where, nothing was written."""

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"line {line}, field {field}: {message}")
        self.line = line
        self.field = field
        self.message = message


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


VOCAB_FIELDS = {
    "identity_groups": VocabularyKind.IDENTITY_GROUP,
    "discrimination_types": VocabularyKind.DISCRIMINATION_TYPE,
    "settings": VocabularyKind.SETTING,
    "needs": VocabularyKind.NEED,
}


def import_lines(data: bytes, actor: Any = testimonies.SYSTEM) -> ImportReport:
    """Check every line of a JSON Lines file, then write them all or nothing.

    Raises ImportFailed naming the first bad line and field; the session is rolled back.
    """
    records = parse_all(data)
    report = ImportReport()
    try:
        for lineno, record in records:
            try:
                _write(record, actor, report)
            except ServiceError as exc:
                raise ImportFailed(lineno, exc.field or "?", str(exc.message)) from exc
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def parse_all(data: bytes) -> list[tuple[int, Record]]:
    """Return the checked records of a file with their line numbers; raise ImportFailed."""
    known = _known_values()
    seen_refs: dict[str, int] = {}
    records: list[tuple[int, Record]] = []
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFailed(lineno, "(line)", "not valid UTF-8") from None
        if "\x00" in text:
            raise ImportFailed(lineno, "(line)", "contains a NUL character")
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailed(lineno, "(line)", f"not valid JSON ({exc.msg})") from None
        try:
            record = read_record(obj, known, current_app.config["MAX_BODY_CHARS"])
        except RecordError as exc:
            raise ImportFailed(lineno, exc.field, exc.message) from None
        if record.testimony.ref in seen_refs:
            first = seen_refs[record.testimony.ref]
            raise ImportFailed(lineno, "ref", f"duplicate ref (also on line {first})")
        seen_refs[record.testimony.ref] = lineno
        existing = db.session.scalar(select(Testimony).where(Testimony.ref == record.testimony.ref))
        if existing is not None and _withdrawn(existing):
            raise ImportFailed(lineno, "ref", "this testimony was withdrawn and cannot return")
        records.append((lineno, record))
    if not records:
        raise ImportFailed(1, "(file)", "no testimonies in the file")
    return records


def _known_values() -> dict[str, set[str]]:
    known: dict[str, set[str]] = {
        field: set(
            db.session.scalars(select(VocabularyTerm.slug).where(VocabularyTerm.kind == kind))
        )
        for field, kind in VOCAB_FIELDS.items()
    }
    known["languages"] = set(db.session.scalars(select(ContentLanguage.tag)))
    known["organisations"] = set(db.session.scalars(select(Organisation.code)))
    known["testimony_status"] = set(TestimonyStatus)
    known["revision_status"] = set(RevisionStatus)
    known["consent_level"] = set(ConsentLevel) - {ConsentLevel.WITHDRAWN}
    known["consent_method"] = set(ConsentMethod)
    known["version_kind"] = set(VersionKind)
    return known


def _withdrawn(testimony: Testimony) -> bool:
    return testimony.consent is not None and testimony.consent.level == ConsentLevel.WITHDRAWN


def _write(record: Record, actor: Any, report: ImportReport) -> None:
    data = record.testimony
    wanted_status = data.status
    data.status = TestimonyStatus.DRAFT  # publish last, once versions and consent exist
    existing = db.session.scalar(select(Testimony).where(Testimony.ref == data.ref))
    if existing is None:
        testimony = testimonies.create_testimony(data, actor)
        report.created += 1
        changed = True
    else:
        testimony = existing
        data.status = testimony.status
        changed = testimonies.update_testimony(testimony, data, actor)
    changed = consent_service.apply_consent(testimony, record.consent, actor, "import") or changed
    for item in _sources_first(record.versions):
        version = testimony.version_for(item.language)
        if version is None:
            version = versions.add_version(testimony, item, actor)
            changed = True
        else:
            latest = version.latest
            same = latest is not None and (latest.title, latest.summary, latest.body) == (
                item.title.strip(),
                item.summary.strip(),
                item.body,
            )
            if not same:
                versions.save_revision(version, item.title, item.summary, item.body, actor)
                changed = True
        if version.latest is not None and version.latest.status != item.status:
            versions.set_revision_status(version.latest, item.status, actor, imported=True)
            changed = True
    if wanted_status != testimony.status:
        testimonies.set_status(testimony, wanted_status, actor)
        changed = True
    if existing is not None:
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1


def _sources_first(items: list[Any]) -> list[Any]:
    """Order versions so that every `translated_from` source is created before it is used."""
    ordered: list[Any] = []
    pending = list(items)
    while pending:
        placed = {v.language for v in ordered}
        ready = [v for v in pending if not v.translated_from or v.translated_from in placed]
        if not ready:  # a cycle; read_record refuses those, so this is a safety net
            raise ServiceError("translated_from forms a cycle", "versions")
        ordered.extend(ready)
        pending = [v for v in pending if v not in ready]
    return ordered
