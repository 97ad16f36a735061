"""Encrypted backups: no plaintext in the file, a wrong key or a damaged file changes nothing,
and restoring a backup older than a withdrawal never brings the story back."""

import os
import secrets
import shutil
import stat
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from archive.cli_backup import register
from archive.extensions import db
from archive.models import Narrator, Revision, Testimony, Version
from archive.policy import Tier
from archive.search.hooks import drain_now, store
from archive.search.verify import verify
from archive.services import backup, purge
from archive.services.testimonies import SYSTEM
from archive.services.withdrawal import read_register, register_path, withdraw

from .conftest import BACKENDS, Templates, dispose, make_app
from .factories import T, V, login, make_testimony, make_user
from .scan import directory_bytes, found_terms

WORD = "Quetzalmorphic"
SECRET_KM = "ភូមិកណ្ដាលព្រៃជ្រៅ"
LEGAL = "Legal Name Sreyroth Backupdemo"
KEPT_WORD = "Marmalodeon"


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(backup.KEY_ENV, raising=False)


@pytest.fixture
def cli(app: Flask) -> Any:
    if "backup" not in app.cli.commands:
        register(app)
    return app.test_cli_runner()


@pytest.fixture
def stories(app: Flask) -> dict[str, str]:
    """Two public testimonies; the first with a narrator row (legal name) and distinctive
    words in Khmer and English."""
    no_field_key = not (
        app.config.get("FIELD_KEY")
        or os.environ.get("ARCHIVE_FIELD_KEY")
        or (Path(app.instance_path) / "field.key").exists()
    )
    if "FIELD_KEY" in app.config and no_field_key:  # narrator fields are encrypted at rest
        app.config["FIELD_KEY"] = backup.encode_key(secrets.token_bytes(32))
    with app.app_context():
        make_user("editor")
        gone = make_testimony(
            T("bk-1", legal_name=LEGAL,
              versions=[V("km", body=f"រឿង {SECRET_KM} ។"),
                        V("en", kind="translation", translated_from="km",
                          body=f"Her story: {WORD} lanterns.")])
        )  # fmt: skip
        kept = make_testimony(
            T("bk-2", languages=["en"], versions=[V("en", body=f"About {KEPT_WORD} fields.")])
        )
        drain_now()
        return {"gone": gone.public_id, "kept": kept.public_id}


def _create(cli: Any, app: Flask) -> Path:
    result = cli.invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    assert "Wrote " in result.output
    with app.app_context():
        return backup.backup_files()[0]


def _seen(app: Flask, public_id: str, word: str) -> tuple[int, int, int, int]:
    """(story page, JSON API, search hits) for an editor, and search hits for the public."""
    editor = app.test_client()
    assert login(editor, "editor@example.org").status_code == 302
    anonymous = app.test_client()
    return (
        editor.get(f"/t/{public_id}").status_code,
        editor.get(f"/api/v1/testimonies/{public_id}").status_code,
        editor.get(f"/api/v1/search?q={word}").get_json()["total"],
        anonymous.get(f"/api/v1/search?q={word}").get_json()["total"],
    )


def _disk(app: Flask) -> bytes:
    """Every byte of the tier directories and (SQLite) of the database file and its WAL."""
    with app.app_context():
        data = [directory_bytes(Path(store().link(tier))) for tier in Tier]
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if database.startswith("sqlite:///"):
        path = Path(database.removeprefix("sqlite:///"))
        for candidate in (path, Path(f"{path}-wal")):
            if candidate.exists():
                data.append(candidate.read_bytes())
    return b"\n".join(data)


def _stored_legal_name(app: Flask) -> str:
    """The narrator's legal name as the database stores it (ciphertext if the column is
    encrypted at rest, else the name itself)."""
    with app.app_context():
        return db.session.execute(text("SELECT legal_name FROM narrators")).scalar_one()


def _state(app: Flask) -> list[tuple[str, bool]]:
    with app.app_context():
        rows = db.session.execute(
            select(Testimony.ref, Testimony.withdrawn_at.is_not(None)).order_by(Testimony.ref)
        )
        return [(ref, bool(withdrawn)) for ref, withdrawn in rows]


def test_restore_never_brings_a_withdrawn_story_back(
    app: Flask, cli: Any, stories: dict[str, str], backend: str
) -> None:
    gone, kept = stories["gone"], stories["kept"]
    assert _seen(app, gone, WORD) == (200, 200, 1, 1)  # positive controls
    assert _seen(app, gone, SECRET_KM)[2:] == (1, 1)
    words = {WORD, SECRET_KM, LEGAL}
    stored = {WORD, SECRET_KM, _stored_legal_name(app)}
    if backend == "sqlite":
        assert found_terms(_disk(app), stored) == stored  # the scan finds them when present
    path = _create(cli, app)

    with app.app_context():
        testimony = db.session.scalar(select(Testimony).where(Testimony.public_id == gone))
        withdraw(testimony, SYSTEM, "narrator-request", "bk-1")
        db.session.commit()
        drain_now()
        assert purge.run() == 1
        [entry] = read_register()
    assert _seen(app, gone, WORD) == (404, 404, 0, 0)

    result = cli.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 0, result.output
    steps = [
        f"Decrypted {path.name}: a {backend} backup",
        f"Restored the {backend} database",
        "Re-applied 1 of the 1 withdrawals",
        "Purged 1 withdrawn",
        *(["VACUUM FULL"] if backend == "postgresql" else []),
        "Rebuilt the index tiers from 2 testimonies",
        "Every tier holds exactly",
    ]
    for step in steps:
        assert step in result.output, result.output

    assert _seen(app, gone, WORD) == (404, 404, 0, 0)
    assert _seen(app, gone, SECRET_KM)[2:] == (0, 0)
    assert _seen(app, kept, KEPT_WORD) == (200, 200, 1, 1)  # the rest came back
    with app.app_context():
        testimony = db.session.scalar(select(Testimony).where(Testimony.public_id == gone))
        assert testimony.ref == "bk-1" and testimony.withdrawal_reason == "narrator-request"
        assert testimony.withdrawn_at == datetime.fromisoformat(entry["withdrawn_at"])
        assert testimony.purged_at is not None
        kept_id = db.session.scalar(select(Testimony.id).where(Testimony.public_id == kept))
        for model in (Version, Narrator):
            owners = set(db.session.scalars(select(model.testimony_id)))
            assert owners <= {kept_id}, model
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 1
        assert verify(store()) == [] and purge.check() == []
        assert read_register() == [entry]  # re-applied, not appended again
    for args in (["index", "verify"], ["purge", "--check"], ["audit", "verify"]):
        check = cli.invoke(args=args)
        assert check.exit_code == 0, (args, check.output)
    if backend == "sqlite":
        assert found_terms(_disk(app), words | stored) == set()
        assert found_terms(_disk(app), {KEPT_WORD}) == {KEPT_WORD}


def test_backup_file_holds_no_plaintext(
    app: Flask, cli: Any, stories: dict[str, str], backend: str
) -> None:
    stored_legal_name = _stored_legal_name(app)
    path = _create(cli, app)
    data = path.read_bytes()
    with app.app_context():
        key_file = backup.key_path()
        folder = backup.backup_dir()
        header, payload = backup.open_backup(path)
    needles = [WORD, SECRET_KM, KEPT_WORD, "bk-1", stories["gone"], stored_legal_name]
    others = [LEGAL, "SQLite format 3", "PGDMP", key_file.read_text().strip()]
    for needle in needles + others:
        assert needle.encode() not in data, needle
    assert header["backend"] == backend and header["format"] == backup.FORMAT_VERSION
    if backend == "sqlite":
        plain = payload
    else:  # pg_dump compresses its data; pg_restore turns the payload back into SQL
        tool = shutil.which("pg_restore")
        assert tool
        plain = subprocess.run(
            [tool, "--file=-"], input=payload, capture_output=True, check=True
        ).stdout
    for needle in needles:
        assert needle.encode() in plain, needle  # positive control
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not key_file.resolve().is_relative_to(folder.resolve())
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left


def test_wrong_key_or_damaged_file_changes_nothing(
    app: Flask, cli: Any, stories: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _create(cli, app)
    with app.app_context():
        make_testimony(T("bk-3"))  # made after the backup: a restore would remove it
        drain_now()
    before = _state(app)
    data = path.read_bytes()
    damaged = {
        "in the middle": data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 1])
        + data[len(data) // 2 + 1 :],
        "in the header": data[:50] + bytes([data[50] ^ 0x80]) + data[51:],
        "last byte": data[:-1] + bytes([data[-1] ^ 1]),
        "cut off": data[:-100],
    }  # fmt: skip
    for what, content in damaged.items():
        bad = path.with_name(f"damaged-{what.replace(' ', '-')}.bin")
        bad.write_bytes(content)
        result = cli.invoke(args=["backup", "restore", str(bad)])
        assert result.exit_code == 1, (what, result.output)
        assert "damaged" in result.output and "Nothing was changed" in result.output, what
        assert _state(app) == before
    monkeypatch.setenv(backup.KEY_ENV, backup.encode_key(secrets.token_bytes(32)))
    result = cli.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1 and "made with another key" in result.output, result.output
    assert _state(app) == before
    # A wrong key that slips past the key id still fails authentication.
    with app.app_context(), pytest.raises(backup.BackupError, match="fails authentication"):
        wrong = backup.load_key()
        backup.unseal(data[:24] + backup.key_id(wrong) + data[32:], wrong)
    monkeypatch.delenv(backup.KEY_ENV)
    result = cli.invoke(args=["backup", "restore", path.name])  # no withdrawal was recorded
    assert result.exit_code == 1 and "no withdrawal register" in result.output, result.output
    assert _state(app) == before
    args = ["backup", "restore", path.name, "--without-register"]
    result = cli.invoke(args=args)  # positive control: the same file restores
    assert result.exit_code == 0, result.output
    assert _state(app) == [("bk-1", False), ("bk-2", False)]


def test_retention_keeps_the_newest_and_list_shows_them(
    app: Flask, cli: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.invoke(args=["backup", "list"]).output.startswith("No backups")
    app.config["BACKUP_RETENTION"] = 2
    made = [_create(cli, app) for _ in range(3)]
    with app.app_context():
        assert backup.backup_files() == [made[2], made[1]]
    assert not made[0].exists()
    listed = cli.invoke(args=["backup", "list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert [line.split()[0] for line in lines] == [made[2].name, made[1].name]
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert all(today in line and "UTC" in line and line.endswith(backend) for line in lines)
    assert all(" KB" in line or " MB" in line for line in lines)
    monkeypatch.setenv(backup.KEY_ENV, backup.encode_key(secrets.token_bytes(32)))
    listed = cli.invoke(args=["backup", "list"])
    assert listed.output.count("unreadable: This backup was made with another key") == 2


def test_the_key_never_sits_in_the_backup_folder(app: Flask, cli: Any) -> None:
    app.config["BACKUP_KEY_FILE"] = str(Path(app.instance_path) / "backups" / "backup.key")
    result = cli.invoke(args=["backup", "create"])
    assert result.exit_code == 1 and "lies inside the backup folder" in result.output
    assert not (Path(app.instance_path) / "backups" / "backup.key").exists()


def test_restore_refuses_a_register_older_than_the_backup(
    app: Flask, cli: Any, stories: dict[str, str]
) -> None:
    with app.app_context():
        testimony = db.session.scalar(select(Testimony).where(Testimony.ref == "bk-1"))
        withdraw(testimony, SYSTEM, "safety", "bk-1")
        db.session.commit()
        purge.run()
        register = register_path()
    path = _create(cli, app)
    register.write_text("", encoding="utf-8")  # an older copy: no line yet
    before = _state(app)
    result = cli.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1 and "not the current register" in result.output
    assert _state(app) == before


@pytest.fixture
def other_backend_backup(
    backend: str, templates: Templates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """A backup of the other backend, made with the same key (a real one when both backends
    are available, else a sealed payload with that backend's header)."""
    key = secrets.token_bytes(32)
    monkeypatch.setenv(backup.KEY_ENV, backup.encode_key(key))
    other = "postgresql" if backend == "sqlite" else "sqlite"
    if other in BACKENDS:
        uri, cleanup = templates.clone(other, False, tmp_path / "other")
        other_app = make_app(tmp_path / "other", uri)
        register(other_app)
        result = other_app.test_cli_runner().invoke(args=["backup", "create"])
        assert result.exit_code == 0, result.output
        with other_app.app_context():
            path = backup.backup_files()[0]
        dispose(other_app)
        cleanup()
    else:
        path = tmp_path / "other.backup"
        magic = b"SQLite format 3\x00" if other == "sqlite" else b"PGDMP"
        header = {"format": 1, "backend": other, "created": "2024-01-01T00:00:00Z",
                  "schema": None, "register_entries": 0}  # fmt: skip
        path.write_bytes(backup.seal(header, magic + os.urandom(64), key))
    yield other, path


def test_restore_refuses_another_backend_or_schema(
    app: Flask, cli: Any, stories: dict[str, str], other_backend_backup: tuple[str, Path]
) -> None:
    other, path = other_backend_backup
    before = _state(app)
    result = cli.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1, result.output
    assert f"This is a {other} backup" in result.output and "Nothing was changed" in result.output
    assert _state(app) == before
    own = _create(cli, app)
    with app.app_context():
        header, payload = backup.open_backup(own)
        old = own.with_name("old-schema.bin")
        old.write_bytes(backup.seal({**header, "schema": "0001"}, payload, backup.load_key()))
    result = cli.invoke(args=["backup", "restore", str(old)])
    assert result.exit_code == 1 and "schema revision 0001" in result.output, result.output
    assert _state(app) == before
