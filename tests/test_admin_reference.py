"""Admin pages for reference data: content languages, vocabularies, support contacts.

Everything goes through the real forms (CSRF included); every change writes exactly one audit
row of codes; bad input re-renders the form with 400 and writes nothing; the reference data is
live (the importer accepts an added language, readers see relabelled terms).
"""

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from archive.extensions import db
from archive.models import AuditEntry, ContentLanguage, SupportContact, VocabularyTerm
from archive.services import reference
from archive.services.importer import ImportFailed, import_lines

from .factories import T, csrf_token, login, make_testimony, make_user, post_form

PAGES = [
    "/admin/",
    "/admin/languages",
    "/admin/languages/new",
    "/admin/languages/km/edit",
    "/admin/vocabularies",
    "/admin/vocabularies/need/new",
    "/admin/support-contacts",
    "/admin/support-contacts/new",
]


# -- helpers ---------------------------------------------------------------------------------


def _client(app: Flask, role: str) -> FlaskClient:
    with app.app_context():
        make_user(role)
    client = app.test_client()
    assert login(client, f"{role}@example.org").status_code == 302
    client.get("/?locale=en")  # messages below are asserted in English
    return client


def _audit(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def _new_audit(app: Flask, before: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(a.action, a.object_type, a.object_id, a.details) for a in _audit(app)[before:]]


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def _term(app: Flask, kind: str, slug: str) -> VocabularyTerm | None:
    with app.app_context():
        term = db.session.scalar(
            select(VocabularyTerm).where(VocabularyTerm.kind == kind, VocabularyTerm.slug == slug)
        )
        db.session.expunge_all()
        return term


def _term_id(app: Flask, kind: str, slug: str) -> int:
    term = _term(app, kind, slug)
    assert term is not None
    return term.id


def _language(app: Flask, tag: str) -> ContentLanguage | None:
    with app.app_context():
        found = db.session.get(ContentLanguage, tag)
        db.session.expunge_all()
        return found


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def _language_form(tag: str | None = "", **values: str) -> dict[str, str]:
    data = {"name_en": "", "name_km": "", "autonym": "", "script": "", "direction": "ltr"}
    if tag is not None:
        data["tag"] = tag
    return {**data, **values}


def _line(ref: str, language: str, **extra: Any) -> bytes:
    record = {
        "ref": ref,
        "status": "draft",
        "consent": {"level": "staff"},
        "versions": [
            {
                "language": language,
                "kind": "original",
                "title": "A title",
                "body": "A body.",
                "status": "draft",
            }
        ],
        **extra,
    }
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


# -- access ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(app: Flask) -> None:
    client = app.test_client()
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login"), path


@pytest.mark.parametrize("role", ["editor", "translator", "researcher"])
def test_signed_in_non_admins_get_404_and_write_nothing(app: Flask, role: str) -> None:
    client = _client(app, role)
    for path in PAGES:
        assert client.get(path).status_code == 404, path
    audit_before = _count(app, AuditEntry)
    token = csrf_token(client, "/")  # every signed-in page has the sign-out form's token
    term_id = _term_id(app, "identity_group", "elderly")
    for path, data in [
        ("/admin/languages/new", _language_form("brb-Latn", name_en="Brao")),
        ("/admin/languages/km/edit", _language_form(None, name_en="Changed")),
        (f"/admin/vocabularies/{term_id}/confirm", {}),
        (f"/admin/vocabularies/{term_id}/edit", {"label_en": "Changed", "label_km": ""}),
        ("/admin/vocabularies/need/new", {"slug": "x", "label_en": "X", "label_km": ""}),
        ("/admin/support-contacts/new", {"name_en": "Helpline", "position": "0"}),
    ]:
        answer = client.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 404, path
    assert _count(app, AuditEntry) == audit_before
    assert _language(app, "brb-Latn") is None
    term = _term(app, "identity_group", "elderly")
    assert term is not None and term.label_km_draft and term.label_en == "Older people"
    assert _count(app, SupportContact) == 0


def test_admin_reaches_every_page(app: Flask) -> None:
    client = _client(app, "admin")
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "no-store"
    index = client.get("/admin/").get_data(as_text=True)
    for target in ("/admin/languages", "/admin/vocabularies", "/admin/support-contacts"):
        assert f'href="{target}"' in index


# -- content languages -----------------------------------------------------------------------


def test_added_language_is_accepted_by_the_import(app: Flask) -> None:
    client = _client(app, "admin")
    line = _line("brao-latin-001", "brb-Latn")
    with app.app_context(), pytest.raises(ImportFailed) as refused:
        import_lines(line)  # positive control: unknown before the admin adds it
    assert refused.value.field.startswith("versions")

    before = len(_audit(app))
    answer = post_form(client, "/admin/languages/new", _language_form("brb-latn", name_en="Brao"))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith("/admin/languages")
    assert _new_audit(app, before) == [("language.create", "content_language", "brb-Latn", {})]

    language = _language(app, "brb-Latn")  # stored in its standard spelling
    assert language is not None
    assert (language.name_en, language.name_km, language.autonym) == ("Brao", "", "")
    assert (language.script, language.direction) == ("Latn", "ltr")  # script from the tag
    listing = client.get("/admin/languages").get_data(as_text=True)
    assert "<code>brb-Latn</code>" in listing

    with app.app_context():
        report = import_lines(line)
        assert report.created == 1


def test_names_are_never_filled_in_from_the_registry(app: Flask) -> None:
    client = _client(app, "admin")
    # The registry knows "tpu" as Tampuan: offered as a placeholder only, never as a value.
    answer = post_form(client, "/admin/languages/new", _language_form("tpu-Latn", script="Cyrl"))
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    name_input = re.search(r'<input[^>]*name="name_en"[^>]*>', html)
    assert name_input is not None
    assert 'placeholder="Tampuan"' in name_input.group(0)
    assert 'value=""' in name_input.group(0)
    assert "The tag names the script Latn." in _field_error(html, "script")

    answer = post_form(client, "/admin/languages/new", _language_form("tpu-Latn"))
    assert answer.status_code == 302
    language = _language(app, "tpu-Latn")
    assert language is not None
    assert (language.name_en, language.name_km, language.autonym) == ("", "", "")
    # The edit page offers the hint again; the seeded English name of Kreung stays as it is.
    edit = client.get("/admin/languages/tpu-Latn/edit").get_data(as_text=True)
    assert 'placeholder="Tampuan"' in edit
    kreung = client.get("/admin/languages/krr-Khmr/edit").get_data(as_text=True)
    assert 'value="Kreung"' in kreung and "placeholder=" not in kreung


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("xx_YY", "not a valid BCP 47 language tag"),
        ("en_US", "not a valid BCP 47 language tag"),  # a POSIX locale, not a tag
        ("tpu-Khmrr", "not a valid BCP 47 language tag"),
        ("abc-def-ghi-jkl", "not a valid BCP 47 language tag"),
        ("tpu Khmr", "not a valid BCP 47 language tag"),
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 36, "At most 35 characters."),
        ("km", "km is already in the list."),
        ("KM", "km is already in the list."),
        ("km-Khmr", "km is already in the list."),  # the standard form of km-Khmr is km
        ("JRA-latn", "jra-Latn is already in the list."),
    ],
)
def test_bad_or_duplicate_tags_are_refused(app: Flask, tag: str, message: str) -> None:
    client = _client(app, "admin")
    languages, audits = _count(app, ContentLanguage), _count(app, AuditEntry)
    answer = post_form(client, "/admin/languages/new", _language_form(tag, name_en="Something"))
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in _field_error(html, "tag"), html
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="tag"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert (_count(app, ContentLanguage), _count(app, AuditEntry)) == (languages, audits)


def test_refusals_are_shown_in_the_khmer_interface(app: Flask) -> None:
    client = _client(app, "admin")
    client.get("/?locale=km")
    with app.test_request_context(), force_locale("km"):
        required = gettext("This field is required.")
        invalid = gettext(
            "This is not a valid BCP 47 language tag (for example tpu-Khmr or jra-Latn)."
        )
    assert required != "This field is required."  # the Khmer catalog answers
    for tag, expected in (("", required), ("xx_YY", invalid)):
        answer = post_form(client, "/admin/languages/new", _language_form(tag))
        assert answer.status_code == 400
        html = answer.get_data(as_text=True)
        assert '<html lang="km"' in html
        assert _field_error(html, "tag") == expected


def test_edit_language_never_changes_the_tag(app: Flask) -> None:
    client = _client(app, "admin")
    before = len(_audit(app))
    data = _language_form(
        "xx-changed", name_en="Tampuan", name_km="ភាសាទំពួន", autonym="", script="khmr"
    )
    answer = post_form(client, "/admin/languages/tpu-Khmr/edit", data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert _new_audit(app, before) == [
        ("language.update", "content_language", "tpu-Khmr", {"fields": ["name_km"]})
    ]
    language = _language(app, "tpu-Khmr")
    assert language is not None and language.name_km == "ភាសាទំពួន"
    assert language.script == "Khmr"
    assert _language(app, "xx-changed") is None

    # Saving again without a change records nothing.
    answer = post_form(client, "/admin/languages/tpu-Khmr/edit", data)
    assert answer.status_code == 302
    assert len(_audit(app)) == before + 1
    assert client.get("/admin/languages/nope/edit").status_code == 404


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"script": "Khmrr"}, "script", "At most 4 characters."),
        ({"script": "Qwer"}, "script", "four-letter ISO 15924 script code"),
        ({"script": "12ab"}, "script", "four-letter ISO 15924 script code"),
        ({"script": "Latn"}, "script", "The tag names the script Khmr."),
        ({"direction": "ttb"}, "direction", "Choose one of the listed options."),
        ({"name_km": "x" * 101}, "name_km", "At most 100 characters."),
        ({"autonym": "a\x01b"}, "autonym", "control character"),
    ],
)
def test_bad_language_details_are_refused(
    app: Flask, values: dict[str, str], field: str, message: str
) -> None:
    client = _client(app, "admin")
    audits = _count(app, AuditEntry)
    data = _language_form(None, **{"name_en": "Tampuan", "script": "Khmr", **values})
    answer = post_form(client, "/admin/languages/tpu-Khmr/edit", data)
    assert answer.status_code == 400
    assert message in _field_error(answer.get_data(as_text=True), field)
    assert _count(app, AuditEntry) == audits
    language = _language(app, "tpu-Khmr")
    assert language is not None
    assert (language.name_km, language.autonym, language.script) == ("", "", "Khmr")


# -- vocabularies ----------------------------------------------------------------------------


def _tag_item(html: str, label: str) -> str:
    """Return the <li> of the public page's tag list that shows `label`."""
    for item in re.findall(r"<li>(.*?)</li>", html, re.S):
        if label in item:
            return item
    raise AssertionError(f"{label!r} not on the page")


def test_label_changes_and_confirmation_reach_the_public_page(app: Flask) -> None:
    with app.app_context():
        public_id = make_testimony(
            T("vocab-001", identity_groups=["indigenous", "elderly"])
        ).public_id
    admin = _client(app, "admin")
    reader = app.test_client()
    page = f"/t/{public_id}?locale=km"

    html = reader.get(page).get_data(as_text=True)
    assert 'class="marker"' in _tag_item(html, "ជនជាតិដើមភាគតិច")  # seeded: a draft
    assert 'class="marker"' in _tag_item(html, "មនុស្សចាស់")

    # A changed Khmer label is confirmed by the admin who typed it.
    before = len(_audit(app))
    indigenous = _term_id(app, "identity_group", "indigenous")
    answer = post_form(
        admin,
        f"/admin/vocabularies/{indigenous}/edit",
        {"label_en": "Indigenous peoples", "label_km": "ជនជាតិដើមភាគតិចនៅរតនគិរី"},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith("/admin/vocabularies#kind-identity_group")
    assert _new_audit(app, before) == [
        (
            "vocabulary.update",
            "vocabulary_term",
            str(indigenous),
            {"kind": "identity_group", "slug": "indigenous", "fields": ["label_km"]},
        )
    ]
    html = reader.get(page).get_data(as_text=True)
    assert 'class="marker"' not in _tag_item(html, "ជនជាតិដើមភាគតិចនៅរតនគិរី")

    # Confirming a drafted label as it stands removes the marker too.
    elderly = _term_id(app, "identity_group", "elderly")
    answer = post_form(
        admin, f"/admin/vocabularies/{elderly}/confirm", {}, form_path="/admin/vocabularies"
    )
    assert answer.status_code == 302
    assert _new_audit(app, before + 1) == [
        (
            "vocabulary.confirm",
            "vocabulary_term",
            str(elderly),
            {"kind": "identity_group", "slug": "elderly"},
        )
    ]
    html = reader.get(page).get_data(as_text=True)
    assert 'class="marker"' not in _tag_item(html, "មនុស្សចាស់")
    # Confirming twice changes nothing and records nothing.
    answer = post_form(
        admin, f"/admin/vocabularies/{elderly}/confirm", {}, form_path="/admin/vocabularies"
    )
    assert answer.status_code == 302
    assert len(_audit(app)) == before + 2

    # An English relabel shows in the English interface and leaves the Khmer label as it was.
    answer = post_form(
        admin,
        f"/admin/vocabularies/{elderly}/edit",
        {"label_en": "Older women", "label_km": "មនុស្សចាស់"},
    )
    assert answer.status_code == 302
    assert _new_audit(app, before + 2)[0][3]["fields"] == ["label_en"]
    english = reader.get(f"/t/{public_id}?locale=en").get_data(as_text=True)
    assert 'class="marker"' not in _tag_item(english, "Older women")
    assert "Older people" not in english
    html = reader.get(page).get_data(as_text=True)
    assert 'class="marker"' not in _tag_item(html, "មនុស្សចាស់")  # still confirmed


def test_new_term_slug_is_checked_unique_and_immutable(app: Flask) -> None:
    client = _client(app, "admin")
    before = len(_audit(app))
    answer = post_form(
        client,
        "/admin/vocabularies/need/new",
        {"slug": "clean-water", "label_en": "Clean water", "label_km": ""},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    term = _term(app, "need", "clean-water")
    assert term is not None
    assert (term.label_en, term.label_km, term.label_km_draft) == ("Clean water", "", True)
    assert _new_audit(app, before) == [
        (
            "vocabulary.create",
            "vocabulary_term",
            str(term.id),
            {"kind": "need", "slug": "clean-water"},
        )
    ]
    needs = [t.position for t in _terms(app, "need")]
    assert needs == sorted(needs) and _terms(app, "need")[-1].slug == "clean-water"

    # The same slug in another vocabulary is fine; twice in one is not.
    answer = post_form(
        client,
        "/admin/vocabularies/setting/new",
        {"slug": "clean-water", "label_en": "Water point", "label_km": "អណ្ដូងទឹក"},
    )
    assert answer.status_code == 302
    water_point = _term(app, "setting", "clean-water")
    assert water_point is not None and water_point.label_km_draft is False  # typed by an admin
    audits = len(_audit(app))
    answer = post_form(
        client,
        "/admin/vocabularies/need/new",
        {"slug": "clean-water", "label_en": "Again", "label_km": ""},
    )
    assert answer.status_code == 400
    assert "already used" in _field_error(answer.get_data(as_text=True), "slug")
    assert len(_audit(app)) == audits

    # The slug (and the kind) never change, whatever the edit form is sent.
    answer = post_form(
        client,
        f"/admin/vocabularies/{term.id}/edit",
        {"slug": "drinking-water", "kind": "setting", "label_en": "Safe water", "label_km": ""},
    )
    assert answer.status_code == 302
    after = _term(app, "need", "clean-water")
    assert after is not None and after.id == term.id and after.label_en == "Safe water"
    assert _term(app, "need", "drinking-water") is None
    edit_page = client.get(f"/admin/vocabularies/{term.id}/edit").get_data(as_text=True)
    assert 'name="slug"' not in edit_page

    # The new slug is live: the import accepts it.
    with app.app_context():
        import_lines(_line("water-001", "km", needs=["clean-water"]))


def _terms(app: Flask, kind: str) -> list[VocabularyTerm]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(VocabularyTerm)
                .where(VocabularyTerm.kind == kind)
                .order_by(VocabularyTerm.position, VocabularyTerm.id)
            )
        )
        db.session.expunge_all()
        return found


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Clean-Water", "Use lowercase letters"),
        ("clean_water", "Use lowercase letters"),
        ("-water", "Use lowercase letters"),
        ("water-", "Use lowercase letters"),
        ("clean--water", "Use lowercase letters"),
        ("ទឹក", "Use lowercase letters"),
        ("clean water", "Use lowercase letters"),
        ("", "This field is required."),
        ("w" * 65, "At most 64 characters."),
        ("plhiv", "already used"),
    ],
)
def test_bad_slugs_are_refused(app: Flask, slug: str, message: str) -> None:
    client = _client(app, "admin")
    terms, audits = _count(app, VocabularyTerm), _count(app, AuditEntry)
    answer = post_form(
        client,
        "/admin/vocabularies/identity_group/new",
        {"slug": slug, "label_en": "Label", "label_km": ""},
    )
    assert answer.status_code == 400
    assert message in _field_error(answer.get_data(as_text=True), "slug")
    assert (_count(app, VocabularyTerm), _count(app, AuditEntry)) == (terms, audits)


def test_bad_labels_are_refused(app: Flask) -> None:
    client = _client(app, "admin")
    term_id = _term_id(app, "setting", "work")
    audits = _count(app, AuditEntry)
    for data, field, message in [
        ({"label_en": "", "label_km": "ការងារ"}, "label_en", "This field is required."),
        ({"label_en": "   ", "label_km": ""}, "label_en", "This field is required."),
        ({"label_en": "Work", "label_km": "x" * 201}, "label_km", "At most 200 characters."),
        ({"label_en": "Wo\x01rk", "label_km": ""}, "label_en", "control character"),
    ]:
        answer = post_form(client, f"/admin/vocabularies/{term_id}/edit", data)
        assert answer.status_code == 400, data
        assert message in _field_error(answer.get_data(as_text=True), field), data
    assert client.get("/admin/vocabularies/nope/new").status_code == 404
    assert client.get("/admin/vocabularies/99999/edit").status_code == 404
    assert _count(app, AuditEntry) == audits
    term = _term(app, "setting", "work")
    assert term is not None and (term.label_en, term.label_km_draft) == ("Work", True)


def test_confirming_a_missing_khmer_label_is_refused(app: Flask) -> None:
    client = _client(app, "admin")
    post_form(
        client,
        "/admin/vocabularies/need/new",
        {"slug": "land", "label_en": "Land rights", "label_km": ""},
    )
    term_id = _term_id(app, "need", "land")
    audits = _count(app, AuditEntry)
    answer = post_form(
        client, f"/admin/vocabularies/{term_id}/confirm", {}, form_path="/admin/vocabularies"
    )
    assert answer.status_code == 400
    assert _count(app, AuditEntry) == audits
    # Without a CSRF token nothing happens either (the app answers CSRF failures with 403).
    elderly = _term_id(app, "identity_group", "elderly")
    assert client.post(f"/admin/vocabularies/{elderly}/confirm").status_code == 403
    term = _term(app, "identity_group", "elderly")
    assert term is not None and term.label_km_draft


def test_terms_can_be_reordered(app: Flask) -> None:
    client = _client(app, "admin")
    slugs = [t.slug for t in _terms(app, "setting")]
    before = len(_audit(app))
    work = _term_id(app, "setting", slugs[1])
    answer = post_form(
        client,
        f"/admin/vocabularies/{work}/move",
        {"direction": "up"},
        form_path="/admin/vocabularies",
    )
    assert answer.status_code == 302
    assert [t.slug for t in _terms(app, "setting")] == [slugs[1], slugs[0], *slugs[2:]]
    assert _new_audit(app, before) == [
        (
            "vocabulary.reorder",
            "vocabulary_term",
            str(work),
            {"kind": "setting", "slug": slugs[1], "direction": "up"},
        )
    ]
    # Already first: nothing moves, nothing is recorded. A made-up direction is refused.
    post_form(
        client, f"/admin/vocabularies/{work}/move", {"direction": "up"}, "/admin/vocabularies"
    )
    answer = post_form(
        client, f"/admin/vocabularies/{work}/move", {"direction": "sideways"}, "/admin/vocabularies"
    )
    assert answer.status_code == 400
    assert len(_audit(app)) == before + 1


# -- support contacts ------------------------------------------------------------------------

CONTACT = {
    "name_km": "ខ្សែទូរស័ព្ទជំនួយ",
    "name_en": "Helpline",
    "description_km": "",
    "description_en": "Free and confidential.\nEvery day.",
    "phone": "+855 12 345 678",
    "position": "1",
    "active": "y",
}


def test_support_contacts_add_edit_deactivate(app: Flask) -> None:
    client = _client(app, "admin")
    before = len(_audit(app))
    answer = post_form(client, "/admin/support-contacts/new", CONTACT)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        contact = db.session.scalar(select(SupportContact))
        assert contact is not None
        contact_id = contact.id
        assert contact.description_en == "Free and confidential.\nEvery day."
        assert (contact.phone, contact.position, contact.active) == ("+855 12 345 678", 1, True)
    assert _new_audit(app, before) == [
        ("support_contact.create", "support_contact", str(contact_id), {})
    ]
    listing = client.get("/admin/support-contacts").get_data(as_text=True)
    assert "Helpline" in listing and "ខ្សែទូរស័ព្ទជំនួយ" in listing

    # Khmer digits are stored as ASCII digits (a tel: link needs them).
    edit = f"/admin/support-contacts/{contact_id}/edit"
    answer = post_form(client, edit, {**CONTACT, "phone": "០១២ ៣៤៥ ៦៧៨", "position": "២"})
    assert answer.status_code == 302
    assert _new_audit(app, before + 1) == [
        (
            "support_contact.update",
            "support_contact",
            str(contact_id),
            {"fields": ["phone", "position"]},
        )
    ]
    # An unchanged save records nothing.
    assert (
        post_form(client, edit, {**CONTACT, "phone": "012 345 678", "position": "2"}).status_code
        == 302
    )
    assert len(_audit(app)) == before + 2

    deactivate = f"/admin/support-contacts/{contact_id}/deactivate"
    activate = f"/admin/support-contacts/{contact_id}/activate"
    assert post_form(client, deactivate, {}, "/admin/support-contacts").status_code == 302
    assert post_form(client, deactivate, {}, "/admin/support-contacts").status_code == 302
    with app.app_context():
        found = db.session.get(SupportContact, contact_id)
        assert found is not None and found.active is False
        assert found.phone == "012 345 678" and found.position == 2
    assert "Show again" in client.get("/admin/support-contacts").get_data(as_text=True)
    with app.app_context():
        assert reference.active_support_contacts() == []
    assert post_form(client, activate, {}, "/admin/support-contacts").status_code == 302
    # The edit form's checkbox deactivates too (an unchecked box is not sent).
    unchecked = {k: v for k, v in CONTACT.items() if k != "active"}
    answer = post_form(client, edit, {**unchecked, "phone": "012 345 678", "position": "2"})
    assert answer.status_code == 302
    assert [a[0] for a in _new_audit(app, before + 2)] == [
        "support_contact.deactivate",
        "support_contact.activate",
        "support_contact.update",
    ]
    assert _new_audit(app, before + 2)[2][3] == {"fields": ["active"]}
    assert client.get("/admin/support-contacts/9999/edit").status_code == 404


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name_km": "", "name_en": " "}, "name_km", "Give a name in Khmer or in English."),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"phone": "12"}, "phone", "Enter a phone number"),
        ({"phone": "+855 12 345 678 ext. 2"}, "phone", "Enter a phone number"),
        ({"position": "abc"}, "position", "Enter a whole number from 0 to 9999."),
        ({"position": "-1"}, "position", "Enter a whole number from 0 to 9999."),
        ({"position": "12345"}, "position", "At most 4 characters."),
        ({"name_en": "x" * 201}, "name_en", "At most 200 characters."),
        ({"description_km": "a\x07b"}, "description_km", "control character"),
    ],
)
def test_bad_support_contacts_are_refused(
    app: Flask, values: dict[str, str], field: str, message: str
) -> None:
    client = _client(app, "admin")
    audits = _count(app, AuditEntry)
    answer = post_form(client, "/admin/support-contacts/new", {**CONTACT, **values})
    assert answer.status_code == 400
    assert message in _field_error(answer.get_data(as_text=True), field)
    assert (_count(app, SupportContact), _count(app, AuditEntry)) == (0, audits)


# -- every page ------------------------------------------------------------------------------


def test_pages_are_accessible_and_need_no_inline_code(app: Flask) -> None:
    client = _client(app, "admin")
    post_form(client, "/admin/support-contacts/new", CONTACT)
    with app.app_context():
        contact_id = db.session.scalar(select(SupportContact.id))
    term_id = _term_id(app, "need", "scholarship")
    extra = [f"/admin/vocabularies/{term_id}/edit", f"/admin/support-contacts/{contact_id}/edit"]
    for locale in ("km", "en"):
        for path in PAGES + extra:
            html = client.get(f"{path}?locale={locale}").get_data(as_text=True)
            assert html.count("<h1") == 1, path
            assert "<script" not in html and "style=" not in html and "<style" not in html, path
            for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
                if 'type="hidden"' in tag:
                    continue
                field_id = re.search(r'\sid="([^"]+)"', tag)
                assert field_id, (path, tag)
                assert f'for="{field_id.group(1)}"' in html, (path, tag)
            tables = html.count("<table")
            assert html.count("<caption>") == tables, path
            if tables:
                assert 'scope="col"' in html, path
