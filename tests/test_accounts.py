"""Accounts against a real server with several worker processes (gunicorn): sessions end on
the server, throttling counts across workers; two-factor sign-in; one-time links."""

import concurrent.futures
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select, update

from archive.extensions import db
from archive.models import User, UserSession, utcnow
from archive.services import accounts

from .factories import PASSWORD, csrf_token, login, make_user, post_form

ROOT = Path(__file__).resolve().parent.parent


class Browser:
    """A cookie-keeping HTTP client for the real server (no redirects followed)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as answer:
                return answer.status, answer.read().decode(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def form(
        self, path: str, data: dict[str, str], page: str | None = None
    ) -> tuple[int, str, dict]:
        _status, html, _headers = self.request(page or path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        return self.request(path, {**data, "csrf_token": token})

    def cookie(self, name: str = "session") -> str:
        return next(c.value for c in self.jar if c.name == name)


ENV = {
    "ARCHIVE_SECRET_KEY": "test-secret-key-not-for-production",
    "ARCHIVE_ENV": "development",
    "ARCHIVE_LOGIN_FREE_FAILURES": "10",
    "ARCHIVE_LOGIN_FREE_FAILURES_PER_ADDRESS": "100",
    "ARCHIVE_LOGIN_DELAY_BASE": "3",
    "ARCHIVE_TWO_FACTOR_REQUIRED_ROLES": "",
}


def _gunicorn(app: Flask, log: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """Start gunicorn on the test database; return the process and its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        **ENV,
        "ARCHIVE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ARCHIVE_INDEX_DIR": app.config["INDEX_DIR"],
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(m)s %(U)s %(s)s",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.1)
    return proc, base


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def _users(app: Flask) -> None:
    with app.app_context():
        make_user("editor")
        make_user("admin")
        db.engine.dispose()


@pytest.fixture
def server(app: Flask, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn with 3 workers on the test database; yields (base URL, access log)."""
    _users(app)
    log = tmp_path / "access.log"
    proc, base = _gunicorn(app, log, 3)
    try:
        yield base, log
    finally:
        _stop(proc)


@pytest.fixture
def servers(app: Flask, tmp_path: Path) -> Iterator[tuple[list[str], Path]]:
    """Two gunicorn servers (2 workers each) on the same database, one access log: the test
    decides which process serves each attempt, so the split across processes is certain."""
    _users(app)
    log = tmp_path / "access.log"
    started = [_gunicorn(app, log, 2) for _ in range(2)]
    try:
        yield [base for _proc, base in started], log
    finally:
        for proc, _base in started:
            _stop(proc)


def _sign_in(base: str, email: str, password: str = PASSWORD) -> Browser:
    browser = Browser(base)
    status, _html, _headers = browser.form("/login", {"email": email, "password": password})
    assert status == 302, status
    return browser


def test_copied_cookie_is_refused_after_logout(server: tuple[str, Path]) -> None:
    base, _log = server
    editor = _sign_in(base, "editor@example.org")
    assert all(editor.request("/staff/")[0] == 200 for _ in range(6))  # every worker knows it
    copied = next(c for c in editor.jar if c.name == "session")  # copied before logout
    assert editor.form("/logout", {}, page="/staff/")[0] == 302
    thief = Browser(base)
    thief.jar.set_cookie(copied)
    assert all(thief.request("/staff/")[0] == 302 for _ in range(6))


def test_role_change_ends_the_users_other_sessions(app: Flask, server: tuple[str, Path]) -> None:
    base, _log = server
    editor = _sign_in(base, "editor@example.org")
    assert editor.request("/staff/")[0] == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "editor@example.org"))
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        accounts.change_role(user, "translator", admin)
        db.session.commit()
        db.engine.dispose()
    assert all(editor.request("/staff/")[0] == 302 for _ in range(6))
    again = _sign_in(base, "editor@example.org")  # positive control: signing in again works
    assert again.request("/staff/")[0] == 200


def test_wrong_passwords_are_throttled_across_workers(servers: tuple[list[str], Path]) -> None:
    bases, log = servers
    limit = 10  # ARCHIVE_LOGIN_FREE_FAILURES

    def attempt(number: int) -> int:
        return Browser(bases[number % 2]).form(  # alternate between the two servers
            "/login", {"email": "editor@example.org", "password": "nope" * 4}
        )[0]

    # The first N count (wrong password); from attempt N+1 on they are refused uncounted.
    with concurrent.futures.ThreadPoolExecutor(max_workers=limit) as pool:
        first = list(pool.map(attempt, range(limit)))
    rest = [attempt(number) for number in range(limit, 20)]
    assert first == [400] * limit
    assert rest == [429] * (20 - limit)  # attempt N+1 onwards: refused
    status, _html, headers = Browser(bases[0]).form(
        "/login", {"email": "editor@example.org", "password": PASSWORD}
    )
    assert status == 429 and int(headers["Retry-After"]) >= 1  # even the right password waits
    served = Counter(
        line.split()[0]
        for line in log.read_text().splitlines()
        if " POST /login " in f" {line} " and line.split()[-1] in ("400", "429")
    )
    print("POST /login per worker:", dict(served))
    assert len(served) >= 2 and 2 * max(served.values()) <= sum(served.values()), served
    # Refused attempts are not counted: the account waits the base delay (3 s) after its
    # last counted failure, then the right password works (positive control).
    time.sleep(3.5)
    ok = Browser(bases[1]).form("/login", {"email": "editor@example.org", "password": PASSWORD})
    assert ok[0] == 302, ok[0]


@pytest.fixture
def strict(app: Flask) -> Flask:
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("admin",)  # the production default
    return app


def test_admin_must_set_up_and_use_two_factor(strict: Flask) -> None:
    with strict.app_context():
        make_user("admin")
    client = strict.test_client()
    answer = login(client, "admin@example.org")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login/two-factor"
    assert client.get("/staff/").status_code == 302  # not signed in yet
    page = client.get("/login/two-factor?locale=en").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)
    wrong = post_form(client, "/login/two-factor", {"code": "000000"})
    assert wrong.status_code == 400
    done = post_form(client, "/login/two-factor?locale=en", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    assert client.get("/staff/").status_code == 200
    # Next sign-in: the code just used is refused (no reuse); a recovery code works once.
    for recovery, expected in ((codes[0], 302), (codes[0], 400)):
        other = strict.test_client()
        login(other, "admin@example.org")
        reused = post_form(other, "/login/two-factor", {"code": pyotp.TOTP(secret).now()})
        assert reused.status_code == 400
        answer = post_form(other, "/login/two-factor", {"code": recovery})
        assert answer.status_code == expected
    fresh = strict.test_client()
    login(fresh, "admin@example.org")
    with strict.app_context():  # a later time step works (positive control)
        user = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        user.totp_last_step -= 2
        db.session.commit()
    code = pyotp.TOTP(secret).now()
    assert post_form(fresh, "/login/two-factor", {"code": code}).status_code == 302


def test_editors_may_skip_two_factor_and_turn_it_on(strict: Flask) -> None:
    with strict.app_context():
        make_user("editor")
    client = strict.test_client()
    assert login(client, "editor@example.org").headers["Location"] == "/"
    page = client.get("/account/two-factor?locale=en").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)
    post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    other = strict.test_client()
    assert login(other, "editor@example.org").headers["Location"] == "/login/two-factor"


def test_idle_and_absolute_timeouts(app: Flask) -> None:
    with app.app_context():
        make_user("editor")
    client = app.test_client()
    login(client, "editor@example.org")
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        db.session.execute(
            update(UserSession).values(
                last_seen_at=utcnow() - timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 5)
            )
        )
        db.session.commit()
    assert client.get("/staff/").status_code == 302
    login(client, "editor@example.org")
    with app.app_context():
        db.session.execute(
            update(UserSession).values(
                created_at=utcnow() - timedelta(seconds=app.config["SESSION_ABSOLUTE_TIMEOUT"] + 5)
            )
        )
        db.session.commit()
    assert client.get("/staff/").status_code == 302


def test_invite_link_sets_password_once(app: Flask) -> None:
    with app.app_context():
        make_user("admin")
    admin = app.test_client()
    login(admin, "admin@example.org")
    answer = post_form(
        admin, "/admin/users/?locale=en", {"email": "new@example.org", "role": "translator"}
    )
    link = re.search(r"<code>(http[^<]+/account/setup/[^<]+)</code>", answer.get_data(as_text=True))
    path = urllib.parse.urlsplit(link.group(1)).path
    newcomer = app.test_client()
    assert login(newcomer, "new@example.org", "anything at all 123").status_code == 400
    short = post_form(newcomer, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 400
    chosen = "a long new password for the field"
    assert post_form(newcomer, path, {"password": chosen, "confirm": chosen}).status_code == 302
    assert newcomer.get(path).status_code == 404  # spent
    assert login(newcomer, "new@example.org", chosen).status_code == 302
    assert newcomer.get("/translate/").status_code == 200


def test_admin_can_disable_and_sign_out_a_user(app: Flask) -> None:
    with app.app_context():
        make_user("admin")
        editor_id = make_user("editor").id
    admin, editor = app.test_client(), app.test_client()
    login(admin, "admin@example.org")
    login(editor, "editor@example.org")
    assert editor.get("/staff/").status_code == 200
    path = f"/admin/users/{editor_id}/sign-out"
    assert post_form(admin, path, {}, form_path="/admin/users/").status_code == 302
    assert editor.get("/staff/").status_code == 302
    login(editor, "editor@example.org")
    disable = f"/admin/users/{editor_id}/active"
    assert post_form(admin, disable, {"active": "0"}, form_path="/admin/users/").status_code == 302
    assert editor.get("/staff/").status_code == 302
    assert login(editor, "editor@example.org").status_code == 400
    token = csrf_token(admin, "/admin/users/")
    assert admin.post(disable, data={"active": "1", "csrf_token": token}).status_code == 302
    assert login(editor, "editor@example.org").status_code == 302  # positive control


def test_search_and_api_are_limited_per_client(app: Flask) -> None:
    app.config.update(SEARCH_RATE_COUNT=5, SEARCH_RATE_WINDOW=60)
    client = app.test_client()
    answers = [client.get("/api/v1/search?q=river&locale=en") for _ in range(5)]
    assert all(a.status_code == 200 for a in answers)  # within the limit
    limited = client.get("/api/v1/search?q=river&locale=en")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json()["error"]["status"] == 429
    page = client.get("/search?q=river&locale=en")
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200  # reading pages is not limited
