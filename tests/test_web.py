"""Request guard, locale negotiation, error pages, headers, sign-in and configuration."""

from pathlib import Path

import pytest
from flask import Flask

from archive import create_app
from archive.security import PUBLIC, public, safe_next_url

from .factories import csrf_token, login, make_user


def test_every_view_declares_who_may_reach_it(app: Flask) -> None:
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and getattr(app.view_functions[rule.endpoint], "_access", None) is None
    ]
    assert undeclared == []


def test_undeclared_view_is_denied(app: Flask) -> None:
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret page")
    app.add_url_rule("/declared", "declared", public(lambda: "open page"))
    client = app.test_client()
    assert client.get("/forgotten").status_code == 404
    assert client.get("/declared").get_data(as_text=True) == "open page"  # positive control
    assert PUBLIC == "public"


def test_locale_negotiation(app: Flask) -> None:
    client = app.test_client()
    assert '<html lang="km"' in client.get("/").get_data(as_text=True)  # default
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en"' in english.get_data(as_text=True)
    chosen = client.get("/?locale=en")
    assert '<html lang="en"' in chosen.get_data(as_text=True)
    assert "archive_locale=en" in chosen.headers.get("Set-Cookie", "")
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)  # remembered
    # Anything outside the whitelist is ignored, never passed to Babel or echoed.
    odd = client.get("/?locale=../../etc", headers={"Accept-Language": "fr"})
    assert '<html lang="en"' in odd.get_data(as_text=True)
    assert "etc" not in odd.headers.get("Set-Cookie", "")
    fresh = app.test_client()
    fresh.set_cookie("archive_locale", "tpu-Khmr")
    assert '<html lang="km"' in fresh.get("/").get_data(as_text=True)


def test_locale_switch_keeps_path_and_points_home_on_errors(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/login?locale=en").get_data(as_text=True)
    assert 'href="/login?locale=km"' in html
    missing = client.get("/no/such/page?locale=en").get_data(as_text=True)
    assert 'href="/?locale=km"' in missing and "no/such" not in missing


def test_error_pages_are_plain_localized_and_carry_headers(app: Flask) -> None:
    def boom() -> str:
        raise RuntimeError("internal detail: /srv/secret path")

    app.add_url_rule("/boom", "boom", public(boom))
    client = app.test_client()
    for path, method, code in (
        ("/nothing-here?q=<script>", "get", 404),
        ("/", "post", 405),
        ("/boom", "get", 500),
    ):
        answer = getattr(client, method)(path + ("&" if "?" in path else "?") + "locale=en")
        body = answer.get_data(as_text=True)
        assert answer.status_code == code, path
        assert "Traceback" not in body and "internal detail" not in body and "<script>" not in body
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    api = client.get("/api/v1/testimonies/nope")
    assert api.status_code == 404 and api.get_json()["error"]["status"] == 404
    too_big = client.post("/login", data="x" * (3 * 1024 * 1024), content_type="text/plain")
    assert too_big.status_code == 413


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/t/abc?version=en", "/t/abc?version=en"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next_url(target: str | None, expected: str) -> None:
    assert safe_next_url(target, "/") == expected


def test_sign_in_wrong_password_and_sign_out_revokes_cookie(app: Flask) -> None:
    with app.app_context():
        make_user("editor")
    client = app.test_client()
    wrong = login(client, "editor@example.org", "not the password at all")
    assert wrong.status_code == 400
    assert client.get("/staff/").status_code == 302  # still anonymous
    ok = login(client, "editor@example.org")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"
    copied = client.get_cookie("session")
    assert copied is not None
    token = csrf_token(client, "/staff/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/staff/").status_code == 302  # the copied cookie no longer signs in


def test_sign_in_refuses_open_redirect(app: Flask) -> None:
    with app.app_context():
        make_user("researcher")
    client = app.test_client()
    token = csrf_token(client, "/login")
    answer = client.post(
        "/login",
        data={
            "email": "researcher@example.org",
            "password": "correct horse battery staple",
            "next": "//evil.example/",
            "csrf_token": token,
        },
    )
    assert answer.headers["Location"] == "/"


def test_production_refuses_unsafe_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({}, str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app({"SECRET_KEY": "x" * 32, "DEBUG": True}, str(tmp_path / "debug"))
    app = create_app({"SECRET_KEY": "x" * 32}, str(tmp_path / "ok"))
    assert app.config["SESSION_COOKIE_SECURE"] is True  # production default


def test_nul_characters_are_refused_before_anything_reads_them(app: Flask) -> None:
    with app.app_context():
        make_user("editor")
    client = app.test_client()
    login(client, "editor@example.org")
    token = csrf_token(client, "/staff/testimonies/new")
    answer = client.post(
        "/staff/testimonies/new?locale=en", data={"ref": "a\x00b", "csrf_token": token}
    )
    assert answer.status_code == 400
    assert "cannot store" in answer.get_data(as_text=True)
    assert client.get("/t/ab%00cd").status_code == 400
    assert client.get("/search?q=a%00b").status_code == 400
    assert client.get("/api/v1/search?q=ab").status_code == 200  # positive control


def test_request_logs_carry_no_query_string() -> None:
    import logging

    from archive.logs import DropQueryStrings

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "now", "GET /search?q=Phum+Kralanh&locale=en HTTP/1.1", "200", "-"),
        None,
    )
    record.args = ("127.0.0.1", "now", '"GET /search?q=Phum+Kralanh&locale=en HTTP/1.1"', 200, "-")
    assert DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "Kralanh" not in line and '"GET /search HTTP/1.1"' in line
