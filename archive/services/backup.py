"""Encrypted backups that never bring a withdrawn testimony back.

`create()` takes a consistent copy of the live database without stopping it (SQLite: the
online backup API into memory; PostgreSQL: `pg_dump --format=custom` to a pipe), so no
plaintext copy ever touches the disk, encrypts it with AES-256-GCM under a key that is kept
outside the backups, and writes it atomically with mode 0600. `restore()` decrypts (refusing
a wrong key, a damaged file, another backend or another schema before anything changes),
restores the database, re-applies every withdrawal of the register, purges, and rebuilds and
verifies the index tiers.

File format (version 1; everything after the preamble is authenticated ciphertext):

    preamble  MAGIC (8 bytes) | file id (16 random bytes) | key id (8 bytes)
    records   nonce (12 bytes) | ciphertext length (4 bytes, big-endian) | ciphertext + tag

Record 0 is the header (JSON: format, backend, creation time, schema revision, register
length); records 1..n are the database image (SQLite file) or dump (pg_dump custom format)
in chunks of CHUNK bytes. Each record is sealed with AES-GCM under a fresh random nonce with
the associated data preamble | record number (8 bytes) | last-record flag (1 byte), so
records cannot be swapped between files, reordered, dropped or cut off unnoticed. The key id
(a truncated SHA-256 of the key) only tells "made with another key" from "damaged".
"""

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..extensions import db
from . import audit, purge
from .withdrawal import read_register, reapply_register, register_path

FORMAT_VERSION = 1
MAGIC = b"WVABAK\x00\x01"
KEY_ENV = "ARCHIVE_BACKUP_KEY"
CHUNK = 4 * 1024 * 1024
NAME = re.compile(r"^archive-(\d{8}T\d{6}\.\d{6}Z)\.backup$")
_PREAMBLE = len(MAGIC) + 16 + 8
_RECORD = struct.Struct(">12sI")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PGDUMP_MAGIC = b"PGDMP"
# How long pg_dump and pg_restore wait for a table lock before giving up (a running app
# holding a transaction open makes a restore fail cleanly instead of hanging).
_LOCK_WAIT = "60s"
# URL query parameters of a PostgreSQL URL that libpq also takes from the environment.
_PG_QUERY_ENV = {
    "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "gssencmode": "PGGSSENCMODE", "options": "PGOPTIONS",
}  # fmt: skip


class BackupError(Exception):
    """A backup could not be made or restored; the message says why and what changed."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file as `backup list` shows it (header None when it cannot be read)."""

    path: Path
    size: int
    header: dict[str, Any] | None
    error: str = ""


# -- settings and key -----------------------------------------------------------------------


def backup_dir() -> Path:
    """Return the folder the backups are written to (BACKUP_DIR, default instance/backups)."""
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def key_path() -> Path:
    """Return the key file's path (BACKUP_KEY_FILE, default instance/backup.key)."""
    configured = current_app.config.get("BACKUP_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "backup.key"


def encode_key(key: bytes) -> str:
    """Return the text form of a key (URL-safe base64, as in the key file and the env)."""
    return base64.urlsafe_b64encode(key).decode("ascii")


def _decode_key(raw: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise BackupError(f"The backup key in {where} is not a base64 256-bit key.")
    return key


def key_id(key: bytes) -> bytes:
    """Return 8 bytes that identify a key without revealing it."""
    return hashlib.sha256(b"archive backup key id\x00" + key).digest()[:8]


def load_key(*, create: bool = False) -> bytes:
    """Return the backup key: ARCHIVE_BACKUP_KEY, else the key file.

    With `create`, a missing key file is created (0600, 256 random bits). Raises BackupError
    when there is no key, it is malformed, or the key file lies inside the backup folder.
    """
    raw = os.environ.get(KEY_ENV)
    if raw:
        return _decode_key(raw, KEY_ENV)
    path = key_path()
    if _inside(path, backup_dir()):
        raise BackupError(
            f"The backup key file {path} lies inside the backup folder {backup_dir()}: "
            "move it (BACKUP_KEY_FILE) so a copy of the backups never carries their key."
        )
    if path.is_file():
        return _decode_key(path.read_text(encoding="ascii"), str(path))
    if not create:
        raise BackupError(
            f"No backup key: set {KEY_ENV} or put the key file back at {path} "
            "(without the key that made a backup, it cannot be read)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = AESGCM.generate_key(bit_length=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(encode_key(key) + "\n")
    return key


def key_is_new_file() -> bool:
    """Return whether `backup create` would have to create the key file."""
    return not os.environ.get(KEY_ENV) and not key_path().exists()


def key_file_is_private() -> bool:
    """Return False when the key file is readable by the group or others."""
    path = key_path()
    if os.environ.get(KEY_ENV) or not path.exists():
        return True
    return not path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


# -- sealing ----------------------------------------------------------------------------------


def seal(header: dict[str, Any], payload: bytes, key: bytes) -> bytes:
    """Return the encrypted file bytes of `header` and `payload` (see the module docstring)."""
    preamble = MAGIC + secrets.token_bytes(16) + key_id(key)
    records = [json.dumps(header, sort_keys=True).encode("utf-8")]
    records += [payload[i : i + CHUNK] for i in range(0, len(payload), CHUNK)] or [b""]
    aead = AESGCM(key)
    out = [preamble]
    for number, record in enumerate(records):
        nonce = secrets.token_bytes(12)
        sealed = aead.encrypt(nonce, record, _aad(preamble, number, number == len(records) - 1))
        out += [_RECORD.pack(nonce, len(sealed)), sealed]
    return b"".join(out)


def _aad(preamble: bytes, number: int, last: bool) -> bytes:
    return preamble + struct.pack(">QB", number, int(last))


def _records(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split file bytes into (nonce, ciphertext) records; raise BackupError when malformed."""
    out, offset = [], _PREAMBLE
    while offset < len(data):
        if offset + _RECORD.size > len(data):
            raise BackupError("The backup file is damaged (cut off). Nothing was changed.")
        nonce, length = _RECORD.unpack_from(data, offset)
        offset += _RECORD.size
        if offset + length > len(data):
            raise BackupError("The backup file is damaged (cut off). Nothing was changed.")
        out.append((nonce, data[offset : offset + length]))
        offset += length
    return out


def _check_preamble(data: bytes, key: bytes) -> bytes:
    if len(data) < _PREAMBLE or not data.startswith(MAGIC):
        raise BackupError("This is not an archive backup (or of an unknown format).")
    preamble = data[:_PREAMBLE]
    if preamble[-8:] != key_id(key):
        raise BackupError(
            f"This backup was made with another key (key id {preamble[-8:].hex()}; "
            f"this machine's key is {key_id(key).hex()}). Nothing was changed."
        )
    return preamble


def _open_record(
    aead: AESGCM, preamble: bytes, number: int, last: bool, record: tuple[bytes, bytes]
) -> bytes:
    nonce, sealed = record
    try:
        return aead.decrypt(nonce, sealed, _aad(preamble, number, last))
    except InvalidTag:
        raise BackupError(
            f"The backup file is damaged or was altered (part {number} fails authentication), "
            "or the key is wrong. Nothing was changed."
        ) from None


def _parse_header(raw: bytes) -> dict[str, Any]:
    header = json.loads(raw.decode("utf-8"))
    if header.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {header.get('format')!r}.")
    return header


def unseal(data: bytes, key: bytes) -> tuple[dict[str, Any], bytes]:
    """Return (header, payload) of encrypted file bytes; raise BackupError when the key is
    not the one that made it, or any byte was changed, removed or added."""
    preamble = _check_preamble(data, key)
    records = _records(data)
    if len(records) < 2:
        raise BackupError("The backup file is damaged (cut off). Nothing was changed.")
    aead = AESGCM(key)
    opened = [
        _open_record(aead, preamble, n, n == len(records) - 1, r) for n, r in enumerate(records)
    ]
    return _parse_header(opened[0]), b"".join(opened[1:])


def read_header(path: Path, key: bytes) -> dict[str, Any]:
    """Decrypt only the header of a backup file (for `backup list`)."""
    with path.open("rb") as f:
        data = f.read(_PREAMBLE + _RECORD.size)
        preamble = _check_preamble(data, key)
        if len(data) < _PREAMBLE + _RECORD.size:
            raise BackupError("The backup file is damaged (cut off).")
        nonce, length = _RECORD.unpack_from(data, _PREAMBLE)
        sealed = f.read(length)
        if len(sealed) != length:
            raise BackupError("The backup file is damaged (cut off).")
        more = f.read(1) != b""
    return _parse_header(_open_record(AESGCM(key), preamble, 0, not more, (nonce, sealed)))


def open_backup(path: Path, key: bytes | None = None) -> tuple[dict[str, Any], bytes]:
    """Return (header, plaintext payload) of a backup file (the key defaults to this
    machine's). Raises BackupError for a wrong key or a damaged file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}.") from None
    return unseal(data, key if key is not None else load_key())


# -- the database ------------------------------------------------------------------------------


def backend() -> str:
    """Return the configured database's backend: "sqlite" or "postgresql"."""
    name = db.engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def schema_revision() -> str | None:
    """Return the live database's Alembic revision (None before `init-db`)."""
    with Session(db.engine) as session:
        try:
            return session.scalar(text("SELECT version_num FROM alembic_version"))
        except SQLAlchemyError:  # no table yet: an empty database
            return None


def code_schema_revision() -> str | None:
    """Return the Alembic head revision of this release's migrations."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    return heads[0] if len(heads) == 1 else None


def _sqlite_path() -> Path:
    url = db.engine.url
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("Backups need the SQLite database in a file (not in memory).")
    return Path(url.database)


def _dump_sqlite() -> bytes:
    """Copy the live SQLite database with the online backup API into memory (a consistent
    snapshot, WAL included, while the app keeps running; never a copy of the live file)."""
    memory = sqlite3.connect(":memory:")
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.backup(memory)  # type: ignore[union-attr]
        if memory.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("The copy of the database fails its integrity check.")
        image = bytearray(memory.serialize())
    finally:
        raw.close()
        memory.close()
    image[18:20] = b"\x01\x01"  # a rollback-journal header, so the image opens on its own
    return bytes(image)


def _restore_sqlite(image: bytes) -> None:
    """Write the image into the live database file with the backup API (one transaction:
    readers in other processes see the old database or the new one, never a mix)."""
    if not image.startswith(_SQLITE_MAGIC):
        raise BackupError("The backup holds no SQLite database. Nothing was changed.")
    path = _sqlite_path()
    source = sqlite3.connect(":memory:")
    try:
        patched = bytearray(image)
        patched[18:20] = b"\x01\x01"
        source.deserialize(bytes(patched))
        if source.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("The database in the backup is corrupt. Nothing was changed.")
        db.session.remove()
        db.engine.dispose()  # no pooled connection keeps pages of the old database
        target = sqlite3.connect(path, timeout=30)
        try:
            target.execute("PRAGMA secure_delete=ON")
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise BackupError(
            f"SQLite could not restore the database ({exc}). Nothing was changed."
        ) from None
    finally:
        source.close()


def _pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """Return (--dbname conninfo, environment) for pg_dump/pg_restore from a SQLAlchemy URL.

    Nothing goes through a shell; the password (if the URL has one) travels in PGPASSWORD,
    never in argv, where other users could read it.
    """
    env = dict(os.environ)  # libpq fills what the URL leaves out from PG*, as for the app
    for name, value in url.query.items():
        if name not in _PG_QUERY_ENV or not isinstance(value, str):
            raise BackupError(f"Unsupported database URL parameter for backups: {name}.")
        env[_PG_QUERY_ENV[name]] = value
    for value, variable in ((url.host, "PGHOST"), (url.port, "PGPORT"),
                            (url.username, "PGUSER"), (url.password, "PGPASSWORD")):  # fmt: skip
        if value:
            env[variable] = str(value)
    if not url.database:
        raise BackupError("The database URL names no database.")
    escaped = url.database.replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{escaped}'", env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found on PATH (install the PostgreSQL client tools).")
    return found


def _failed(tool: str, result: subprocess.CompletedProcess[bytes]) -> str:
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return f"{tool} failed (exit {result.returncode}): " + " / ".join(lines[-5:])


def _dump_postgresql() -> bytes:
    """Run pg_dump (custom format, compressed) to a pipe: a consistent snapshot of a live
    database, never written to disk in the clear."""
    conninfo, env = _pg_connection(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]))
    argv = [_tool("pg_dump"), "--format=custom", "--no-password",
            f"--lock-wait-timeout={_LOCK_WAIT}", f"--dbname={conninfo}"]  # fmt: skip
    result = subprocess.run(argv, env=env, capture_output=True, check=False)  # noqa: S603 - fixed argv from the configured URL, no shell
    if result.returncode != 0 or not result.stdout.startswith(_PGDUMP_MAGIC):
        raise BackupError(_failed("pg_dump", result))
    return result.stdout


def _restore_postgresql(dump: bytes) -> None:
    """pg_restore --clean into the configured database, in one transaction: on any error
    PostgreSQL rolls back and the database stays as it was."""
    if not dump.startswith(_PGDUMP_MAGIC):
        raise BackupError("The backup holds no pg_dump archive. Nothing was changed.")
    conninfo, env = _pg_connection(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]))
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={_LOCK_WAIT}".strip()
    db.session.remove()
    db.engine.dispose()  # our own idle connections must not block the DROPs
    argv = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--exit-on-error", "--no-password", f"--dbname={conninfo}"]  # fmt: skip
    result = subprocess.run(argv, input=dump, env=env, capture_output=True, check=False)  # noqa: S603 - fixed argv from the configured URL, no shell
    if result.returncode != 0:
        raise BackupError(
            _failed("pg_restore", result)
            + ". It ran in one transaction: nothing was changed. (Is the app still running?)"
        )


def _vacuum_full() -> None:
    """Rewrite the tables a withdrawal touches. The restore just wrote the erased text into
    them again, and a plain VACUUM (the purge's) only marks dead rows' space reusable: their
    bytes stay in the table files until overwritten. VACUUM FULL writes new files without
    them (it locks each table briefly; the app is stopped during a restore anyway)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"SET lock_timeout = '{_LOCK_WAIT}'"))
        for table in purge.VACUUM_TABLES:
            connection.execute(text(f'VACUUM FULL "{table}"'))


# -- create, list, retention -----------------------------------------------------------------


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S.%fZ")


def create() -> tuple[Path, dict[str, Any], list[Path]]:
    """Write an encrypted backup of the database; apply retention.

    Returns (the file written, its header, the old backups removed). Raises BackupError.
    """
    kind = backend()
    key = load_key(create=True)
    payload = _dump_sqlite() if kind == "sqlite" else _dump_postgresql()
    now = datetime.now(UTC)
    header = {
        "format": FORMAT_VERSION,
        "backend": kind,
        "created": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "schema": schema_revision(),
        "register_entries": _register_length(),
    }
    sealed = seal(header, payload, key)
    folder = backup_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"archive-{_timestamp(now)}.backup"
    _write_atomically(path, sealed)
    return path, header, apply_retention(current_app.config["BACKUP_RETENTION"])


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            raise BackupError(f"{path} exists already.")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def backup_files() -> list[Path]:
    """Return the backup files in the backup folder, newest first (by their names)."""
    folder = backup_dir()
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if NAME.match(p.name) and p.is_file()]
    return sorted(found, key=lambda p: p.name, reverse=True)


def apply_retention(keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (at least one is kept); return the deleted."""
    removed = backup_files()[max(int(keep), 1) :]
    for path in removed:
        path.unlink()
    return removed


def list_backups() -> list[BackupInfo]:
    """Return every backup, newest first, with its header when this machine's key reads it."""
    try:
        key: bytes | None = load_key()
    except BackupError as exc:
        key, problem = None, str(exc)
    out = []
    for path in backup_files():
        size = path.stat().st_size
        if key is None:
            out.append(BackupInfo(path, size, None, problem))
            continue
        try:
            out.append(BackupInfo(path, size, read_header(path, key)))
        except (BackupError, ValueError) as exc:
            out.append(BackupInfo(path, size, None, str(exc)))
    return out


# -- restore ---------------------------------------------------------------------------------


def _resolve(path: Path) -> Path:
    if not path.exists() and not path.is_absolute() and (backup_dir() / path).is_file():
        return backup_dir() / path
    return path


def _register_length() -> int:
    try:
        return len(read_register())
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"The withdrawal register {register_path()} cannot be read ({exc})."
        ) from None


def _outside_audit_head() -> str:
    path = audit.head_file()
    with contextlib.suppress(OSError):
        return path.read_text(encoding="ascii").strip()
    return ""


def restore(path: Path, say: Callable[[str], None], *, without_register: bool = False) -> list[str]:
    """Restore a backup, then re-apply the withdrawal register, purge, rebuild the tiers.

    `say` receives one line per step. Returns the problems found by the final checks (the
    purge check and `index verify`; empty when all is well). Raises BackupError when the
    backup is refused before anything changed (wrong key, damaged, another backend or
    schema, a register older than the backup, or no register file at all unless
    `without_register`: on a new machine a forgotten register would bring back every story
    withdrawn after the backup), or when a later step fails.
    """
    from ..search.drain import rebuild
    from ..search.hooks import store
    from ..search.tiers import IndexBusy
    from ..search.verify import verify

    path = _resolve(path)
    header, payload = open_backup(path)
    say(f"Decrypted {path.name}: a {header['backend']} backup made {header['created']}.")
    kind = backend()
    if header["backend"] != kind:
        raise BackupError(
            f"This is a {header['backend']} backup; this archive runs on {kind}. "
            "Restore it into an archive configured for the same database. Nothing was changed."
        )
    expected = code_schema_revision()
    if header.get("schema") != expected:
        raise BackupError(
            f"This backup has schema revision {header.get('schema')}; this release expects "
            f"{expected}. Restore it with the release that made it, then upgrade "
            "(`init-db`). Nothing was changed."
        )
    if not register_path().exists() and not without_register:
        raise BackupError(
            f"There is no withdrawal register at {register_path()}. Put the current register "
            "there first (from the off-machine copy), or, if this archive never recorded a "
            "withdrawal, run the restore again with --without-register. Nothing was changed."
        )
    entries = _register_length()
    if entries < int(header.get("register_entries", 0)):
        raise BackupError(
            f"The withdrawal register here has {entries} entries, but had "
            f"{header['register_entries']} when this backup was made: it is not the current "
            "register. Put the current register in place first. Nothing was changed."
        )
    previous_head = _outside_audit_head()

    if kind == "sqlite":
        _restore_sqlite(payload)
    else:
        _restore_postgresql(payload)
    say(f"Restored the {kind} database.")

    try:
        audit.record("backup.restore", "backup", path.name, None,
                     created=header["created"], previous_head=previous_head)  # fmt: skip
        count = reapply_register()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        raise BackupError(
            f"THE DATABASE WAS RESTORED BUT THE WITHDRAWALS WERE NOT RE-APPLIED ({exc}). "
            "Keep the app stopped, fix the cause and run this restore again."
        ) from exc
    say(f"Re-applied {count} of the {entries} withdrawals in the register.")

    try:
        purged = purge.run()
    except RuntimeError as exc:
        db.session.rollback()
        raise BackupError(
            f"Withdrawals are re-applied, but the purge did not complete ({exc}). "
            "Run `purge`, `index rebuild` and `index verify`."
        ) from exc
    db.session.close()  # purge.run leaves a read transaction open when nothing was due
    say(f"Purged {purged} withdrawn testimonies.")
    problems: list[str] = []
    if kind == "postgresql":
        try:
            _vacuum_full()
            say(f"Rewrote {len(purge.VACUUM_TABLES)} tables (VACUUM FULL) over the erased rows.")
        except SQLAlchemyError as exc:
            problems.append(
                f"VACUUM FULL did not complete ({exc.__class__.__name__}); run it again"
            )

    tiers = store()
    try:
        with tiers.writer_lock(current_app.config["INDEX_LOCK_TIMEOUT"]), Session(db.engine) as s:
            projected = rebuild(s, tiers)
    except IndexBusy as exc:
        raise BackupError(
            "Withdrawals are re-applied and purged, but another process kept the index writer "
            "lock: run `index rebuild` and `index verify`."
        ) from exc
    say(f"Rebuilt the index tiers from {projected} testimonies.")

    problems += purge.check() + verify(tiers)
    if not problems:
        say("Every tier holds exactly what the policy allows; no remnant of a withdrawal.")
    return problems
