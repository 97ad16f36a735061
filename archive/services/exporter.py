"""The JSON Lines export (for exchange with other tools, not a backup).

Writes every field the import reads. Each version carries its latest approved revision or, if
none, its latest. Narrator personal data only when asked for explicitly. Withdrawn testimonies
are never exported. Personal data that cannot be decrypted here (no key) stops the export
with crypto.FieldKeyMissing rather than writing a stand-in.
"""

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from .. import crypto
from ..extensions import db
from ..models import ConsentLevel, Narrator, Testimony, VocabularyKind
from .importer import VOCAB_FIELDS


def export_lines(with_personal_data: bool = False) -> Iterator[str]:
    """Yield one JSON line (with newline) per non-withdrawn testimony, ordered by ref.

    With personal data, raises crypto.FieldKeyMissing (before the first line when there is
    no key at all) if any narrator's data cannot be decrypted.
    """
    if with_personal_data and not crypto.keyring().keys:
        raise crypto.FieldKeyMissing(
            "There is no narrator data key here (see `flask --app archive keys status`): "
            "legal names and contacts cannot be decrypted, so nothing can be exported with "
            "personal data until the archive's key is back (see the README).",
            "no-key",
        )
    query = select(Testimony).order_by(Testimony.ref)
    for testimony in db.session.scalars(query):
        consent = testimony.consent
        if consent is None or consent.level == ConsentLevel.WITHDRAWN:
            continue
        yield json.dumps(_record(testimony, with_personal_data), ensure_ascii=False) + "\n"


def _record(t: Testimony, with_personal_data: bool) -> dict[str, Any]:
    consent = t.consent
    if consent is None:  # export_lines skips these; keep the type checker honest
        raise ValueError("testimony without consent")
    narrator: dict[str, str] = {"alias": t.narrator_alias}
    if with_personal_data:
        row = db.session.scalar(select(Narrator).where(Narrator.testimony_id == t.id))
        if row is not None:
            if crypto.is_unavailable(row.legal_name) or crypto.is_unavailable(row.contact):
                # Never write a stand-in: re-importing the file would overwrite the real data.
                raise crypto.FieldKeyMissing(
                    f"The narrator data of {t.ref} cannot be decrypted here (no key, or not "
                    "the key it was encrypted with): nothing can be exported with personal "
                    "data until the archive's key is back (see the README).",
                    "no-key",
                )
            narrator.update(
                legal_name=row.legal_name,
                contact=row.contact,
                gender=row.gender,
                age_range=row.age_range,
            )
    record: dict[str, Any] = {
        "ref": t.ref,
        "recorded_on": t.recorded_on.isoformat() if t.recorded_on else None,
        "province": t.province,
        "place": {"district": t.district, "commune": t.commune, "village": t.village},
        "narrator": narrator,
    }
    for field, kind in VOCAB_FIELDS.items():
        record[field] = [term.slug for term in t.terms_of(VocabularyKind(kind))]
    record.update(
        organisations=[o.code for o in t.organisations],
        event=t.event,
        status=t.status,
        content_warning=t.content_warning,
        original_language=t.original_language,
        consent={
            "level": consent.level,
            "given_on": consent.given_on.isoformat() if consent.given_on else None,
            "method": consent.method,
            "recorded_by": consent.recorded_by,
            "witness": consent.witness,
            "publish_languages": sorted(consent.language_tags),
            "show_alias": consent.show_alias,
            "count_in_statistics": consent.count_in_statistics,
            "review_on": consent.review_on.isoformat() if consent.review_on else None,
            "note": consent.note,
        },
        versions=[],
    )
    for version in t.versions:
        revision = version.approved or version.latest
        if revision is None:
            continue
        item: dict[str, Any] = {"language": version.language, "kind": version.kind}
        if version.translated_from is not None:
            item["translated_from"] = version.translated_from.language
        item.update(
            title=revision.title, summary=revision.summary, body=revision.body,
            status=revision.status,
        )  # fmt: skip
        record["versions"].append(item)
    return record
