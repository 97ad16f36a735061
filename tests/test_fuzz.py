"""Property-based tests (hypothesis, seeded, fixed example counts): hostile input never
causes a 500 and a rejection never writes."""

import json
import re
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from archive.extensions import db
from archive.models import AuditEntry, Revision, Testimony
from archive.services.importer import ImportFailed, import_lines

from .factories import T, login, make_testimony, make_user
from .test_import_export import good

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Testimony, Revision, AuditEntry)
    )


@FUZZ
@given(field=st.sampled_from(sorted(good())), value=JSON_VALUE)
def test_import_never_crashes_and_rejects_without_writing(
    app: Flask, field: str, value: Any
) -> None:
    record = good("fuzz")
    record[field] = value
    with app.app_context():
        before = _counts()
        try:
            import_lines(json.dumps(record).encode())
        except ImportFailed as failed:
            assert failed.line == 1 and failed.field
            assert _counts() == before
        db.session.rollback()


@FUZZ
@given(data=st.binary(max_size=200))
def test_import_of_arbitrary_bytes(app: Flask, data: bytes) -> None:
    with app.app_context():
        before = _counts()
        try:
            import_lines(data)
        except ImportFailed:
            assert _counts() == before


@FUZZ
@given(q=TEXT, page=TEXT, per_page=TEXT, locale=TEXT, sort=TEXT, group=TEXT)
def test_search_and_paging_parameters(
    app: Flask, q: str, page: str, per_page: str, locale: str, sort: str, group: str
) -> None:
    app.config["SEARCH_RATE_COUNT"] = 10**6
    client = app.test_client()
    params = {
        "q": q,
        "page": page,
        "per_page": per_page,
        "locale": locale,
        "sort": sort,
        "identity_group": group,
    }
    for path in ("/api/v1/search", "/search", "/", "/staff/"):
        answer = client.get(path, query_string=params)
        assert answer.status_code in (200, 301, 302, 303, 400, 404), (path, params)


FIELDS = [
    "ref",
    "recorded_on",
    "province",
    "narrator_alias",
    "original_language",
    "identity_group",
    "legal_name",
]
_SIGNED_IN: dict[int, Any] = {}


def _editor(app: Flask) -> Any:
    """One signed-in editor per app (signing in for every example would be slow)."""
    if id(app) not in _SIGNED_IN:
        with app.app_context():
            make_user("editor")
            make_testimony(T("fuzz-base"))
        client = app.test_client()
        login(client, "editor@example.org")
        _SIGNED_IN[id(app)] = client
    return _SIGNED_IN[id(app)]


@FUZZ
@given(values=st.lists(TEXT, min_size=7, max_size=7))
def test_forms_reject_garbage_without_writing(app: Flask, values: list[str]) -> None:
    client = _editor(app)
    page = client.get("/staff/testimonies/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = dict(zip(FIELDS, values, strict=True))
    data["csrf_token"] = token
    with app.app_context():
        before = _counts()
    answer = client.post("/staff/testimonies/new", data=data)
    assert answer.status_code in (302, 400), data
    if answer.status_code == 400:
        with app.app_context():
            assert _counts() == before, data


@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(email=TEXT, password=TEXT, next_url=TEXT)
def test_login_form_garbage(app: Flask, email: str, password: str, next_url: str) -> None:
    app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 10**6
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post(
        "/login", data={"email": email, "password": password, "next": next_url, "csrf_token": token}
    )
    assert answer.status_code in (400, 429)
