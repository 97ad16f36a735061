"""Projecting a testimony into index documents, tier by tier, through the policy.

A tier receives a version only if the policy lets that tier read it, and then only the text
that tier reads (the latest revision for staff, the latest approved one for everyone else).
Nothing about the narrator or places below the province is ever projected.
"""

import hashlib
from dataclasses import dataclass

from ..models import Testimony, Version, VocabularyKind
from ..policy import Tier, indexable_text, readable_text_revision, tiers_for_version
from ..text.markdown import render_plain

FACET_KINDS = {
    "identity_group": VocabularyKind.IDENTITY_GROUP,
    "discrimination_type": VocabularyKind.DISCRIMINATION_TYPE,
    "setting": VocabularyKind.SETTING,
    "need": VocabularyKind.NEED,
}


@dataclass(frozen=True)
class IndexDocument:
    """One version as a tier indexes it (`fields` go straight to Whoosh)."""

    doc: str
    testimony: str
    fields: dict[str, str]


def project(testimony: Testimony) -> dict[Tier, list[IndexDocument]]:
    """Return, for every tier, the documents that tier must hold for this testimony."""
    out: dict[Tier, list[IndexDocument]] = {tier: [] for tier in Tier}
    for version in testimony.versions:
        for tier in tiers_for_version(testimony, version):
            document = _document(testimony, version, tier)
            if document is not None:
                out[tier].append(document)
    return out


def _document(t: Testimony, v: Version, tier: Tier) -> IndexDocument | None:
    revision = readable_text_revision(tier, v)
    if revision is None:
        return None
    title, summary, body = (
        indexable_text(tier, part) for part in (revision.title, revision.summary, revision.body)
    )
    text = "\n".join(part for part in (title, summary) if part)
    text = f"{text}\n{render_plain(body)}"
    fields: dict[str, str] = {
        "language": v.language,
        "words": text,
        "shingles": text,
        "clusters": text,
        "province": t.province,
        "year": str(t.recorded_on.year) if t.recorded_on else "",
        "recorded_on": t.recorded_on.isoformat() if t.recorded_on else "",
        "published_at": t.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if t.published_at else "",
    }
    if v.language == "en" or v.language.startswith("en-"):
        fields["stemmed"] = text
    for name, kind in FACET_KINDS.items():
        fields[name] = ",".join(term.slug for term in t.terms_of(kind))
    digest = hashlib.sha256(
        "\x1f".join(f"{k}={fields[k]}" for k in sorted(fields)).encode("utf-8")
    ).hexdigest()
    fields = {k: value for k, value in fields.items() if value}
    fields.update(doc=str(v.id), testimony=t.public_id, digest=digest)
    return IndexDocument(doc=str(v.id), testimony=t.public_id, fields=fields)
