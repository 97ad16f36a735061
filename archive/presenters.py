"""Read-only view models: what a page or JSON answer may show, already filtered by the policy.

Views pass these to templates, so templates hold no access logic and never receive a model
object that could reach narrator data.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import url_for
from markupsafe import Markup
from sqlalchemy import select

from .crypto import is_unavailable
from .extensions import db
from .i18n import ui_locale
from .messages import redaction_marker
from .models import ContentLanguage, Narrator, Testimony, Version, VocabularyKind, VocabularyTerm
from .policy import (
    Tier,
    can_see_identity,
    may,
    readable_revision,
    readable_versions,
    tier_of,
    visible_text,
)
from .text.markdown import render_markdown


@dataclass
class Label:
    text: str
    fallback: bool = False  # the English label stands in for a missing Khmer one
    draft: bool = False  # a drafted Khmer label not yet confirmed by staff


@dataclass
class Tag:
    kind: str
    slug: str
    label: Label


@dataclass
class VersionView:
    language: str
    name: Label
    direction: str
    kind: str
    title: str
    summary: str
    body: str
    revision_number: int
    revision_status: str
    revision_date: datetime
    url: str

    @property
    def body_html(self) -> Markup:
        """The body rendered by the archive's one Markdown function (on demand: lists that
        only show titles never pay for it)."""
        return render_markdown(self.body)


@dataclass
class IdentityView:
    district: str
    commune: str
    village: str
    legal_name: str
    contact: str
    gender: str
    age_range: str


@dataclass
class TestimonyView:
    public_id: str
    url: str
    alias: str
    province: str
    recorded_on: date | None
    content_warning: bool
    tags: list[Tag]
    organisations: list[str]
    versions: list[VersionView]
    selected: VersionView | None
    staff: bool = False
    ref: str = ""
    status: str = ""
    consent_level: str = ""
    identity: IdentityView | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def tags_of(self, kind: str) -> list[Tag]:
        return [t for t in self.tags if t.kind == kind]


def term_label(term: VocabularyTerm) -> Label:
    """Return the term's label in the UI locale, marking English fallbacks and drafts."""
    if ui_locale() == "km":
        if term.label_km:
            return Label(term.label_km, draft=term.label_km_draft)
        return Label(term.label_en, fallback=True)
    return Label(term.label_en)


def language_label(tag: str) -> Label:
    """Return a content language's name in the UI locale (the tag when no name is known)."""
    language = db.session.get(ContentLanguage, tag)
    if language is None:
        return Label(tag, fallback=True)
    if ui_locale() == "km":
        if language.name_km:
            return Label(language.name_km)
        return Label(language.name_en or tag, fallback=True)
    return Label(language.name_en or tag, fallback=not language.name_en)


def language_direction(tag: str) -> str:
    """Return "ltr" or "rtl" for a content language (ltr when unknown)."""
    language = db.session.get(ContentLanguage, tag)
    return language.direction if language is not None else "ltr"


def testimony_view(user: Any, t: Testimony, wanted: str | None = None) -> TestimonyView:
    """Return what `user` may see of a testimony they may open (checked by the caller).

    `wanted` is the requested version tag; when it is absent or not readable the version in
    the UI locale, else the original, else the first readable one is selected.
    """
    versions = [_version_view(user, t, v) for v in readable_versions(user, t)]
    versions = [v for v in versions if v is not None]
    selected = _pick(versions, wanted, t.original_language)
    staff = tier_of(user) is Tier.STAFF
    consent = t.consent
    show_alias = staff or bool(consent and consent.show_alias)
    view = TestimonyView(
        public_id=t.public_id,
        url=url_for("public.testimony", public_id=t.public_id),
        alias=t.narrator_alias if show_alias else "",
        province=t.province,
        recorded_on=t.recorded_on,
        content_warning=t.content_warning,
        tags=[Tag(term.kind, term.slug, term_label(term)) for term in _sorted_terms(t)],
        organisations=[o.code for o in t.organisations],
        versions=versions,
        selected=selected,
        staff=staff,
    )
    if staff:
        view.ref = t.ref
        view.status = t.status
        view.consent_level = consent.level if consent else ""
    if can_see_identity(user):
        narrator = db.session.scalar(select(Narrator).where(Narrator.testimony_id == t.id))
        view.identity = IdentityView(
            district=t.district,
            commune=t.commune,
            village=t.village,
            legal_name=narrator.legal_name if narrator else "",
            contact=narrator.contact if narrator else "",
            gender=narrator.gender if narrator else "",
            age_range=narrator.age_range if narrator else "",
        )
    view.extra["may_edit"] = may(user, "testimony.edit")
    return view


def _version_view(user: Any, t: Testimony, v: Version) -> VersionView | None:
    revision = readable_revision(user, t, v)
    if revision is None:
        return None
    tier, marker = tier_of(user), redaction_marker()
    return VersionView(
        language=v.language,
        name=language_label(v.language),
        direction=language_direction(v.language),
        kind=v.kind,
        title=visible_text(tier, revision.title, marker),
        summary=visible_text(tier, revision.summary, marker),
        body=visible_text(tier, revision.body, marker),
        revision_number=revision.number,
        revision_status=revision.status,
        revision_date=revision.status_changed_at,
        url=url_for("public.testimony", public_id=t.public_id, version=v.language),
    )


def _pick(
    versions: list[VersionView], wanted: str | None, original: str | None
) -> VersionView | None:
    by_tag = {v.language: v for v in versions}
    for tag in (wanted, ui_locale(), original):
        if tag and tag in by_tag:
            return by_tag[tag]
    return versions[0] if versions else None


_KIND_ORDER = {kind.value: i for i, kind in enumerate(VocabularyKind)}


def _sorted_terms(t: Testimony) -> list[VocabularyTerm]:
    return sorted(t.terms, key=lambda term: (_KIND_ORDER.get(term.kind, 99), term.position))


def testimony_json(user: Any, t: Testimony, wanted: str | None = None) -> dict[str, Any]:
    """Return the JSON answer for one testimony: what `user` may read, staff fields only for
    staff, identity only for editors and admins."""
    view = testimony_view(user, t, wanted)
    out: dict[str, Any] = {
        "id": view.public_id,
        "url": view.url,
        "alias": view.alias or None,
        "province": view.province,
        "recorded_on": view.recorded_on.isoformat() if view.recorded_on else None,
        "content_warning": view.content_warning,
        "organisations": view.organisations,
    }
    for kind in VocabularyKind:
        out[f"{kind.value}s"] = [tag.slug for tag in view.tags_of(kind.value)]
    out["versions"] = [
        {
            "language": v.language,
            "kind": v.kind,
            "title": v.title,
            "summary": v.summary,
            "body": v.body,
            "revision": v.revision_number,
            "revision_status": v.revision_status,
            "revision_date": v.revision_date.isoformat(timespec="seconds") + "Z",
            "url": v.url,
        }
        for v in view.versions
    ]
    if view.staff:
        out["ref"] = view.ref
        out["status"] = view.status
        out["consent_level"] = view.consent_level
    if view.identity is not None:
        out["place"] = {
            "district": view.identity.district,
            "commune": view.identity.commune,
            "village": view.identity.village,
        }
        identity = view.identity
        out["narrator"] = {
            "legal_name": None if is_unavailable(identity.legal_name) else identity.legal_name,
            "contact": None if is_unavailable(identity.contact) else identity.contact,
            "unavailable": [
                name
                for name in ("legal_name", "contact")
                if is_unavailable(getattr(identity, name))
            ],
            "gender": view.identity.gender,
            "age_range": view.identity.age_range,
        }
    return out
