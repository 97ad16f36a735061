"""Shared fixtures: the app on a real database file (and PostgreSQL when TEST_DATABASE_URL is
set) in a temporary instance folder, with the expensive parts (migrated schema, demo archive)
built once per session and copied per test."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive import create_app
from archive.extensions import db
from archive.search.hooks import drain_now
from archive.seed import seed_reference_data
from archive.services.demo import load_demo

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])
RUN_ID = uuid.uuid4().hex[:8]

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "ENV": "testing",
    "SECRET_KEY": "test-secret-key-not-for-production",
    # The test client talks plain http; the Secure flag is tested separately.
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    # Two-factor sign-in is tested on its own (tests/test_accounts.py, with the production
    # default); elsewhere an admin signs in with a password like everyone else.
    "TWO_FACTOR_REQUIRED_ROLES": (),
    # Cheap Argon2id for the hundreds of test sign-ins (production uses the library defaults).
    "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    # Tests send hundreds of API requests from one address; the limit itself is tested in
    # tests/test_accounts.py with a low value.
    "SEARCH_RATE_COUNT": 100_000,
    # A fixed key for the narrator-field encryption (archive/crypto.py), for tests only.
    "FIELD_KEY": "v--TPF6AAqHsSs-OEcy2ihFKOH_wPzZsjhBcPsvoSmw=",
    # Segment rewrites and the withdrawal purge run before the response, so a test can scan
    # the files right after a request. The same code runs either way; the background thread
    # that production uses is tested on its own (tests/test_search_maintenance.py).
    "INDEX_BACKGROUND_MAINTENANCE": False,
}


def make_app(instance: Path, uri: str, **extra: Any) -> Flask:
    """Return an app on `uri` with its instance folder at `instance`."""
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, **extra}, str(instance))


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _pg_admin(sql: str) -> None:
    assert PG_ADMIN_URL
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _pg_url(name: str) -> str:
    assert PG_ADMIN_URL
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _build(instance: Path, uri: str, demo: bool) -> None:
    app = make_app(instance, uri)
    with app.app_context():
        upgrade()
        seed_reference_data()
        db.session.commit()
        if demo:
            load_demo()
        drain_now()  # the tier indexes are part of the template, copied with the database
    dispose(app)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the catalogs the tests read (the install step does the same; .mo files are
    never committed), so a plain `pytest` run sees the current translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as f:
            catalog = read_po(f)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


class Templates:
    """Migrated (and optionally demo-loaded) databases, built once and copied per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[tuple[str, bool], str] = {}
        self.indexes: dict[tuple[str, bool], Path] = {}

    def source(self, backend: str, demo: bool) -> str:
        key = (backend, demo)
        if key not in self.built:
            if backend == "sqlite":
                folder = self.root / f"template-{int(demo)}"
                path = folder / "archive.sqlite3"
                _build(folder, f"sqlite:///{path}", demo)
                self.built[key] = str(path)
            else:
                folder = self.root / f"pg-{int(demo)}"
                name = f"archive_tpl_{RUN_ID}_{int(demo)}"
                _pg_admin(f'CREATE DATABASE "{name}"')
                _build(folder, _pg_url(name), demo)
                self.built[key] = name
            self.indexes[key] = folder / "index"
        return self.built[key]

    def clone(self, backend: str, demo: bool, instance: Path) -> tuple[str, Any]:
        """Return (uri, cleanup) for a fresh copy of the template database."""
        src = self.source(backend, demo)
        instance.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.indexes[(backend, demo)], instance / "index", symlinks=True)
        if backend == "sqlite":
            target = instance / "archive.sqlite3"
            shutil.copyfile(src, target)
            return f"sqlite:///{target}", lambda: None
        name = f"archive_t_{RUN_ID}_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{src}"')
        return _pg_url(name), lambda: _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        for (backend, _demo), name in self.built.items():
            if backend == "postgresql":
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    found = Templates(tmp_path_factory.mktemp("templates"))
    yield found
    found.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(backend: str, templates: Templates, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on a migrated, seeded, empty database (one per test)."""
    instance = tmp_path / "instance"
    uri, cleanup = templates.clone(backend, False, instance)
    app = make_app(instance, uri)
    yield app
    dispose(app)
    cleanup()


@pytest.fixture
def demo_app(backend: str, templates: Templates, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on a copy of the demo archive (one per test; built once per session)."""
    instance = tmp_path / "instance"
    uri, cleanup = templates.clone(backend, True, instance)
    app = make_app(instance, uri)
    yield app
    dispose(app)
    cleanup()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()
