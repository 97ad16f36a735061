"""Migrations: the models match the schema they build, and upgrading keeps existing data
(SQLite rebuilds tables in batch mode; a cascade there once erased every revision)."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from archive.extensions import db
from archive.models import AuditEntry, Revision, Testimony, Version

from .factories import T, V, make_testimony


def test_models_match_migrations(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Testimony, Version, Revision, AuditEntry)
    )


def test_upgrade_keeps_data(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        make_testimony(T("keep", versions=[V("km"), V("en", kind="translation",
                                                      translated_from="km")]))  # fmt: skip
        before = _counts()
        assert before[2] == 2
        db.session.remove()
        downgrade(revision="0001")
        upgrade()
        assert _counts() == before
        t = db.session.scalar(select(Testimony).where(Testimony.ref == "keep"))
        assert [len(v.revisions) for v in t.versions] == [1, 1]
