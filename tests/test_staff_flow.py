"""The editor's path through the forms, bad form input, CSRF, and the audit trail."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from archive.extensions import db
from archive.models import AuditEntry, ConsentChange, Revision, Testimony

from .factories import csrf_token, login, make_user, post_form


def _editor_client(app: Flask) -> FlaskClient:
    with app.app_context():
        make_user("editor")
    client = app.test_client()
    assert login(client, "editor@example.org").status_code == 302
    return client


def _counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Testimony, Revision, AuditEntry)
        )


NEW = {
    "ref": "web-001",
    "recorded_on": "2024-03-08",
    "province": "Ratanakiri",
    "village": "Secret Village Name",
    "narrator_alias": "Yeay Web",
    "identity_group": ["indigenous", "elderly"],
    "discrimination_type": ["healthcare"],
    "organisations": ["CIPL"],
    "legal_name": "Web Narrator Legal",
}


def _status_buttons(client: FlaskClient, detail: str) -> dict[str, list[str]]:
    html = client.get(detail).get_data(as_text=True)
    found: dict[str, list[str]] = {}
    for action, to in re.findall(
        r'action="([^"]+/status)"[^>]*>\s*<input[^>]+>\s*'
        r'<input type="hidden" name="to" value="(\w+)"',
        html,
    ):
        found.setdefault(to, []).append(action)
    return found


def test_editor_creates_approves_publishes_and_reader_sees(app: Flask) -> None:
    client = _editor_client(app)
    created = post_form(client, "/staff/testimonies/new", NEW)
    assert created.status_code == 302, created.get_data(as_text=True)
    detail = created.headers["Location"]
    public_id = detail.rstrip("/").split("/")[-1]

    for language, kind, title, source in (
        ("km", "original", "រឿងរបស់យាយ", ""),
        ("en", "translation", "Grandmother's story", "km"),
    ):
        answer = post_form(
            client,
            f"/staff/t/{public_id}/versions/new",
            {
                "language": language,
                "kind": kind,
                "translated_from": source,
                "title": title,
                "summary": "",
                "body": f"Body in {language}.",
            },
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
    # Propose, then approve, every draft through the buttons on the detail page.
    # The author proposes; nobody approves their own revision, a second editor does.
    with app.app_context():
        make_user("editor", "second-editor@example.org")
    reviewer = app.test_client()
    login(reviewer, "second-editor@example.org")
    own = _status_buttons(client, detail)["in_review"][0]
    token = csrf_token(client, detail)
    assert client.post(own, data={"to": "in_review", "csrf_token": token}).status_code == 302
    refused = client.post(own, data={"to": "approved", "csrf_token": token})
    assert refused.status_code == 400  # the author may not approve it
    for step, who in (("in_review", client), ("approved", reviewer)):
        for action in _status_buttons(who, detail).get(step, []):
            token = csrf_token(who, detail)
            assert who.post(action, data={"to": step, "csrf_token": token}).status_code == 302
    assert _status_buttons(client, detail) == {}  # both versions approved: nothing left

    anonymous = app.test_client()
    assert anonymous.get(f"/t/{public_id}").status_code == 404  # not yet: staff-only consent
    consent = post_form(
        client,
        f"/staff/t/{public_id}/consent",
        {
            "level": "public",
            "publish_languages": ["km", "en"],
            "show_alias": "y",
            "given_on": "2024-03-08",
            "method": "written",
            "reason_code": "initial",
        },
    )
    assert consent.status_code == 302, consent.get_data(as_text=True)
    assert anonymous.get(f"/t/{public_id}").status_code == 404  # not yet: draft
    published = post_form(
        client, f"/staff/t/{public_id}/status", {"status": "published"}, form_path=detail
    )
    assert published.status_code == 302

    page = anonymous.get(f"/t/{public_id}?version=en&locale=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Grandmother&#39;s story" in html and "Body in en." in html
    assert "Yeay Web" in html  # alias shown: consent allows it
    # Staff-only data never reaches a public page.
    assert "Secret Village Name" not in html and "Web Narrator Legal" not in html
    assert anonymous.get(f"/t/{public_id}?version=km").get_data(as_text=True).count("រឿងរបស់យាយ")
    assert public_id in anonymous.get("/").get_data(as_text=True)
    # The editor sees identity fields; the JSON API gives them only to editors and admins.
    assert "Web Narrator Legal" in client.get(f"/t/{public_id}").get_data(as_text=True)
    assert client.get(f"/api/v1/testimonies/{public_id}").get_json()["narrator"]["legal_name"]
    assert "narrator" not in anonymous.get(f"/api/v1/testimonies/{public_id}").get_json()

    with app.app_context():
        actions = [a.action for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions.count("revision.status") == 4
        assert "consent.change" in actions and "testimony.status" in actions
        assert db.session.scalar(select(func.count()).select_from(ConsentChange)) >= 3


def test_bad_form_input_is_refused_beside_the_field(app: Flask) -> None:
    client = _editor_client(app)
    created = post_form(client, "/staff/testimonies/new", NEW)
    public_id = created.headers["Location"].rstrip("/").split("/")[-1]
    before = _counts(app)
    path = f"/staff/t/{public_id}/versions/new"
    base = {
        "language": "km",
        "kind": "original",
        "translated_from": "",
        "title": "T",
        "summary": "",
        "body": "Text",
    }
    cases = [
        ({"title": ""}, "title-error"),
        ({"language": "xx-Zzzz"}, "language-error"),
        ({"body": "x" * 100_001}, "body"),
        ({"kind": "poem"}, "kind-error"),
    ]
    for change, marker in cases:
        answer = post_form(client, path, {**base, **change})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400, change
        assert marker in html and 'class="error"' in html, change
    # A bad date beside the date field, in Khmer by default.
    answer = post_form(
        client, "/staff/testimonies/new", {**NEW, "ref": "x2", "recorded_on": "2024-02-31"}
    )
    assert answer.status_code == 400
    assert 'id="recorded_on-error"' in answer.get_data(as_text=True)
    assert _counts(app) == before
    # Positive control: the same form with good input saves.
    assert post_form(client, path, base).status_code == 302


def test_stale_csrf_token_gets_localized_expired_page(app: Flask) -> None:
    client = _editor_client(app)
    before = _counts(app)
    answer = client.post("/staff/testimonies/new?locale=en", data={**NEW, "csrf_token": "stale"})
    assert answer.status_code == 403
    assert "This form has expired" in answer.get_data(as_text=True)
    answer = client.post("/staff/testimonies/new?locale=km", data={**NEW, "csrf_token": "stale"})
    assert answer.status_code == 403 and "This form has expired" not in answer.get_data(
        as_text=True
    )
    assert _counts(app) == before


def test_roles_reaching_staff_pages(app: Flask) -> None:
    with app.app_context():
        make_user("researcher")
        make_user("translator")
    anonymous = app.test_client()
    answer = anonymous.get("/staff/testimonies/new")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    researcher = app.test_client()
    login(researcher, "researcher@example.org")
    assert researcher.get("/staff/").status_code == 404
    assert researcher.get("/staff/testimonies/new").status_code == 404
    translator = app.test_client()
    login(translator, "translator@example.org")
    assert translator.get("/staff/").status_code == 200  # positive control
    assert translator.get("/staff/testimonies/new").status_code == 404  # editors only


def test_audit_log_is_append_only(app: Flask) -> None:
    import pytest

    with app.app_context():
        make_user("admin")
        entry = db.session.scalar(select(AuditEntry))
        assert entry is not None and entry.action == "user.create"
        entry.action = "changed"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEntry)))
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
