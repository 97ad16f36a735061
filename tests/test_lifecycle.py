"""Withdrawal erases at once and everywhere; the purge leaves no remnant on disk; the audit
chain shows tampering."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from archive.extensions import db
from archive.models import (
    AuditEntry,
    ConsentChange,
    Narrator,
    Revision,
    Testimony,
    Version,
)
from archive.policy import Tier
from archive.search.hooks import drain_now, store
from archive.search.verify import verify
from archive.services import purge
from archive.services.withdrawal import read_register

from .factories import PASSWORD, T, V, login, make_testimony, make_user, post_form
from .scan import analyser_terms, directory_bytes, found_terms

ROOT = Path(__file__).resolve().parent.parent
SECRET_EN = "Zanzibarite lanterns at Phum Kralanh"
SECRET_KM = "ផ្សារកំពង់ចាមថ្មី"
WITNESS = "Witness Sokunthea Demo"
LEGAL = "Legal Name Chanmony Demo"


@pytest.fixture
def story(app: Flask) -> str:
    with app.app_context():
        for role in ("researcher", "translator", "editor", "admin"):
            make_user(role)
        t = make_testimony(
            T("wd-1", legal_name=LEGAL, village="Phum Secret",
              versions=[V("km", body=f"រឿង {SECRET_KM} ។"),
                        V("en", kind="translation", translated_from="km",
                          body=f"Her story: {SECRET_EN}.")])
        )  # fmt: skip
        t.consent.witness = WITNESS
        t.consent.note = "Consent note about the narrator"
        db.session.commit()
        drain_now()
        return t.public_id


def _clients(app: Flask) -> dict[str, FlaskClient]:
    out = {"anonymous": app.test_client()}
    for role in ("researcher", "translator", "editor", "admin"):
        out[role] = app.test_client()
        assert login(out[role], f"{role}@example.org").status_code == 302
    return out


def _channels(pid: str) -> list[str]:
    return [
        f"/t/{pid}",
        f"/t/{pid}?version=en",
        f"/api/v1/testimonies/{pid}",
        f"/staff/t/{pid}",
        f"/translate/{pid}/en",
    ]


def _visible(client: FlaskClient, pid: str) -> dict[str, int]:
    seen = {path: client.get(path).status_code for path in _channels(pid)}
    search = client.get("/api/v1/search?q=Zanzibarite").get_json()
    seen["search"] = search["total"]
    seen["home"] = int(pid in client.get("/").get_data(as_text=True))
    return seen


def _disk(app: Flask) -> bytes:
    with app.app_context():
        data = [directory_bytes(Path(store().link(tier))) for tier in Tier]
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if database.startswith("sqlite:///"):
        path = Path(database.removeprefix("sqlite:///"))
        for candidate in (path, Path(f"{path}-wal")):
            if candidate.exists():
                data.append(candidate.read_bytes())
    return b"\n".join(data)


def test_withdrawal_is_immediate_total_and_purged(app: Flask, story: str, backend: str) -> None:
    clients = _clients(app)
    before = {role: _visible(client, story) for role, client in clients.items()}
    assert before["anonymous"]["search"] == 1 and before["anonymous"]["home"] == 1
    assert before["editor"][f"/staff/t/{story}"] == 200  # positive controls
    # The story's distinctive terms: longer ones that the seeded reference data (also in the
    # database file) does not contain.
    seed = (ROOT / "archive" / "seed_data.py").read_bytes()
    terms = {
        t for t in analyser_terms(SECRET_EN) | analyser_terms(SECRET_KM)
        if len(t) >= 4 and t.encode() not in seed
    }  # fmt: skip
    assert len(terms) >= 5
    words = {SECRET_EN.split()[0], SECRET_KM, WITNESS, "Phum Secret"}
    if backend == "sqlite":
        disk = _disk(app)
        assert found_terms(disk, terms) == terms and found_terms(disk, words) == words
        assert LEGAL.encode() not in disk  # encrypted at rest (tests/test_crypto.py)
    path = f"/staff/t/{story}/withdraw"
    wrong = post_form(clients["editor"], path, {"confirm_ref": "wd-2", "reason_code": "safety"})
    assert wrong.status_code == 400  # the typed reference must match
    assert clients["anonymous"].get(f"/t/{story}").status_code == 200
    done = post_form(clients["editor"], path, {"confirm_ref": "wd-1", "reason_code": "safety"})
    assert done.status_code == 302
    for role, client in clients.items():
        after = _visible(client, story)
        assert after["search"] == 0 and after["home"] == 0, role
        assert all(after[p] in (302, 404) for p in _channels(story)), (role, after)
    with app.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.public_id == story))
        assert t.ref == "wd-1" and t.withdrawn_at and t.withdrawal_reason == "safety"
        assert t.purged_at is not None  # the purge ran right after the request
        for model in (Version, Revision, Narrator):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
        notes = db.session.scalars(select(ConsentChange.note)).all()
        assert all(note == "" for note in notes)
        assert [e["public_id"] for e in read_register()] == [story]
        assert purge.check() == [] and verify(store()) == []
    if backend == "sqlite":
        disk = _disk(app)
        assert found_terms(disk, terms) == set()
        assert found_terms(disk, words | {LEGAL}) == set()
    ledger = clients["admin"].get("/staff/withdrawals?locale=en").get_data(as_text=True)
    assert "wd-1" in ledger and story in ledger
    cli = app.test_cli_runner().invoke(args=["purge", "--check"])
    assert cli.exit_code == 0, cli.output


def test_audit_verify_names_the_broken_row(app: Flask, story: str) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        ids = list(db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
        assert len(ids) > 5
    changed = ids[2]
    # Tampering goes around the ORM (which refuses updates) as an attacker would.
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET action = 'x' WHERE id = :i"), {"i": changed})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"row {changed}:" in result.output
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": changed})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"row {ids[3]}:" in result.output


def test_audit_verify_notices_removed_newest_rows(app: Flask, story: str) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        ids = list(db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id >= :i"), {"i": ids[-2]})
        # Even an attacker who also rewinds the head row is caught by the outside copy.
        conn.execute(text("UPDATE audit_head SET count = count - 2"))
    result = runner.invoke(args=["audit", "verify"])
    assert (result.exit_code == 1 and "missing" in result.output) or "removed" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app: Flask, env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "archive", "run", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _purge_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "archive", "purge", "--check"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_killed_during_purge_delay_resumes_at_next_start(
    app: Flask, story: str, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("one real-process run is enough; it exercises the same code")
    env = {**os.environ, "ARCHIVE_SECRET_KEY": "test-secret-key-not-for-production",
           "ARCHIVE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "ARCHIVE_INDEX_DIR": app.config["INDEX_DIR"], "ARCHIVE_PURGE_DELAY": "30",
           "ARCHIVE_ENV": "development"}  # fmt: skip
    port = _free_port()
    server = _serve(app, env, port)
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{port}"

        def form(path: str, data: dict[str, str]) -> int:
            page = opener.open(base + path).read().decode()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
            return opener.open(base + path, body).status

        form("/login", {"email": "editor@example.org", "password": PASSWORD})
        withdraw = f"/staff/t/{story}/withdraw"
        assert form(withdraw, {"confirm_ref": "wd-1", "reason_code": "other"}) == 200
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # during the 30 s delay
        server.wait(timeout=10)
    pending = _purge_check(env)
    assert pending.returncode == 1 and "purge pending" in pending.stderr
    server = _serve(app, env, port)  # the next start completes what was pending
    try:
        for _ in range(100):
            if _purge_check(env).returncode == 0:
                break
            time.sleep(0.2)
        final = _purge_check(env)
        assert final.returncode == 0, final.stderr
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
