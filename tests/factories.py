"""Builders for test data, going through the real services (so audit rows and index jobs are
written exactly as in production)."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask.testing import FlaskClient

from archive.extensions import db
from archive.models import Testimony, User
from archive.services import consent as consent_service
from archive.services import testimonies, versions
from archive.services.accounts import create_user
from archive.services.inputs import ConsentInput, NarratorInput, TestimonyInput, VersionInput
from archive.services.testimonies import SYSTEM

PASSWORD = "correct horse battery staple"


def make_user(role: str, email: str | None = None) -> User:
    """Create and commit a user with the shared test password."""
    user = create_user(email or f"{role}@example.org", PASSWORD, role, SYSTEM)
    db.session.commit()
    return user


@dataclass
class V:
    """A version to create: language, revision status, and optional text."""

    language: str
    status: str = "approved"
    kind: str = "original"
    title: str = ""
    body: str = ""
    translated_from: str | None = None


@dataclass
class T:
    ref: str
    status: str = "published"
    level: str = "public"
    languages: list[str] = field(default_factory=lambda: ["km", "en"])
    versions: list[V] = field(
        default_factory=lambda: [V("km"), V("en", kind="translation", translated_from="km")]
    )
    identity_groups: list[str] = field(default_factory=lambda: ["indigenous"])
    legal_name: str = ""
    village: str = ""
    show_alias: bool = True


def make_testimony(spec: T) -> Testimony:
    """Create a testimony from a spec through the services and commit it."""
    data = TestimonyInput(
        ref=spec.ref,
        recorded_on=date(2023, 10, 28),
        province="Ratanakiri",
        village=spec.village,
        narrator_alias=f"Alias {spec.ref}",
        terms={"identity_group": spec.identity_groups},
        narrator=NarratorInput(legal_name=spec.legal_name) if spec.legal_name else None,
    )
    t = testimonies.create_testimony(data, SYSTEM)
    for v in spec.versions:
        version = versions.add_version(
            t,
            VersionInput(
                language=v.language,
                kind=v.kind,
                title=v.title or f"Title {spec.ref} {v.language}",
                body=v.body or f"Body of {spec.ref} in {v.language}.",
                translated_from=v.translated_from,
            ),
            SYSTEM,
        )
        assert version.latest is not None
        versions.set_revision_status(version.latest, v.status, SYSTEM, imported=True)
    testimonies.set_status(t, spec.status, SYSTEM)
    consent_service.apply_consent(
        t,
        ConsentInput(
            level=spec.level, publish_languages=spec.languages, show_alias=spec.show_alias
        ),
        SYSTEM,
        "initial",
    )
    db.session.commit()
    return t


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """GET `path` and return the CSRF token of its form."""
    page = client.get(path)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the real form (CSRF included); return the response."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], form_path: str | None = None
) -> Any:
    """Submit a form with a fresh CSRF token taken from `form_path` (default: `path`)."""
    token = csrf_token(client, form_path or path)
    return client.post(path, data={**data, "csrf_token": token})
