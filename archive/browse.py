"""Browsing the public site: tag counts, list filters, related stories, organisations and
support contacts, the public feed and sitemap.

Every count, list and link here goes through `policy.testimony_filter` / `version_filter` for
the viewer's tier (the feed and sitemap always use the anonymous tier), so a count never
includes what the reader cannot open and a tag never links to an empty page.
"""

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from sqlalchemy import ColumnElement, func, select

from .extensions import db
from .i18n import ui_locale
from .models import (
    ContentLanguage,
    Organisation,
    SupportContact,
    Testimony,
    Version,
    VocabularyKind,
    VocabularyTerm,
    testimony_terms,
)
from .policy import Tier, testimony_filter, tier_of, version_filter
from .presenters import Label, TestimonyView, language_label, term_label, testimony_view

KINDS: tuple[str, ...] = tuple(kind.value for kind in VocabularyKind)
# The two ways the home page offers to browse.
BROWSE_KINDS = ("identity_group", "discrimination_type")

# Plural headings for filter groups, singular names for a tag page's kicker.
KIND_TITLES = {
    "identity_group": _l("Identity groups"),
    "discrimination_type": _l("Types of discrimination"),
    "setting": _l("Where it happened"),
    "need": _l("Needs and requests"),
}
KIND_NAMES = {
    "identity_group": _l("Identity group"),
    "discrimination_type": _l("Type of discrimination"),
    "setting": _l("Setting"),
    "need": _l("Need or request"),
}


class BadFilter(ValueError):
    """A list filter names a kind, value or language the archive does not know."""


@dataclass
class LocalText:
    """Text from the database in the UI language, or in the other one (with its `lang`)."""

    text: str
    lang: str


@dataclass
class TermCount:
    kind: str
    slug: str
    label: Label
    count: int
    selected: bool = False

    @property
    def url(self) -> str:
        return url_for("public.tag", kind=self.kind, slug=self.slug)


@dataclass
class LanguageCount:
    tag: str
    label: Label
    count: int
    selected: bool = False


@dataclass
class ListFilters:
    """Validated filters of the story list: vocabulary slugs by kind, a content language."""

    terms: dict[str, list[str]] = field(default_factory=dict)
    language: str = ""

    @property
    def active(self) -> bool:
        return bool(self.language or any(self.terms.values()))

    def args(self) -> dict[str, Any]:
        """Return the filters as query arguments (for links that keep them)."""
        out: dict[str, Any] = {kind: slugs for kind, slugs in self.terms.items() if slugs}
        if self.language:
            out["language"] = self.language
        return out


@dataclass
class OrganisationView:
    code: str
    name: LocalText
    represents: LocalText | None


@dataclass
class ContactView:
    name: LocalText
    description: LocalText | None
    phone: str

    @property
    def phone_href(self) -> str:
        """A `tel:` link target: digits and a leading plus only."""
        digits = "".join(c for c in self.phone if c.isdigit() and c.isascii())
        return ("tel:+" if self.phone.strip().startswith("+") else "tel:") + digits


def local_text(km: str, en: str) -> LocalText | None:
    """Return the UI-language text of a km/en pair, falling back to the other language."""
    first, second = ((km, "km"), (en, "en")) if ui_locale() == "km" else ((en, "en"), (km, "km"))
    for text, lang in (first, second):
        if text and text.strip():
            return LocalText(text.strip(), lang)
    return None


# -- filters ---------------------------------------------------------------------------------


def parse_filters(args: Any) -> ListFilters:
    """Return the list filters in query arguments; raise BadFilter for unknown values."""
    filters = ListFilters()
    for kind in KINDS:
        slugs = list(dict.fromkeys(v for v in args.getlist(kind) if v))
        if not slugs:
            continue
        if len(slugs) > 20 or any(len(s) > 64 for s in slugs):
            raise BadFilter(kind)
        known = set(
            db.session.scalars(
                select(VocabularyTerm.slug).where(
                    VocabularyTerm.kind == kind, VocabularyTerm.slug.in_(slugs)
                )
            )
        )
        if set(slugs) - known:
            raise BadFilter(kind)
        filters.terms[kind] = slugs
    language = args.get("language", "")
    if language:
        if len(language) > 35 or db.session.get(ContentLanguage, language) is None:
            raise BadFilter("language")
        filters.language = language
    return filters


def _term_clause(kind: str, slugs: list[str]) -> ColumnElement[bool]:
    """Testimonies tagged with any of `slugs` of one kind."""
    tagged = (
        select(testimony_terms.c.testimony_id)
        .join(VocabularyTerm, VocabularyTerm.id == testimony_terms.c.term_id)
        .where(VocabularyTerm.kind == kind, VocabularyTerm.slug.in_(slugs))
    )
    return Testimony.id.in_(tagged)


def _language_clause(tier: Tier, language: str) -> ColumnElement[bool]:
    """Testimonies with a version in `language` that `tier` may read."""
    readable = select(Version.testimony_id).where(
        Version.language == language, version_filter(tier)
    )
    return Testimony.id.in_(readable)


def filter_clauses(
    filters: ListFilters, tier: Tier, skip_kind: str | None = None
) -> list[ColumnElement[bool]]:
    """Return SQL clauses on Testimony for the filters (one kind left out, for its counts)."""
    clauses = [
        _term_clause(kind, slugs)
        for kind, slugs in filters.terms.items()
        if slugs and kind != skip_kind
    ]
    if filters.language and skip_kind != "language":
        clauses.append(_language_clause(tier, filters.language))
    return clauses


# -- counts ----------------------------------------------------------------------------------


def term_counts(
    tier: Tier,
    kinds: tuple[str, ...] = KINDS,
    where: list[ColumnElement[bool]] | None = None,
    selected: dict[str, list[str]] | None = None,
) -> dict[str, list[TermCount]]:
    """Return, per kind, the terms with the number of testimonies `tier` may open.

    Terms without any such testimony are left out (unless selected), so no link or choice
    leads to an empty page. Order: the vocabulary's own order.
    """
    selected = selected or {}
    count = func.count(func.distinct(Testimony.id))
    query = (
        select(VocabularyTerm.id, count)
        .join(testimony_terms, testimony_terms.c.term_id == VocabularyTerm.id)
        .join(Testimony, Testimony.id == testimony_terms.c.testimony_id)
        .where(VocabularyTerm.kind.in_(kinds), testimony_filter(tier), *(where or []))
        .group_by(VocabularyTerm.id)
    )
    counts: dict[int, int] = {row[0]: row[1] for row in db.session.execute(query)}
    terms = db.session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.kind.in_(kinds))
        .order_by(VocabularyTerm.position, VocabularyTerm.id)
    )
    out: dict[str, list[TermCount]] = {kind: [] for kind in kinds}
    for term in terms:
        n = counts.get(term.id, 0)
        chosen = term.slug in selected.get(term.kind, [])
        if n > 0 or chosen:
            out[term.kind].append(TermCount(term.kind, term.slug, term_label(term), n, chosen))
    return out


def language_counts(
    tier: Tier, where: list[ColumnElement[bool]] | None = None, selected: str = ""
) -> list[LanguageCount]:
    """Return the content languages with the number of testimonies readable in each."""
    count = func.count(func.distinct(Version.testimony_id))
    query = (
        select(Version.language, count)
        .join(Testimony, Testimony.id == Version.testimony_id)
        .where(version_filter(tier), testimony_filter(tier), *(where or []))
        .group_by(Version.language)
    )
    rows = [(row[0], row[1]) for row in db.session.execute(query)]
    items = [LanguageCount(tag, language_label(tag), n, tag == selected) for tag, n in rows]
    if selected and selected not in {item.tag for item in items}:
        items.append(LanguageCount(selected, language_label(selected), 0, True))
    order = {"km": 0, "en": 1}
    items.sort(key=lambda item: (order.get(item.tag, 2), item.label.text))
    return items


@dataclass
class ListFacets:
    terms: dict[str, list[TermCount]]
    languages: list[LanguageCount]


def list_facets(tier: Tier, filters: ListFilters) -> ListFacets:
    """Return the filter choices of the story list, each counted with the other filters on."""
    terms: dict[str, list[TermCount]] = {}
    for kind in KINDS:
        where = filter_clauses(filters, tier, skip_kind=kind)
        terms.update(term_counts(tier, (kind,), where, filters.terms))
    languages = language_counts(
        tier, filter_clauses(filters, tier, skip_kind="language"), filters.language
    )
    return ListFacets(terms, languages)


def find_term(kind: str, slug: str) -> VocabularyTerm | None:
    """Return the vocabulary term `kind`/`slug`, or None."""
    if kind not in KINDS or len(slug) > 64:
        return None
    return db.session.scalar(
        select(VocabularyTerm).where(VocabularyTerm.kind == kind, VocabularyTerm.slug == slug)
    )


# -- related stories -------------------------------------------------------------------------


def related(user: Any, testimony: Testimony, limit: int) -> list[TestimonyView]:
    """Return up to `limit` other testimonies `user` may open that share the most tags."""
    term_ids = [term.id for term in testimony.terms]
    if not term_ids or limit <= 0:
        return []
    shared = func.count(testimony_terms.c.term_id)
    query = (
        select(Testimony.id)
        .join(testimony_terms, testimony_terms.c.testimony_id == Testimony.id)
        .where(
            testimony_terms.c.term_id.in_(term_ids),
            Testimony.id != testimony.id,
            testimony_filter(tier_of(user)),
        )
        .group_by(Testimony.id, Testimony.published_at)
        .order_by(shared.desc(), Testimony.published_at.desc().nulls_last(), Testimony.id.desc())
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    found = {t.id: t for t in db.session.scalars(select(Testimony).where(Testimony.id.in_(ids)))}
    return [testimony_view(user, found[i]) for i in ids if i in found]


# -- site content ----------------------------------------------------------------------------


def organisations() -> list[OrganisationView]:
    """Return the rightsholder organisations, names and whom they represent localized."""
    out = []
    for org in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        name = local_text(org.name_km, org.name_en) or LocalText(org.code, "en")
        out.append(
            OrganisationView(org.code, name, local_text(org.represents_km, org.represents_en))
        )
    return out


def support_contacts() -> list[ContactView]:
    """Return the active support contacts admins set, in their order."""
    query = (
        select(SupportContact)
        .where(SupportContact.active.is_(True))
        .order_by(SupportContact.position, SupportContact.id)
    )
    out = []
    for contact in db.session.scalars(query):
        name = local_text(contact.name_km, contact.name_en)
        if name is None:
            continue
        description = local_text(contact.description_km, contact.description_en)
        out.append(ContactView(name, description, contact.phone.strip()))
    return out


# -- feed and sitemap (always the anonymous tier) --------------------------------------------


def anonymous() -> AnonymousUserMixin:
    """Return a viewer with no account: what feeds and sitemaps are computed for."""
    return AnonymousUserMixin()


def public_testimonies(limit: int | None = None) -> list[Testimony]:
    """Return the testimonies anyone may open, most recently published first."""
    query = (
        select(Testimony)
        .where(testimony_filter(Tier.PUBLIC))
        .order_by(
            Testimony.published_at.desc().nulls_last(),
            Testimony.recorded_on.desc().nulls_last(),
            Testimony.id.desc(),
        )
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def public_tags() -> list[TermCount]:
    """Return every tag with at least one public testimony (for the sitemap)."""
    counts = term_counts(Tier.PUBLIC)
    return [item for kind in KINDS for item in counts[kind]]
