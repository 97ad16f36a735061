"""Concern requests, lockdown, the narrator report and consent reviews."""

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from archive.extensions import db
from archive.models import AuditEntry, ConcernRequest, Testimony

from .factories import T, V, login, make_testimony, make_user, post_form


def _story(app: Flask, **spec: object) -> str:
    with app.app_context():
        return make_testimony(T("lc-1", **spec)).public_id  # type: ignore[arg-type]


def test_concern_form_stores_and_reveals_nothing(app: Flask) -> None:
    pid = _story(app)
    with app.app_context():
        make_user("editor")
        hidden = make_testimony(T("lc-hidden", level="staff")).public_id
    visitor = app.test_client()
    assert visitor.get(f"/t/{hidden}/concern").status_code == 404  # hidden: same 404
    assert visitor.get("/t/nope/concern").status_code == 404
    message = {"kind": "this-is-me", "message": "Please hide my village", "contact": "012"}
    sent = post_form(visitor, f"/t/{pid}/concern?locale=en", message)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "Thank you" in page
    assert "Please hide my village" not in page and "012" not in page  # nothing echoed
    bad = post_form(visitor, f"/t/{pid}/concern?locale=en", {"kind": "spam", "message": "x"})
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ConcernRequest.message)) == "Please hide my village"
        assert len(db.session.scalars(select(ConcernRequest)).all()) == 1
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "concern.create"))
        assert audit.details == {"kind": "this-is-me"}  # the sender's words stay out of the log
    editor = app.test_client()
    login(editor, "editor@example.org")
    dashboard = editor.get("/staff/?locale=en").get_data(as_text=True)
    assert "Please hide my village" in dashboard and "Concerns to answer" in dashboard
    with app.app_context():
        request_id = db.session.scalar(select(ConcernRequest.id))
    done = post_form(editor, f"/staff/concerns/{request_id}/handled", {}, form_path="/staff/")
    assert done.status_code == 302
    assert "Please hide my village" not in editor.get("/staff/").get_data(as_text=True)


def test_lockdown_closes_public_and_researcher_routes(app: Flask) -> None:
    pid = _story(app)
    with app.app_context():
        make_user("admin")
        make_user("researcher")
    admin, researcher, visitor = app.test_client(), app.test_client(), app.test_client()
    login(admin, "admin@example.org")
    login(researcher, "researcher@example.org")
    public_paths = ["/", f"/t/{pid}", f"/api/v1/testimonies/{pid}", "/search?q=body",
                    "/api/v1/search?q=body"]  # fmt: skip
    assert all(visitor.get(p).status_code == 200 for p in public_paths)  # positive control
    assert post_form(admin, "/staff/lockdown", {"on": "1"}, form_path="/staff/").status_code == 302
    for client in (visitor, researcher):
        for path in public_paths:
            answer = client.get(path + ("&" if "?" in path else "?") + "locale=en")
            assert answer.status_code == 503, path
            assert "Body of" not in answer.get_data(as_text=True)
    assert admin.get("/staff/").status_code == 200  # staff can still work, and lift it
    assert visitor.get("/login").status_code == 200
    assert post_form(admin, "/staff/lockdown", {"on": "0"}, form_path="/staff/").status_code == 302
    assert visitor.get(f"/t/{pid}").status_code == 200
    with app.app_context():
        actions = [a.details for a in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "site.lockdown"))]  # fmt: skip
        assert actions == [{"on": True}, {"on": False}]


def test_narrator_report_is_bilingual_and_staff_only(app: Flask) -> None:
    pid = _story(app, versions=[V("km", body="ខ្ញុំ {-r1:ភូមិសម្ងាត់-} ។")], languages=["km"])
    with app.app_context():
        make_user("editor")
        make_user("researcher")
    editor, researcher = app.test_client(), app.test_client()
    login(editor, "editor@example.org")
    login(researcher, "researcher@example.org")
    page = editor.get(f"/staff/t/{pid}/report?locale=en").get_data(as_text=True)
    assert "How to withdraw" in page  # English part
    assert 'lang="km"' in page and 'lang="en"' in page  # both languages, whatever the UI
    assert "ភូមិសម្ងាត់" in page  # the redacted passage, shown to the intermediary
    assert "Alias lc-1" in page
    assert researcher.get(f"/staff/t/{pid}/report").status_code == 404


def test_consent_review_lists_and_optionally_restricts(app: Flask) -> None:
    pid = _story(app)
    with app.app_context():
        make_user("editor")
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == pid))
        t.consent.review_on = date.today() - timedelta(days=1)
        db.session.commit()
    editor = app.test_client()
    login(editor, "editor@example.org")
    assert "Consents to review" in editor.get("/staff/?locale=en").get_data(as_text=True)
    runner = app.test_cli_runner()
    off = runner.invoke(args=["consent-review"])
    assert "off" in off.output
    assert app.test_client().get(f"/t/{pid}").status_code == 200
    app.config["CONSENT_REVIEW_RESTRICTS"] = True
    on = runner.invoke(args=["consent-review"])
    assert "Restricted 1" in on.output
    assert app.test_client().get(f"/t/{pid}").status_code == 404
    assert editor.get(f"/t/{pid}").status_code == 200  # staff still read it
