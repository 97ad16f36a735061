"""The translation workspace: the review path by two people, outdated translations, aligned
redactions that withhold and purge, conflicts, queue access."""

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.extensions import db
from archive.models import Testimony
from archive.policy import Tier
from archive.search.hooks import drain_now, store

from .factories import T, V, csrf_token, login, make_testimony, make_user, post_form
from .scan import analyser_terms, directory_bytes, found_terms

SOURCE = "# Market day\n\nShe sold rice at the market.\n\nThe nurse at the clinic refused her."


@pytest.fixture
def team(app: Flask) -> dict[str, FlaskClient]:
    with app.app_context():
        for email, role in (
            ("tr@x.org", "translator"),
            ("ed@x.org", "editor"),
            ("ed2@x.org", "editor"),
            ("re@x.org", "researcher"),
        ):
            make_user(role, email)
    clients = {}
    for name, email in (
        ("translator", "tr@x.org"),
        ("editor", "ed@x.org"),
        ("editor2", "ed2@x.org"),
        ("researcher", "re@x.org"),
    ):
        clients[name] = app.test_client()
        clients[name].get("/?locale=en")  # the assertions below read English messages
        assert login(clients[name], email).status_code == 302
    clients["anonymous"] = app.test_client()
    clients["anonymous"].get("/?locale=en")
    return clients


def _testimony(app: Flask, **spec: object) -> str:
    with app.app_context():
        t = make_testimony(
            T("tr-1", languages=["km", "en"], versions=[V("km", body=SOURCE)], **spec)
        )  # type: ignore[arg-type]
        drain_now()
        return t.public_id


def _save(client: FlaskClient, pid: str, language: str, blocks: list[str], **extra: str):
    path = f"/translate/{pid}/{language}"
    html = client.get(path).get_data(as_text=True)
    base = re.search(r'name="base_revision_id" value="(\d*)"', html).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {
        "title": extra.pop("title", "Title en"),
        "summary": "",
        "note": "",
        "base_revision_id": extra.pop("base", base),
        "block": blocks,
        "csrf_token": token,
        **extra,
    }
    return client.post(path, data=data)


def _review(client: FlaskClient, pid: str, language: str, to: str, comment: str = ""):
    path = f"/translate/{pid}/{language}"
    return post_form(client, f"{path}/review", {"to": to, "comment": comment}, form_path=path)


def _reader_text(client: FlaskClient, pid: str, language: str) -> str:
    return client.get(f"/t/{pid}?version={language}&locale=en").get_data(as_text=True)


def test_missing_draft_review_approved_by_two_people(app: Flask, team: dict) -> None:
    pid = _testimony(app)
    tr, ed, anon = team["translator"], team["editor"], team["anonymous"]
    queue = tr.get("/translate/?language=en&locale=en").get_data(as_text=True)
    assert "tr-1" in queue and "Missing" in queue
    first = ["# Market day", "She sold rice at the market.", "The nurse refused her."]
    assert _save(tr, pid, "en", first).status_code == 302
    assert "Draft" in tr.get(f"/translate/{pid}/en?locale=en").get_data(as_text=True)
    assert "The nurse refused her" not in _reader_text(anon, pid, "en")  # a draft: not public
    assert _review(tr, pid, "en", "in_review").status_code == 302
    assert _review(tr, pid, "en", "approved").status_code == 404  # translators cannot approve
    assert _review(ed, pid, "en", "approved").status_code == 302
    assert "The nurse refused her." in _reader_text(anon, pid, "en")
    # A new revision by an editor: readers keep the approved text until someone else approves.
    second = [*first[:2], "The nurse at the clinic refused her."]
    assert _save(ed, pid, "en", second).status_code == 302
    assert _review(ed, pid, "en", "in_review").status_code == 302
    own = _review(ed, pid, "en", "approved")
    assert own.status_code == 400 and "Someone else" in own.get_data(as_text=True)
    page = _reader_text(anon, pid, "en")
    assert "The nurse refused her." in page and "at the clinic refused" not in page
    returned = _review(team["editor2"], pid, "en", "returned", "Say which clinic.")
    assert returned.status_code == 302
    assert "Say which clinic." in ed.get(f"/translate/{pid}/en?locale=en").get_data(as_text=True)
    assert _review(ed, pid, "en", "in_review").status_code == 302
    assert _review(team["editor2"], pid, "en", "approved").status_code == 302
    assert "at the clinic refused" in _reader_text(anon, pid, "en")
    history = ed.get(f"/translate/{pid}/en/history?locale=en").get_data(as_text=True)
    assert "<del>The nurse refused her.</del>" in history
    assert "<ins>The nurse at the clinic refused her.</ins>" in history


def test_new_source_revision_flags_outdated_until_confirmed(app: Flask, team: dict) -> None:
    pid = _testimony(app)
    tr, ed, ed2 = team["translator"], team["editor"], team["editor2"]
    _save(tr, pid, "en", ["# Market day", "Rice.", "Nurse."])
    _review(tr, pid, "en", "in_review")
    _review(ed, pid, "en", "approved")
    assert "Outdated" not in tr.get(f"/translate/{pid}/en?locale=en").get_data(as_text=True)
    km_blocks = [
        "# Market day",
        "She sold rice and fish at the market.",
        "The nurse at the clinic refused her.",
    ]
    assert _save(ed, pid, "km", km_blocks, title="ថ្ងៃផ្សារ").status_code == 302
    _review(ed, pid, "km", "in_review")
    _review(ed2, pid, "km", "approved")
    editor_page = tr.get(f"/translate/{pid}/en?locale=en").get_data(as_text=True)
    assert "Outdated" in editor_page
    assert "<ins>She sold rice and fish at the market.</ins>" in editor_page
    assert "<del>She sold rice at the market.</del>" in editor_page
    assert "outdated" in tr.get("/translate/?state=outdated&locale=en").get_data(
        as_text=True
    ) or "tr-1" in tr.get("/translate/?state=outdated&locale=en").get_data(as_text=True)
    # The public page of the outdated translation stays up and says nothing about it.
    public = _reader_text(team["anonymous"], pid, "en")
    assert "Nurse." in public and "utdated" not in public
    path = f"/translate/{pid}/en"
    assert post_form(tr, f"{path}/confirm", {}, form_path=path).status_code == 302
    assert "Outdated" not in tr.get(f"{path}?locale=en").get_data(as_text=True)
    assert "tr-1" not in tr.get("/translate/?state=outdated&locale=en").get_data(as_text=True)


def _approve(team: dict, pid: str, language: str, blocks: list[str], author: str = "translator"):
    assert _save(team[author], pid, language, blocks).status_code == 302
    assert _review(team[author], pid, language, "in_review").status_code == 302
    reviewer = "editor2" if author == "editor" else "editor"
    return _review(team[reviewer], pid, language, "approved")


def test_redaction_added_to_original_withholds_translation_at_once(app: Flask, team: dict) -> None:
    pid = _testimony(app)
    assert (
        _approve(
            team, pid, "en", ["# Market day", "Rice.", "The Banlung clinic refused her."]
        ).status_code
        == 302
    )
    anon, researcher, ed = team["anonymous"], team["researcher"], team["editor"]
    assert "Banlung clinic" in _reader_text(anon, pid, "en")  # positive control
    search = anon.get("/api/v1/search?q=Banlung").get_json()
    assert search["total"] == 1
    # The editor redacts the place in the Khmer original: approved on save, no review.
    redacted = SOURCE.replace("the clinic", "{-r1:the clinic-}")
    blocks = [b for b in redacted.split("\n\n")]
    assert _save(ed, pid, "km", blocks, title="Title tr-1 km").status_code == 302
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == pid))
        km, en = t.version_for("km"), t.version_for("en")
        assert km.latest.status == "approved" and en.redaction_hold is True
    assert "Banlung clinic" not in _reader_text(anon, pid, "en")
    assert anon.get(f"/api/v1/testimonies/{pid}").get_json()["versions"][0]["language"] == "km"
    assert anon.get("/api/v1/search?q=Banlung").get_json()["total"] == 0
    assert researcher.get("/api/v1/search?q=Banlung").get_json()["total"] == 0
    # Staff still read it (positive control) and the queue says why.
    assert "Banlung clinic" in _reader_text(ed, pid, "en")
    assert ed.get("/api/v1/search?q=Banlung").get_json()["total"] == 1
    queue = ed.get("/translate/?state=missing_redaction&locale=en").get_data(as_text=True)
    assert "tr-1" in queue
    km_page = _reader_text(anon, pid, "km")
    assert "the clinic" not in km_page and "removed to protect the narrator" in km_page


def test_redaction_blocks_approval_then_stays_out_of_reader_channels(
    app: Flask, team: dict
) -> None:
    secret = "Okavango"
    source = f"# Market day\n\nShe sold rice.\n\nThe nurse at {{-r1:{secret} clinic-}} refused her."
    with app.app_context():
        t = make_testimony(T("tr-2", languages=["km", "en"], versions=[V("km", body=source)]))
        drain_now()
        pid = t.public_id
    tr, anon, researcher, ed = (
        team[k] for k in ("translator", "anonymous", "researcher", "editor")
    )
    lacking = ["# Market day", "She sold rice.", f"The nurse at {secret} clinic refused her."]
    refused = _approve(team, pid, "en", lacking)
    assert refused.status_code == 400 and "r1" in refused.get_data(as_text=True)
    editor_page = tr.get(f"/translate/{pid}/en?locale=en").get_data(as_text=True)
    assert "Redactions to carry over" in editor_page and "<code>r1</code>" in editor_page
    carrying = ["# Market day", "She sold rice.", f"The nurse at {{-r1:{secret} clinic-}} refused."]
    assert _save(tr, pid, "en", carrying).status_code == 302
    assert _review(tr, pid, "en", "in_review").status_code == 302
    assert _review(ed, pid, "en", "approved").status_code == 302
    for client in (anon, researcher):
        for language in ("km", "en"):
            assert secret not in _reader_text(client, pid, language)
        assert secret not in client.get(f"/api/v1/testimonies/{pid}").get_data(as_text=True)
        found = client.get("/api/v1/search?q=nurse&locale=en").get_json()
        assert found["total"] == 1 and secret not in str(found)
        assert client.get(f"/api/v1/search?q={secret}").get_json()["total"] == 0
    assert secret in _reader_text(ed, pid, "en")  # staff positive control
    assert ed.get(f"/api/v1/search?q={secret}").get_json()["total"] == 1
    with app.app_context():
        terms = {t for t in analyser_terms(secret)}
        tiers = {
            tier: found_terms(directory_bytes(Path(store().link(tier))), terms) for tier in Tier
        }
    assert tiers[Tier.PUBLIC] == set() and tiers[Tier.RESEARCHERS] == set()
    assert tiers[Tier.STAFF] == terms


def test_concurrent_saves_conflict_and_keep_both_texts(app: Flask, team: dict) -> None:
    pid = _testimony(app)
    tr, ed = team["translator"], team["editor"]
    tr.get("/?locale=en")  # remember English for this client
    _save(tr, pid, "en", ["# Market day", "First text."])
    html = tr.get(f"/translate/{pid}/en").get_data(as_text=True)
    base = re.search(r'name="base_revision_id" value="(\d+)"', html).group(1)
    assert _save(ed, pid, "en", ["# Market day", "Editor's text."], base=base).status_code == 302
    clash = _save(tr, pid, "en", ["# Market day", "Translator's text."], base=base)
    page = clash.get_data(as_text=True)
    assert clash.status_code == 400
    assert "The version someone else saved" in page or "Someone saved" in page
    assert "Editor&#39;s text." in page and "Translator&#39;s text." in page  # neither lost
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == pid))
        bodies = [r.body for r in t.version_for("en").revisions]
        assert any("Editor's text." in b for b in bodies)
        assert not any("Translator's text." in b for b in bodies)
    new_base = re.search(r'name="base_revision_id" value="(\d+)"', page).group(1)
    merged = _save(tr, pid, "en", ["# Market day", "Merged text."], base=new_base)
    assert merged.status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/translate/", "/translate/{pid}/en", "/translate/nope/en", "/translate/{pid}/en/history"],
)
def test_queue_and_editor_access(app: Flask, team: dict, path: str) -> None:
    pid = _testimony(app)
    url = path.format(pid=pid)
    assert team["researcher"].get(url).status_code == 404
    anonymous = team["anonymous"].get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    if "nope" not in url and "history" not in url:
        assert team["translator"].get(url).status_code == 200  # positive control


def test_claims_prevent_double_work(app: Flask, team: dict) -> None:
    pid = _testimony(app)
    path = f"/translate/{pid}/en"
    tr, ed2 = team["translator"], team["editor2"]
    assert post_form(tr, f"{path}/claim", {"next": path}, form_path=path).status_code == 302
    assert "Claimed by tr@x.org" in tr.get(f"{path}?locale=en").get_data(as_text=True)
    other = post_form(team["editor"], f"{path}/claim", {}, form_path=path)
    assert other.status_code == 400
    assert "tr@x.org" in ed2.get("/translate/?language=en").get_data(as_text=True)
    assert post_form(ed2, f"{path}/release", {}, form_path=path).status_code == 302  # editors may
    token = csrf_token(tr, path)
    assert tr.post(f"{path}/claim", data={"csrf_token": token}).status_code == 302


def test_preview_renders_with_the_one_markdown_function(app: Flask, team: dict) -> None:
    tr = team["translator"]
    token = csrf_token(tr, "/translate/")
    body = "**bold** <script>x</script> {-r1:hidden-}"
    answer = tr.post("/translate/preview", json={"body": body}, headers={"X-CSRFToken": token})
    html = answer.get_json()["html"]
    assert "<strong>bold</strong>" in html and "<script>" not in html and "[r1: hidden]" in html
    assert tr.post("/translate/preview", json={"body": "x"}).status_code == 403  # CSRF needed


def test_kit_download_edit_upload_round_trip(app: Flask, team: dict) -> None:
    import io

    pid = _testimony(app)
    tr = team["translator"]
    kit = tr.get(f"/translate/{pid}/en/kit.xlf")
    assert kit.status_code == 200 and kit.mimetype == "application/x-xliff+xml"
    text = kit.get_data(as_text=True)
    assert "urn:oasis:names:tc:xliff:document:1.2" in text
    # Translate offline: fill every empty target (here with a script, as a tool would).
    filled = re.sub(
        r'<target xml:lang="en" state="needs-translation" />',
        '<target xml:lang="en" state="translated">Offline text</target>',
        text,
    )
    path = f"/translate/{pid}/en/kit"
    before = _revision_count(app, pid)
    token = csrf_token(tr, path)
    sent = tr.post(
        path,
        data={"csrf_token": token, "kit": (io.BytesIO(filled.encode()), "k.xlf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    assert _revision_count(app, pid) == before + 1
    assert "Offline text" in tr.get(f"/translate/{pid}/en").get_data(as_text=True)
    # A foreign or tampered kit is refused with a message and writes nothing.
    other = filled.replace(pid, "someoneelse1234567890")
    token = csrf_token(tr, path)
    refused = tr.post(
        path,
        data={"csrf_token": token, "kit": (io.BytesIO(other.encode()), "k.xlf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert _revision_count(app, pid) == before + 1
    token = csrf_token(tr, path)
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    refused = tr.post(
        path,
        data={"csrf_token": token, "kit": (io.BytesIO(bomb), "k.xlf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and _revision_count(app, pid) == before + 1


def _revision_count(app: Flask, pid: str) -> int:
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == pid))
        return sum(len(v.revisions) for v in t.versions)
