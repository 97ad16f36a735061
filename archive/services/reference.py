"""Reference data admins curate: content languages, vocabulary terms and support contacts.

Every function checks the actor may use the admin area, validates its input, writes, flushes
and records one audit entry per change (codes and ids only, never names or labels); the caller
commits. Bad input raises ServiceError naming the form field, with a translated message; an
unchanged save writes nothing and records nothing.

Content languages are BCP 47 tags checked against the IANA registry (langcodes), never Babel
locales. Their names stay as staff typed them: nothing here fills in the name or autonym of a
language (langcodes' English display name is only offered as a hint by the view).
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import langcodes
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import ContentLanguage, SupportContact, VocabularyKind, VocabularyTerm
from . import audit
from .errors import ServiceError
from .testimonies import check

ACTION = "admin.area"

TAG_MAX = 35  # ContentLanguage.tag
NAME_MAX = 100  # ContentLanguage names
LABEL_MAX = 200  # VocabularyTerm labels, SupportContact names
SLUG_MAX = 64
DESCRIPTION_MAX = 2000
PHONE_MAX = 50
POSITION_MAX = 9999
DIRECTIONS = ("ltr", "rtl")

# Lowercase ASCII letters and digits, single hyphens between them: "health-facility".
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A BCP 47 tag is ASCII letters, digits and hyphens ("en_US" is a POSIX locale, not a tag).
_TAG_CHARS = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_SCRIPT = re.compile(r"[A-Za-z]{4}")
# What a phone number may contain once Khmer digits are turned into ASCII ones.
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]*")
_KHMER_TO_ASCII = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
# Line breaks and tabs are allowed in multi-line fields only; other control characters never.
_MULTILINE_OK = frozenset("\n\r\t")


def _too_long(limit: int) -> Any:
    return _l("At most %(max)s characters.", max=limit)


def _text(value: str | None, field: str, limit: int, *, multiline: bool = False) -> str:
    """Return `value` stripped and in NFC; refuse control characters and overlong text."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    allowed = _MULTILINE_OK if multiline else frozenset()
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        raise ServiceError(_l("This text contains a control character."), field)
    if len(text) > limit:
        raise ServiceError(_too_long(limit), field)
    return text


def _changed(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set `values` on `obj`; return the names of the attributes that changed (sorted)."""
    changed = sorted(name for name, value in values.items() if getattr(obj, name) != value)
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _flush_unique(message: Any, field: str) -> None:
    """Flush; a unique-constraint race lost to another request becomes a ServiceError.

    The session must be rolled back by the caller after this raises.
    """
    try:
        db.session.flush()
    except IntegrityError:
        raise ServiceError(message, field) from None


# -- content languages ---------------------------------------------------------------------


@dataclass
class LanguageInput:
    name_en: str = ""
    name_km: str = ""
    autonym: str = ""
    script: str = ""
    direction: str = "ltr"


def normalize_tag(raw: str) -> str:
    """Return the standard form of a BCP 47 tag ("jra-latn" -> "jra-Latn", "km-Khmr" -> "km").

    Raises ServiceError (field "tag") for anything the IANA registry does not accept.
    """
    tag = (raw or "").strip()
    if not tag:
        raise ServiceError(_l("This field is required."), "tag")
    if len(tag) > TAG_MAX:
        raise ServiceError(_too_long(TAG_MAX), "tag")
    if not _TAG_CHARS.fullmatch(tag) or not langcodes.tag_is_valid(tag):
        raise ServiceError(
            _l("This is not a valid BCP 47 language tag (for example tpu-Khmr or jra-Latn)."),
            "tag",
        )
    standard = langcodes.standardize_tag(tag)
    if len(standard) > TAG_MAX:
        raise ServiceError(_too_long(TAG_MAX), "tag")
    return standard


def tag_script(raw: str) -> str:
    """Return the script subtag a tag spells out ("tpu-Khmr" -> "Khmr"), or ""."""
    try:
        return langcodes.Language.get(raw.strip()).script or ""
    except langcodes.LanguageTagError:
        return ""


def registry_hint(raw: str) -> tuple[str, str]:
    """Return (standard tag, English name the IANA registry gives its language) for a valid
    tag, ("", "") otherwise; the name is "" when the registry has none.

    Only ever a hint for staff: nothing here is stored unless they type it themselves.
    """
    try:
        tag = normalize_tag(raw)
    except ServiceError:
        return "", ""
    language = langcodes.Language.get(tag)
    if not language.language or language.language in ("und", "mul", "zxx", "mis"):
        return tag, ""
    name = language.language_name("en")
    return tag, "" if name.startswith("Unknown language") else name


def _language_values(data: LanguageInput, tag_script_subtag: str = "") -> dict[str, str]:
    script = (data.script or "").strip()
    if script:
        if not _SCRIPT.fullmatch(script) or not langcodes.tag_is_valid(f"und-{script}"):
            raise ServiceError(
                _l("Enter a four-letter ISO 15924 script code, such as Khmr or Latn."), "script"
            )
        script = script.title()
    if tag_script_subtag:
        if script and script != tag_script_subtag:
            raise ServiceError(
                _l("The tag names the script %(script)s.", script=tag_script_subtag), "script"
            )
        script = tag_script_subtag
    if data.direction not in DIRECTIONS:
        raise ServiceError(_l("Choose one of the listed options."), "direction")
    return {
        "name_en": _text(data.name_en, "name_en", NAME_MAX),
        "name_km": _text(data.name_km, "name_km", NAME_MAX),
        "autonym": _text(data.autonym, "autonym", NAME_MAX),
        "script": script,
        "direction": data.direction,
    }


def create_language(raw_tag: str, data: LanguageInput, actor: Any) -> ContentLanguage:
    """Add a content language under the standard form of `raw_tag`; refuse a tag (in any
    spelling) that is already there. Names not supplied stay empty."""
    check(actor, ACTION)
    tag = normalize_tag(raw_tag)
    existing = db.session.scalar(
        select(ContentLanguage.tag).where(func.lower(ContentLanguage.tag) == tag.lower())
    )
    if existing is not None:
        raise ServiceError(_l("%(tag)s is already in the list.", tag=existing), "tag")
    values = _language_values(data, tag_script(raw_tag))
    language = ContentLanguage(tag=tag, **values)
    db.session.add(language)
    _flush_unique(_l("%(tag)s is already in the list.", tag=tag), "tag")
    audit.record("language.create", "content_language", tag, actor)
    return language


def languages() -> list[ContentLanguage]:
    """Return every content language, by tag."""
    return list(db.session.scalars(select(ContentLanguage).order_by(ContentLanguage.tag)))


def update_language(language: ContentLanguage, data: LanguageInput, actor: Any) -> bool:
    """Change a language's names, script and direction (never its tag); return whether
    anything changed (an unchanged save records nothing)."""
    check(actor, ACTION)
    values = _language_values(data, tag_script(language.tag))
    changed = _changed(language, values)
    if changed:
        db.session.flush()
        audit.record("language.update", "content_language", language.tag, actor, fields=changed)
    return bool(changed)


# -- vocabularies ----------------------------------------------------------------------------


@dataclass
class TermInput:
    label_en: str = ""
    label_km: str = ""


def _term_values(data: TermInput) -> dict[str, str]:
    label_en = _text(data.label_en, "label_en", LABEL_MAX)
    if not label_en:
        raise ServiceError(_l("This field is required."), "label_en")
    return {"label_en": label_en, "label_km": _text(data.label_km, "label_km", LABEL_MAX)}


def _audit_term(action: str, term: VocabularyTerm, actor: Any, **details: Any) -> None:
    audit.record(
        action, "vocabulary_term", term.id, actor, kind=term.kind, slug=term.slug, **details
    )


def create_term(kind: str, slug: str, data: TermInput, actor: Any) -> VocabularyTerm:
    """Add a term at the end of its vocabulary. The slug is checked here and never changes
    afterwards; a Khmer label typed by an admin counts as confirmed."""
    check(actor, ACTION)
    if kind not in set(VocabularyKind):
        raise ServiceError(_l("Choose one of the listed options."), "kind")
    slug = (slug or "").strip()
    if not slug:
        raise ServiceError(_l("This field is required."), "slug")
    if len(slug) > SLUG_MAX:
        raise ServiceError(_too_long(SLUG_MAX), "slug")
    if not _SLUG.fullmatch(slug):
        raise ServiceError(
            _l("Use lowercase letters a-z, digits and single hyphens, e.g. health-facility."),
            "slug",
        )
    taken = db.session.scalar(
        select(VocabularyTerm.id).where(VocabularyTerm.kind == kind, VocabularyTerm.slug == slug)
    )
    if taken is not None:
        raise ServiceError(_l("This slug is already used in this vocabulary."), "slug")
    values = _term_values(data)
    last = db.session.scalar(
        select(func.max(VocabularyTerm.position)).where(VocabularyTerm.kind == kind)
    )
    term = VocabularyTerm(
        kind=kind,
        slug=slug,
        position=0 if last is None else last + 1,
        label_km_draft=not values["label_km"],
        **values,
    )
    db.session.add(term)
    _flush_unique(_l("This slug is already used in this vocabulary."), "slug")
    _audit_term("vocabulary.create", term, actor)
    return term


def update_term(term: VocabularyTerm, data: TermInput, actor: Any) -> bool:
    """Change a term's English and Khmer labels (never its kind or slug).

    A changed Khmer label is confirmed by the admin who typed it; cleared, it is a missing
    label again (the English one shows, marked). Returns whether anything changed.
    """
    check(actor, ACTION)
    values = _term_values(data)
    changed = _changed(term, values)
    if "label_km" in changed:
        term.label_km_draft = not term.label_km
    if changed:
        db.session.flush()
        _audit_term("vocabulary.update", term, actor, fields=changed)
    return bool(changed)


def confirm_term(term: VocabularyTerm, actor: Any) -> bool:
    """Confirm a drafted Khmer label as it stands; return False when it was already
    confirmed. Refuses a term without a Khmer label (there is nothing to confirm)."""
    check(actor, ACTION)
    if not term.label_km:
        raise ServiceError(_l("There is no Khmer label to confirm."), "label_km")
    if not term.label_km_draft:
        return False
    term.label_km_draft = False
    db.session.flush()
    _audit_term("vocabulary.confirm", term, actor)
    return True


def move_term(term: VocabularyTerm, direction: str, actor: Any) -> bool:
    """Move a term one place up or down in its vocabulary; return False at either end."""
    check(actor, ACTION)
    if direction not in ("up", "down"):
        raise ServiceError(_l("Choose one of the listed options."), "direction")
    terms = list(
        db.session.scalars(
            select(VocabularyTerm)
            .where(VocabularyTerm.kind == term.kind)
            .order_by(VocabularyTerm.position, VocabularyTerm.id)
        )
    )
    index = terms.index(term)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(terms):
        return False
    terms[index], terms[other] = terms[other], terms[index]
    for position, item in enumerate(terms):
        item.position = position
    db.session.flush()
    _audit_term("vocabulary.reorder", term, actor, direction=direction)
    return True


def terms_by_kind() -> dict[str, list[VocabularyTerm]]:
    """Return every term, grouped by kind (in VocabularyKind order) and sorted by position."""
    grouped: dict[str, list[VocabularyTerm]] = {kind.value: [] for kind in VocabularyKind}
    query = select(VocabularyTerm).order_by(VocabularyTerm.position, VocabularyTerm.id)
    for term in db.session.scalars(query):
        grouped.setdefault(term.kind, []).append(term)
    return grouped


# -- support contacts ------------------------------------------------------------------------


@dataclass
class SupportContactInput:
    name_km: str = ""
    name_en: str = ""
    description_km: str = ""
    description_en: str = ""
    phone: str = ""
    position: str | int = 0
    active: bool = True


def _contact_values(data: SupportContactInput) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name_km": _text(data.name_km, "name_km", LABEL_MAX),
        "name_en": _text(data.name_en, "name_en", LABEL_MAX),
        "description_km": _text(
            data.description_km, "description_km", DESCRIPTION_MAX, multiline=True
        ),
        "description_en": _text(
            data.description_en, "description_en", DESCRIPTION_MAX, multiline=True
        ),
        "active": bool(data.active),
    }
    if not values["name_km"] and not values["name_en"]:
        raise ServiceError(_l("Give a name in Khmer or in English."), "name_km")
    phone = _text(data.phone, "phone", PHONE_MAX).translate(_KHMER_TO_ASCII)
    if phone and (not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 3):
        raise ServiceError(
            _l("Enter a phone number: digits, spaces and + - ( ) only, e.g. +855 12 345 678."),
            "phone",
        )
    values["phone"] = phone
    raw_position = str(data.position).strip().translate(_KHMER_TO_ASCII) or "0"
    if not raw_position.isascii() or not raw_position.isdigit():
        raise ServiceError(_l("Enter a whole number from 0 to 9999."), "position")
    position = int(raw_position)
    if position > POSITION_MAX:
        raise ServiceError(_l("Enter a whole number from 0 to 9999."), "position")
    values["position"] = position
    return values


def create_support_contact(data: SupportContactInput, actor: Any) -> SupportContact:
    """Add a support contact (shown to readers of stories with a content warning)."""
    check(actor, ACTION)
    contact = SupportContact(**_contact_values(data))
    db.session.add(contact)
    db.session.flush()
    audit.record("support_contact.create", "support_contact", contact.id, actor)
    return contact


def update_support_contact(contact: SupportContact, data: SupportContactInput, actor: Any) -> bool:
    """Change a support contact; return whether anything changed."""
    check(actor, ACTION)
    changed = _changed(contact, _contact_values(data))
    if changed:
        db.session.flush()
        audit.record("support_contact.update", "support_contact", contact.id, actor, fields=changed)
    return bool(changed)


def set_support_contact_active(contact: SupportContact, active: bool, actor: Any) -> bool:
    """Show (activate) or hide (deactivate) a support contact; return whether it changed.
    Contacts are never deleted, so a mistaken deactivation is undone with one click."""
    check(actor, ACTION)
    if contact.active == active:
        return False
    contact.active = active
    db.session.flush()
    action = "support_contact.activate" if active else "support_contact.deactivate"
    audit.record(action, "support_contact", contact.id, actor)
    return True


def support_contacts() -> list[SupportContact]:
    """Return every support contact, active ones first, in display order."""
    query = select(SupportContact).order_by(
        SupportContact.active.desc(), SupportContact.position, SupportContact.id
    )
    return list(db.session.scalars(query))


def active_support_contacts() -> list[SupportContact]:
    """Return the contacts readers may see (active ones), in display order."""
    query = (
        select(SupportContact)
        .where(SupportContact.active.is_(True))
        .order_by(SupportContact.position, SupportContact.id)
    )
    return list(db.session.scalars(query))


# -- the admin index -------------------------------------------------------------------------


def overview() -> dict[str, int]:
    """Return the counts the admin index shows (what needs attention)."""

    def count(query: Any) -> int:
        return db.session.scalar(query) or 0

    return {
        "languages": count(select(func.count()).select_from(ContentLanguage)),
        "languages_unnamed": count(
            select(func.count())
            .select_from(ContentLanguage)
            .where((ContentLanguage.name_km == "") | (ContentLanguage.autonym == ""))
        ),
        "terms": count(select(func.count()).select_from(VocabularyTerm)),
        "terms_draft": count(
            select(func.count())
            .select_from(VocabularyTerm)
            .where(VocabularyTerm.label_km_draft.is_(True), VocabularyTerm.label_km != "")
        ),
        "terms_missing_km": count(
            select(func.count()).select_from(VocabularyTerm).where(VocabularyTerm.label_km == "")
        ),
        "contacts_active": count(
            select(func.count()).select_from(SupportContact).where(SupportContact.active.is_(True))
        ),
    }
