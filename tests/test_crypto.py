"""Narrator data encrypted at rest: the legal name and contact never reach the database file,
its WAL or a backup in plaintext; editors and admins still read them; without the key the
rest of the archive works; rotation and the migration keep every value readable."""

import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError

from archive import cli_crypto, crypto
from archive.extensions import db
from archive.models import Narrator, Testimony
from archive.search.hooks import drain_now
from archive.services.exporter import export_lines
from archive.services.importer import import_lines

from .conftest import Templates, dispose, make_app
from .factories import T, V, login, make_testimony, make_user, post_form

KEY = "YXJjaGl2ZS1jcnlwdG8tdGVzdC1rZXktMzJieXRlcyE="  # b"archive-crypto-test-key-32bytes!"
OTHER_KEY = crypto.encode_key(b"another-archive-key-32-bytes-abc")
LEGAL = "Sokunthea Zephyrine Legalname"
LEGAL_KM = "ចាន់ធូ សុវណ្ណារី"
CONTACT = "+855 97 314 1592 via Zephyrcontact"
WORD = "Quillowbrook"  # in a story body: searchable, never encrypted
MARKER = "Unavailable (the encryption key is missing or wrong)"
STAFF_ROLES = ("editor", "admin")
OTHER_ROLES = ("translator", "researcher")


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (crypto.KEY_ENV, crypto.OLD_KEYS_ENV, "ARCHIVE_FIELD_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


class World:
    """One database (a copy of the migrated template) and the apps opened on it, each with
    its own key configuration, as separate processes would be."""

    def __init__(self, backend: str, instance: Path, uri: str) -> None:
        self.backend, self.instance, self.uri = backend, instance, uri
        self.apps: list[Flask] = []

    def app(self, key: str | None = KEY, **extra: Any) -> Flask:
        """An app with FIELD_KEY=`key` (None: environment, then instance/field.key)."""
        app = make_app(self.instance, self.uri, FIELD_KEY=key, **extra)
        if "keys" not in app.cli.commands:
            cli_crypto.register(app)
        self.apps.append(app)
        return app

    @property
    def key_file(self) -> Path:
        return self.instance / crypto.KEY_FILE_NAME

    def disk(self) -> bytes:
        """Every byte of the SQLite database file and its WAL."""
        path = Path(self.uri.removeprefix("sqlite:///"))
        return b"\n".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())

    def backup(self) -> bytes:
        """A consistent copy of the database as a backup holds it once decrypted: SQLite's
        online backup of the file, PostgreSQL's pg_dump."""
        if self.backend == "sqlite":
            target = self.instance.parent / "backup.sqlite3"
            target.unlink(missing_ok=True)
            source = sqlite3.connect(self.uri.removeprefix("sqlite:///"))
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
            return target.read_bytes()
        url = make_url(self.uri).set(drivername="postgresql")
        return subprocess.run(
            ["pg_dump", "--no-owner", url.render_as_string(hide_password=False)],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout


@pytest.fixture
def world(backend: str, templates: Templates, tmp_path: Path) -> Iterator[World]:
    instance = tmp_path / "instance"
    uri, cleanup = templates.clone(backend, False, instance)
    found = World(backend, instance, uri)
    yield found
    for app in found.apps:
        dispose(app)
    cleanup()


def _raw(app: Flask) -> list[tuple[str, str]]:
    """The stored (legal_name, contact) of every narrator row, as the database holds them."""
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(text("SELECT legal_name, contact FROM narrators ORDER BY id"))
        return [(row[0], row[1]) for row in rows]


def _narrator(app: Flask, ref: str) -> tuple[str, str]:
    with app.app_context():
        row = db.session.scalar(
            select(Narrator).join(Testimony, Narrator.testimony_id == Testimony.id)
            .where(Testimony.ref == ref)
        )  # fmt: skip
        assert row is not None
        return row.legal_name, row.contact


def _import_line(ref: str, legal_name: str = "", contact: str = "", body: str = "") -> bytes:
    narrator = {"alias": f"Alias {ref}"}
    if legal_name:
        narrator["legal_name"] = legal_name
    if contact:
        narrator["contact"] = contact
    record = {
        "ref": ref, "status": "published", "province": "Ratanakiri", "narrator": narrator,
        "consent": {"level": "public", "publish_languages": ["en"], "show_alias": True},
        "versions": [{"language": "en", "kind": "original", "title": f"Title {ref}",
                      "body": body or f"Body of {ref}.", "status": "approved"}],
    }  # fmt: skip
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def _stories(app: Flask) -> dict[str, str]:
    """Users of every role, one testimony through the factory (legal name) and one through
    the import (Khmer legal name and contact); returns {ref: public_id}."""
    with app.app_context():
        for role in (*STAFF_ROLES, *OTHER_ROLES):
            make_user(role)
        first = make_testimony(T("enc-1", legal_name=LEGAL, languages=["en"],
                                 versions=[V("en", body=f"The {WORD} story.")]))  # fmt: skip
        import_lines(_import_line("enc-2", LEGAL_KM, CONTACT))
        drain_now()
        second = db.session.scalar(select(Testimony).where(Testimony.ref == "enc-2"))
        assert second is not None
        return {"enc-1": first.public_id, "enc-2": second.public_id}


def _as(app: Flask, role: str | None) -> Any:
    client = app.test_client()
    if role is not None:
        assert login(client, f"{role}@example.org").status_code == 302
    return client


# -- (a) ciphertext on disk, plaintext for editors and admins ---------------------------------


def test_narrator_data_is_never_plaintext_in_the_database_or_a_backup(world: World) -> None:
    app = world.app()
    ids = _stories(app)
    raw = _raw(app)
    assert len(raw) == 2
    legal_tokens = [legal for legal, _contact in raw]
    assert all(crypto.is_encrypted(value) for value in legal_tokens)
    assert crypto.is_encrypted(raw[1][1])
    assert raw[0][1] == ""  # an empty contact stays empty (it tells only that it is empty)
    secrets_ = [s.encode("utf-8") for s in (LEGAL, LEGAL_KM, CONTACT)]

    if world.backend == "sqlite":
        disk = world.disk()
        assert b"Alias enc-1" in disk  # positive control: unencrypted fields are found
        assert legal_tokens[0].encode("ascii") in disk  # ... and so is the narrator row
        assert [s for s in secrets_ if s in disk] == []
    backup = world.backup()
    assert b"Alias enc-2" in backup  # positive control
    assert legal_tokens[1].encode("ascii") in backup
    assert [s for s in secrets_ if s in backup] == []

    # Editors and admins read them through the page and the JSON API.
    for role in STAFF_ROLES:
        client = _as(app, role)
        page = client.get(f"/t/{ids['enc-1']}?locale=en").get_data(as_text=True)
        assert LEGAL in page
        page = client.get(f"/t/{ids['enc-2']}?locale=en").get_data(as_text=True)
        assert LEGAL_KM in page and CONTACT in page
        answer = client.get(f"/api/v1/testimonies/{ids['enc-2']}").get_json()
        assert answer["narrator"]["legal_name"] == LEGAL_KM
        assert answer["narrator"]["contact"] == CONTACT
        assert (
            client.get(f"/api/v1/testimonies/{ids['enc-1']}").get_json()["narrator"]["legal_name"]
            == LEGAL
        )
    # Translators, researchers and the public do not.
    for role in (*OTHER_ROLES, None):
        client = _as(app, role)
        for public_id in ids.values():
            page = client.get(f"/t/{public_id}?locale=en")
            answer = client.get(f"/api/v1/testimonies/{public_id}")
            assert page.status_code == answer.status_code == 200
            body = page.get_data(as_text=True) + answer.get_data(as_text=True)
            assert "Alias enc" in body  # positive control: the story is there
            assert not [s for s in (LEGAL, LEGAL_KM, CONTACT) if s in body], role
            assert "narrator" not in answer.get_json()

    if world.backend == "sqlite":
        # Positive control of the scan itself: the same name through a plain TEXT column.
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch_plain (v TEXT)"))
            connection.execute(text("INSERT INTO scratch_plain VALUES (:v)"), {"v": LEGAL})
        assert LEGAL.encode("utf-8") in world.disk()


def test_a_decrypted_archive_backup_holds_neither_the_names_nor_the_key(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = pytest.importorskip("archive.services.backup")  # the encrypted backups (issue 7)
    monkeypatch.delenv(backup.KEY_ENV, raising=False)
    crypto.write_field_key(world.instance)  # the key as deployed: instance/field.key
    app = world.app(key=None)
    _stories(app)
    stored = _raw(app)[1][0]
    with app.app_context():
        path, _header, _removed = backup.create()
        _header, payload = backup.open_backup(path)
    if world.backend == "postgresql":  # pg_dump's custom format compresses: back to SQL
        payload = subprocess.run(
            ["pg_restore", "--file=-"], input=payload, capture_output=True, check=True
        ).stdout
    assert b"Alias enc-2" in payload and stored.encode() in payload  # positive controls
    field_key = world.key_file.read_text().strip()
    for needle in (LEGAL, LEGAL_KM, CONTACT, field_key):
        assert needle.encode("utf-8") not in payload, needle


def test_a_written_value_is_read_back_and_the_ciphertext_is_fresh_each_time(
    world: World,
) -> None:
    app = world.app()
    with app.app_context():
        make_testimony(T("fresh-1", legal_name=LEGAL))
        make_testimony(T("fresh-2", legal_name=LEGAL))
    first, second = (legal for legal, _ in _raw(app))
    assert first != second  # random nonce: equal names do not give equal ciphertexts
    assert crypto.token_key_id(first) == crypto.key_id(crypto.decode_key(KEY, "test"))
    assert _narrator(app, "fresh-1") == (LEGAL, "")
    assert _narrator(app, "fresh-2") == (LEGAL, "")


# -- (b) without the key ----------------------------------------------------------------------


def test_without_the_key_the_archive_still_serves_everything_else(world: World) -> None:
    ids = _stories(world.app())
    before = _raw(world.apps[0])
    bare = world.app(key=None)  # no setting, no environment, no instance/field.key

    anonymous = bare.test_client()
    page = anonymous.get(f"/t/{ids['enc-1']}?locale=en")
    assert page.status_code == 200 and WORD in page.get_data(as_text=True)
    found = anonymous.get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert found["total"] == 1
    search_page = anonymous.get("/search", query_string={"q": WORD, "locale": "en"})
    assert search_page.status_code == 200 and ids["enc-1"] in search_page.get_data(as_text=True)

    editor = _as(bare, "editor")
    for public_id in ids.values():
        page = editor.get(f"/t/{public_id}?locale=en")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert MARKER in body
        assert not [s for s in (LEGAL, LEGAL_KM, CONTACT, "enc1:") if s in body]
        answer = editor.get(f"/api/v1/testimonies/{public_id}")
        assert answer.status_code == 200
        assert answer.get_json()["narrator"]["legal_name"] in ("", None)
        assert "enc1:" not in answer.get_data(as_text=True)
        assert editor.get(f"/staff/t/{public_id}").status_code == 200
        assert editor.get(f"/staff/t/{public_id}/edit").status_code == 200

    # Saving the testimony form without the key changes the rest and keeps the ciphertext.
    saved = post_form(
        editor,
        f"/staff/t/{ids['enc-2']}/edit",
        {"ref": "enc-2", "province": "Ratanakiri", "narrator_alias": "Alias enc-2",
         "event": "Edited without the key", "legal_name": "", "contact": ""},
    )  # fmt: skip
    assert saved.status_code == 302
    assert _raw(bare) == before
    with bare.app_context():
        t = db.session.scalar(select(Testimony).where(Testimony.ref == "enc-2"))
        assert t is not None and t.event == "Edited without the key"

    with bare.app_context():
        # Import of testimonies without narrator data works; a new name cannot be written.
        assert import_lines(_import_line("plain-1", body=f"Another {WORD}.")).created == 1
        row = db.session.scalar(select(Narrator).where(Narrator.testimony_id == t.id))
        assert row is not None and crypto.is_unavailable(row.legal_name)
        row.legal_name = "A New Name"
        with pytest.raises(StatementError) as failure:
            db.session.flush()
        assert isinstance(failure.value.orig, crypto.FieldKeyMissing)
        assert "no encryption key" in str(failure.value.orig)
        assert "A New Name" not in str(failure.value)  # never the value in a logged error
        db.session.rollback()

    # The key back: nothing was lost.
    assert _narrator(world.app(), "enc-2") == (LEGAL_KM, CONTACT)


def test_another_key_or_a_moved_value_reads_as_unavailable(world: World) -> None:
    ids = _stories(world.app())
    other = world.app(key=OTHER_KEY)
    legal, contact = _narrator(other, "enc-2")
    assert crypto.is_unavailable(legal) and legal.reason == "unknown-key"  # type: ignore[attr-defined]
    assert legal == "" and not legal and contact == ""
    # A ciphertext moved to another column fails authentication (the column is bound in).
    app = world.app()
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE narrators SET contact = legal_name"))
    legal, contact = _narrator(app, "enc-1")
    assert legal == LEGAL
    assert crypto.is_unavailable(contact) and contact.reason == "damaged"  # type: ignore[attr-defined]
    editor = _as(app, "editor")
    page = editor.get(f"/t/{ids['enc-1']}?locale=en")
    assert page.status_code == 200 and MARKER in page.get_data(as_text=True)


# -- (c) rotation -----------------------------------------------------------------------------


def _keyring_of(key_text: str) -> crypto.Keyring:
    key = crypto.decode_key(key_text, "test")
    entry = crypto.FieldKey(crypto.key_id(key), key, "test")
    return crypto.Keyring(entry, {entry.kid: entry}, Path("unused"))


def test_rotation_re_encrypts_every_value_under_a_new_key(world: World) -> None:
    crypto.write_field_key(world.instance)
    old_key = world.key_file.read_text().strip()
    app = world.app(key=None)
    _stories(app)
    worker = world.app(key=None)  # another process, started before the rotation
    assert _narrator(worker, "enc-2") == (LEGAL_KM, CONTACT)
    before = _raw(app)
    if world.backend == "postgresql":
        with app.app_context(), db.engine.connect() as connection:
            filenode = connection.execute(text("SELECT pg_relation_filenode('narrators')")).one()

    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new_key = world.key_file.read_text().strip()
    old_kid = crypto.key_id(crypto.decode_key(old_key, "old"))
    new_kid = crypto.key_id(crypto.decode_key(new_key, "new"))
    assert new_key != old_key and new_kid != old_kid
    assert "Re-encrypted 1 narrators.contact, 2 narrators.legal_name in 2 narrator rows" in (
        result.output
    )
    assert f"Removed the old key file {world.instance}" in result.output
    assert list(world.instance.glob("field.key.old-*")) == []  # kept only until done
    assert stat.S_IMODE(world.key_file.stat().st_mode) == 0o600

    after = _raw(app)
    for (old_legal, old_contact), (new_legal, new_contact) in zip(before, after, strict=True):
        assert new_legal != old_legal and crypto.token_key_id(new_legal) == new_kid
        assert (new_contact == old_contact == "") or new_contact != old_contact
    assert _narrator(app, "enc-1") == (LEGAL, "")
    assert _narrator(app, "enc-2") == (LEGAL_KM, CONTACT)
    assert _narrator(worker, "enc-2") == (LEGAL_KM, CONTACT)  # picks the new key file up
    # The old key no longer opens the new ciphertext, even under the new key's id.
    with pytest.raises(crypto.FieldKeyMissing):
        _keyring_of(old_key).decrypt("narrators.legal_name", after[0][0])
    impostor = _keyring_of(old_key)
    impostor.keys = {new_kid: impostor.keys[old_kid]}
    with pytest.raises(crypto.FieldUnreadable):
        impostor.decrypt("narrators.legal_name", after[0][0])
    assert _keyring_of(new_key).decrypt("narrators.legal_name", after[0][0]) == LEGAL

    status = app.test_cli_runner().invoke(args=["keys", "status", "--verify"])
    assert status.exit_code == 0, status.output
    assert f"narrators.legal_name: 2 under {new_kid} (current); 0 empty; 0 plaintext." in (
        status.output
    )
    if world.backend == "sqlite":
        disk = world.disk()
        assert [old for old, _ in before if old.encode() in disk] == []  # no stale copy
        assert after[0][0].encode() in disk  # positive control
    else:
        with app.app_context(), db.engine.connect() as connection:
            now = connection.execute(text("SELECT pg_relation_filenode('narrators')")).one()
        assert now != filenode  # VACUUM FULL rewrote the table: no dead tuple kept

    # A value written after the rotation uses the new key, in this app and the other.
    with worker.app_context():
        make_testimony(T("after-1", legal_name="After Rotation Person"))
    assert crypto.token_key_id(_raw(app)[-1][0]) == new_kid


def test_an_interrupted_rotation_leaves_every_value_readable(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    crypto.write_field_key(world.instance)
    app = world.app(key=None)
    _stories(app)
    before = _raw(app)
    real = crypto.reencrypt_all

    def crash(connection: Any, ring: crypto.Keyring) -> Any:
        real(connection, ring)  # every row rewritten inside the transaction ...
        raise RuntimeError("simulated crash before the commit")

    monkeypatch.setattr(crypto, "reencrypt_all", crash)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1
    assert "database is unchanged" in result.output
    assert _raw(app) == before
    [old_file] = world.instance.glob("field.key.old-*")
    fresh = world.app(key=None)
    assert _narrator(fresh, "enc-2") == (LEGAL_KM, CONTACT)  # read with the kept old key
    status = fresh.test_cli_runner().invoke(args=["keys", "status"])
    assert "(decrypt-only key)" in status.output and status.exit_code == 0

    monkeypatch.setattr(crypto, "reencrypt_all", real)
    resumed = fresh.test_cli_runner().invoke(args=["keys", "rotate", "--reencrypt-only"])
    assert resumed.exit_code == 0, resumed.output
    assert not old_file.exists()
    current = crypto.key_id(crypto.decode_key(world.key_file.read_text(), "new"))
    assert {crypto.token_key_id(legal) for legal, _ in _raw(fresh)} == {current}
    assert _narrator(fresh, "enc-2") == (LEGAL_KM, CONTACT)


def test_rotation_refuses_an_environment_key_and_a_missing_key(world: World) -> None:
    app = world.app(key=KEY)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1 and "replaces only a key file" in result.output
    bare = world.app(key=None)
    result = bare.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1 and "nothing to rotate" in result.output


# -- (d) the migration ------------------------------------------------------------------------


def _insert_plaintext(app: Flask, testimony_ids: list[int]) -> None:
    rows = [(testimony_ids[0], LEGAL, CONTACT), (testimony_ids[1], "", "")]
    with app.app_context(), db.engine.begin() as connection:
        for testimony_id, legal, contact in rows:
            connection.execute(
                text("INSERT INTO narrators (testimony_id, legal_name, contact, gender, "
                     "age_range) VALUES (:t, :l, :c, 'female', '30-39')"),
                {"t": testimony_id, "l": legal, "c": contact},
            )  # fmt: skip


def _version(app: Flask) -> str:
    with app.app_context(), db.engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())


def _down_to_0005_with_plaintext(app: Flask) -> str:
    """Downgrade below 0006, add narrator rows in plaintext; return the head revision."""
    head = _version(app)
    with app.app_context():
        ids = [make_testimony(T(f"mig-{n}")).id for n in (1, 2)]
        db.session.remove()
        downgrade(revision="0005")
    _insert_plaintext(app, ids)
    return head


def test_the_migration_encrypts_existing_plaintext_and_the_downgrade_decrypts(
    world: World,
) -> None:
    app = world.app()
    head = _down_to_0005_with_plaintext(app)
    assert _raw(app) == [(LEGAL, CONTACT), ("", "")]
    if world.backend == "sqlite":
        assert LEGAL.encode() in world.disk()  # positive control: plaintext is on disk

    with app.app_context():
        upgrade()
    (legal, contact), empty = _raw(app)
    assert crypto.is_encrypted(legal) and crypto.is_encrypted(contact) and empty == ("", "")
    assert _narrator(app, "mig-1") == (LEGAL, CONTACT)
    assert _narrator(app, "mig-2") == ("", "")
    if world.backend == "sqlite":
        disk = world.disk()
        assert LEGAL.encode() not in disk and CONTACT.encode() not in disk
        assert legal.encode() in disk  # positive control

    with app.app_context():
        db.session.remove()
        downgrade(revision="0005")
    assert _raw(app) == [(LEGAL, CONTACT), ("", "")]
    with app.app_context():
        upgrade()  # again: idempotent
    assert _narrator(app, "mig-1") == (LEGAL, CONTACT)
    assert _version(app) == head


def _logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
    """What Flask-Migrate logged (to pytest's handler, or to the stderr handler Alembic's
    logging configuration installs)."""
    return caplog.text + capsys.readouterr().err


def test_the_migration_refuses_to_leave_plaintext_without_a_key(
    world: World, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    keyed = world.app()
    head = _down_to_0005_with_plaintext(keyed)
    bare = world.app(key=None)
    with bare.app_context(), pytest.raises(SystemExit):  # Flask-Migrate: message, exit 1
        upgrade()
    logged = _logged(caplog, capsys)
    assert "no usable narrator data key" in logged and "Nothing was changed" in logged
    assert _version(bare) == "0005"
    assert _raw(bare) == [(LEGAL, CONTACT), ("", "")]

    with keyed.app_context():
        upgrade()
    assert _version(keyed) == head
    with bare.app_context(), pytest.raises(SystemExit):
        downgrade(revision="0005")  # cannot decrypt: refuses, changes nothing
    assert "cannot be decrypted" in _logged(caplog, capsys)
    assert _version(bare) != "0005"  # (later revisions' downgrades may have run)
    assert all(crypto.is_encrypted(v) for v in _raw(bare)[0])
    assert _narrator(keyed, "mig-1") == (LEGAL, CONTACT)


# -- (e) export -------------------------------------------------------------------------------


def test_export_writes_personal_data_only_when_asked(world: World, tmp_path: Path) -> None:
    app = world.app()
    _stories(app)
    runner = app.test_cli_runner()
    with_data, without = tmp_path / "with.jsonl", tmp_path / "without.jsonl"
    assert runner.invoke(args=["export", str(with_data), "--with-personal-data"]).exit_code == 0
    assert runner.invoke(args=["export", str(without)]).exit_code == 0
    exported = with_data.read_text(encoding="utf-8")
    assert LEGAL in exported and LEGAL_KM in exported and CONTACT in exported
    assert "enc1:" not in exported
    plain = without.read_text(encoding="utf-8")
    assert "Alias enc-1" in plain  # positive control
    assert not [s for s in (LEGAL, LEGAL_KM, CONTACT, "enc1:") if s in plain]

    bare = world.app(key=None)
    with bare.app_context():
        assert len(list(export_lines(False))) == 2  # works without the key
        with pytest.raises(crypto.FieldKeyMissing):
            list(export_lines(True))  # never a stand-in for the real data
    other = world.app(key=OTHER_KEY)
    with other.app_context(), pytest.raises(crypto.FieldKeyMissing, match="enc-1"):
        list(export_lines(True))


# -- key handling (no database) ---------------------------------------------------------------


def _bare_app(tmp_path: Path, **config: Any) -> Flask:
    app = Flask("keytest", instance_path=str(tmp_path / "inst"))
    app.config.update({"FIELD_KEY": None, "FIELD_KEY_FILE": None, "FIELD_OLD_KEYS": ()})
    app.config.update(config)
    return app


def test_key_sources_in_order_setting_environment_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _bare_app(tmp_path)
    assert crypto.keyring(app).current is None
    path = crypto.write_field_key(app.instance_path)
    assert path == Path(app.instance_path) / "field.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    from_file = crypto.keyring(app).current
    assert from_file is not None and from_file.path == path
    content = path.read_text()
    assert crypto.write_field_key(app.instance_path) == path and path.read_text() == content

    monkeypatch.setenv(crypto.KEY_ENV, OTHER_KEY)
    env = crypto.keyring(app).current
    assert env is not None and env.kid == crypto.key_id(crypto.decode_key(OTHER_KEY, "t"))
    app.config["FIELD_KEY"] = KEY
    setting = crypto.keyring(app).current
    assert setting is not None and setting.kid == crypto.key_id(crypto.decode_key(KEY, "t"))
    assert "setting FIELD_KEY" in setting.source

    other_file = tmp_path / "elsewhere" / "narrator.key"
    app2 = _bare_app(tmp_path, FIELD_KEY_FILE=str(other_file))
    monkeypatch.delenv(crypto.KEY_ENV)
    crypto.write_field_key(app2.instance_path, str(other_file))
    found = crypto.keyring(app2).current
    assert found is not None and found.path == other_file


def test_ciphertext_format_padding_and_a_bad_key(tmp_path: Path) -> None:
    ring = _keyring_of(KEY)
    short, longer = (ring.encrypt("narrators.legal_name", v) for v in ("Ann", "A" * 31))
    assert len(short) == len(longer)  # padded to 32 bytes: the length says little
    assert ring.encrypt("narrators.legal_name", "") == ""
    token = ring.encrypt("narrators.legal_name", LEGAL_KM)
    assert token.startswith(f"enc1:{ring.current.kid}:")  # type: ignore[union-attr]
    assert ring.decrypt("narrators.legal_name", token) == LEGAL_KM
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(crypto.FieldUnreadable):
        ring.decrypt("narrators.legal_name", tampered)

    app = _bare_app(tmp_path, FIELD_KEY="not-a-key")
    bad = crypto.keyring(app)
    assert bad.current is None and "not a URL-safe base64 256-bit key" in bad.error
    with pytest.raises(crypto.FieldKeyMissing, match="not a URL-safe base64"):
        bad.encrypt("narrators.legal_name", LEGAL)
    with app.app_context():
        value = crypto.EncryptedText("narrators.legal_name").process_result_value(token, None)
    assert crypto.is_unavailable(value) and value == ""
    assert crypto.EncryptedText("narrators.legal_name").process_bind_param(value, None) == token
    with pytest.raises(crypto.FieldUnreadable):
        crypto.EncryptedText("narrators.contact").process_bind_param(value, None)


def test_an_unavailable_value_renders_as_a_localized_marker(tmp_path: Path) -> None:
    from archive import create_app

    app = create_app({"SECRET_KEY": "x", "ENV": "testing", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite3'}",
                      "INDEX_DRAIN_ON_START": False}, str(tmp_path / "inst"))  # fmt: skip
    value = crypto.Unavailable("enc1:00000000:" + "A" * 40, "narrators.legal_name", "no-key")
    with app.test_request_context("/?locale=en"):
        from flask import render_template_string

        html = render_template_string("<dd>{{ v }}</dd>", v=value)
    assert html == f'<dd><span class="unavailable">{MARKER}</span></dd>'
    assert json.dumps({"v": value}) == '{"v": ""}'
    assert os.fspath(str(value)) == ""


def test_init_db_creates_a_key_only_for_a_database_without_ciphertext(world: World) -> None:
    bare = world.app(key=None)
    with bare.app_context():
        path = crypto.ensure_field_key(db.engine)
        assert path == world.key_file and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert crypto.ensure_field_key(db.engine) is None  # a key is there now
        make_testimony(T("init-1", legal_name=LEGAL))
    world.key_file.unlink()  # the key is lost; the ciphertext stays
    again = world.app(key=None)
    with again.app_context(), pytest.raises(crypto.FieldKeyMissing, match="Put the archive"):
        crypto.ensure_field_key(db.engine)
    assert not world.key_file.exists()
