"""Researchers: account requests, the access log, exports of exactly what they may read, and
personal API tokens."""

import csv
import io
import json
import re
import time

from flask import Flask
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from archive.extensions import db
from archive.models import AccessLog, AuditEntry, Narrator, Testimony, User
from archive.policy import can_read_version
from archive.search.hooks import drain_now
from archive.services.withdrawal import withdraw

from .factories import PASSWORD, T, V, csrf_token, login, make_testimony, make_user, post_form


def test_request_approve_and_first_sign_in(app: Flask) -> None:
    with app.app_context():
        make_user("admin")
    visitor = app.test_client()
    form = {
        "name": "Dr Sok",
        "email": "sok@uni.example",
        "affiliation": "RUPP",
        "purpose": "Access to health care for women with disabilities.",
    }
    refused = post_form(visitor, "/researchers/request?locale=en", form)
    assert refused.status_code == 400 and "agree" in refused.get_data(as_text=True).lower()
    sent = post_form(visitor, "/researchers/request?locale=en", {**form, "agree": "y"})
    assert sent.status_code == 200 and "was sent" in sent.get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin@example.org")
    listing = admin.get("/admin/researchers?locale=en").get_data(as_text=True)
    request_id = re.search(r"/admin/researchers/(\d+)", listing).group(1)
    decided = post_form(
        admin,
        f"/admin/researchers/{request_id}?locale=en",
        {"decision": "approve"},
        form_path="/admin/researchers",
    )
    link = re.search(r"/account/setup/([^<\s]+)", decided.get_data(as_text=True)).group(0)
    chosen = "research password of enough length"
    assert post_form(visitor, link, {"password": chosen, "confirm": chosen}).status_code == 302
    assert login(visitor, "sok@uni.example", chosen).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "sok@uni.example"))
        assert user.role == "researcher"
        actions = [a.action for a in db.session.scalars(select(AuditEntry))]
        assert "researcher.request" in actions and "researcher.approved" in actions


def test_researcher_reads_are_logged_without_text(app: Flask) -> None:
    with app.app_context():
        make_user("researcher")
        make_user("admin")
        restricted = make_testimony(T("res-1", level="researchers")).public_id
        open_one = make_testimony(T("pub-1")).public_id
    researcher = app.test_client()
    login(researcher, "researcher@example.org")
    assert researcher.get(f"/t/{restricted}").status_code == 200
    assert researcher.get(f"/api/v1/testimonies/{restricted}").status_code == 200
    assert researcher.get(f"/t/{open_one}").status_code == 200  # public: not logged
    with app.app_context():
        rows = db.session.scalars(select(AccessLog)).all()
        assert sorted(r.channel for r in rows) == ["api", "page"]
    admin = app.test_client()
    login(admin, "admin@example.org")
    page = admin.get("/admin/access-log?locale=en").get_data(as_text=True)
    assert "res-1" in page and "researcher@example.org" in page and "pub-1" not in page


def _export(client, fmt: str = "jsonl", **params: str):  # type: ignore[no-untyped-def]
    answer = client.get("/exports/new", query_string={"format": fmt, **params})
    assert answer.status_code == 303, answer.status_code
    return answer.headers["Location"], client.get(answer.headers["Location"])


def test_export_holds_exactly_what_the_researcher_may_read(demo_app: Flask) -> None:
    with demo_app.app_context():
        make_user("researcher")
        user = db.session.scalar(select(User).where(User.role == "researcher"))
        expected = {
            (t.public_id, v.language)
            for t in db.session.scalars(select(Testimony))
            for v in t.versions
            if can_read_version(user, t, v)
        }
        private = [n for n in db.session.scalars(select(Narrator.legal_name)) if n]
        private += [v for v in db.session.scalars(select(Testimony.village)) if v]
        assert expected and len(private) > 20
    client = demo_app.test_client()
    login(client, "researcher@example.org")
    _link, answer = _export(client)
    lines = answer.get_data(as_text=True).splitlines()
    meta = json.loads(lines[0])["metadata"]
    assert meta["exporter"] == "researcher@example.org" and meta["format"] == "jsonl"
    rows = [json.loads(line) for line in lines[1:]]
    assert {(r["id"], r["language"]) for r in rows} == expected
    text = answer.get_data(as_text=True)
    assert "legal_name" not in text and not [p for p in private if p in text]
    anonymous = demo_app.test_client().get("/exports/new?format=csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_csv_neutralises_formulas_and_links_are_personal_and_current(app: Flask) -> None:
    with app.app_context():
        make_user("researcher")
        make_user("editor")
        formula = make_testimony(
            T(
                "f-1",
                versions=[V("en", title='=HYPERLINK("x")', body="+1 formula")],
                languages=["en"],
            )
        )
        other = make_testimony(T("f-2", versions=[V("en", body="plain")], languages=["en"]))
        drain_now()
        formula_id, other_id = formula.public_id, other.public_id
    researcher, editor = app.test_client(), app.test_client()
    login(researcher, "researcher@example.org")
    login(editor, "editor@example.org")
    link, answer = _export(researcher, "csv")
    table = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert table[1][:4] == ["id", "url", "title", "language"]
    titles = {row[0]: row[2] for row in table[2:]}
    assert titles[formula_id] == '\'=HYPERLINK("x")'
    assert [row[4] for row in table[2:] if row[0] == formula_id] == ["'+1 formula"]
    assert editor.get(link).status_code == 404  # someone else's link
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == other_id))
        editor_user = db.session.scalar(select(User).where(User.role == "editor"))
        withdraw(t, editor_user, "narrator-request", "f-2")
        db.session.commit()
        drain_now()
    again = researcher.get(link).get_data(as_text=True)  # the same link, after a withdrawal
    assert formula_id in again and other_id not in again
    demo_app_seconds = app.config["EXPORT_LINK_SECONDS"]
    app.config["EXPORT_LINK_SECONDS"] = 1
    time.sleep(2.1)
    assert researcher.get(link).status_code == 404  # expired
    app.config["EXPORT_LINK_SECONDS"] = demo_app_seconds
    with app.app_context():
        audits = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export.download")
        )
        assert len(list(audits)) == 2


def test_api_token_sees_what_the_session_sees_and_revocation(app: Flask) -> None:
    with app.app_context():
        make_user("researcher")
        restricted = make_testimony(T("tok-1", level="researchers")).public_id
        staff_only = make_testimony(T("tok-2", level="staff")).public_id
        drain_now()
    session = app.test_client()
    login(session, "researcher@example.org")
    created = post_form(session, "/account/tokens?locale=en", {"name": "my script"})
    token = re.search(r"<code>(rka_[^<]+)</code>", created.get_data(as_text=True)).group(1)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    robot = app.test_client()
    for path in (
        f"/api/v1/testimonies/{restricted}",
        f"/api/v1/testimonies/{staff_only}",
        "/api/v1/search?q=Body",
    ):
        by_token = robot.get(path, headers=headers)
        by_session = session.get(path)
        assert by_token.status_code == by_session.status_code, path
        assert by_token.get_json() == by_session.get_json(), path
    assert robot.get(f"/api/v1/testimonies/{restricted}", headers=headers).status_code == 200
    assert robot.get(f"/t/{restricted}", headers=headers).status_code == 404  # API only
    assert robot.get(f"/api/v1/testimonies/{restricted}").status_code == 404  # no token: public
    page = session.get("/account/tokens").get_data(as_text=True)
    revoke = re.search(r"(/account/tokens/\d+/revoke)", page).group(1)
    token_form = csrf_token(session, "/account/tokens")
    assert session.post(revoke, data={"csrf_token": token_form}).status_code == 302
    refused = robot.get(f"/api/v1/testimonies/{restricted}", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["status"] == 401
    assert PASSWORD  # the researcher's password was never sent by the script


def test_anonymous_visitor_class_is_public_tier() -> None:
    from archive.policy import Tier, tier_of

    assert tier_of(AnonymousUserMixin()) is Tier.PUBLIC
