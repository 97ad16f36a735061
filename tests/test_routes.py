"""Walks every route in the URL map: security headers on every response (error pages too),
and every state-changing route refuses a request without a valid CSRF token."""

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from archive.extensions import db
from archive.models import AuditEntry, Revision, Testimony

from .factories import T, login, make_testimony, make_user

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _urls(app: Flask, values: dict[str, str]) -> list[tuple[str, set[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            out.append(("/static/css/site.css", {"GET"}))
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", values.get(name, "1"), url)
        out.append((url, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return out


@pytest.fixture
def world(app: Flask) -> dict[str, str]:
    with app.app_context():
        make_user("admin")
        t = make_testimony(T("routes-1"))
        return {"public_id": t.public_id, "language": "en", "token": "not-a-token",
                "kind": "identity_group", "slug": "plhiv", "tag": "km"}  # fmt: skip


def _check_headers(answer: object, path: str, signed_in: bool) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (path, name)
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
    assert "camera=()" in headers.get("Permissions-Policy", ""), path
    if signed_in and not path.startswith("/static/"):
        assert headers.get("Cache-Control") == "no-store", path


def test_every_route_sends_security_headers(app: Flask, world: dict[str, str]) -> None:
    anonymous, admin = app.test_client(), app.test_client()
    login(admin, "admin@example.org")
    seen = 0
    for url, methods in _urls(app, world):
        for client, signed_in in ((anonymous, False), (admin, True)):
            for method in sorted(methods):
                answer = client.open(url, method=method)
                assert answer.status_code != 500, (method, url)
                _check_headers(answer, url, signed_in)
                seen += 1
    assert seen > 100
    missing = anonymous.get("/no-such-page")  # an error page, too
    _check_headers(missing, "/no-such-page", False)


def _counts(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (AuditEntry, Testimony, Revision)
        )


def test_every_state_changing_route_requires_csrf(app: Flask, world: dict[str, str]) -> None:
    admin = app.test_client()
    login(admin, "admin@example.org")
    before = _counts(app)
    posts = [url for url, methods in _urls(app, world) if "POST" in methods]
    assert len(posts) > 20
    for url in posts:
        for data in ({}, {"csrf_token": "forged"}):
            answer = admin.post(url, data=data)
            assert answer.status_code == 403, url
        json_answer = admin.post(url, json={"body": "x"})
        assert json_answer.status_code == 403, url
    assert _counts(app) == before
    # Positive control: the same kind of request with the real token goes through.
    page = admin.get("/staff/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert admin.post("/logout", data={"csrf_token": token}).status_code == 302
