"""Field-level encryption of narrator personal data (legal name, contact) at rest.

The database (and so every copy of it: WAL, backups, dumps) holds only ciphertext; the key
lives outside it: the `FIELD_KEY` setting (tests), else the environment variable
`ARCHIVE_FIELD_KEY`, else the key file (`FIELD_KEY_FILE`, default `instance/field.key`).

Ciphertext format (version 1), one ASCII string per value:

    enc1:<key id>:<base64url(nonce | AES-256-GCM ciphertext and tag), no padding>

- key id: 8 hex digits of SHA-256("archive field key id" NUL key): tells which key sealed a
  value (rotation, `keys status`) without revealing anything about the key;
- nonce: 12 random bytes, fresh for every write;
- plaintext: UTF-8, padded (0x80 then zeros) to a multiple of 32 bytes, so the stored length
  only tells a name's length to within 32 bytes;
- associated data: "enc1:<key id>:<table>.<column>", so a value cannot be moved to another
  column (a contact pasted into the legal name column) or relabelled with another key id.

The empty string is stored as the empty string: it only tells that the field is empty.

Without a usable key the archive keeps working: a stored value that cannot be decrypted reads
as `Unavailable` (a `str` subclass equal to "" that renders as a localized "unavailable" in
templates and writes back its own ciphertext unchanged), and writing a new non-empty value
raises `FieldKeyMissing`.

Decrypt-only keys (an interrupted rotation, or an environment key being rotated): files named
`<key file>.old-<timestamp>` beside the key file, and the `FIELD_OLD_KEYS` setting.
"""

import base64
import binascii
import contextlib
import hashlib
import logging
import os
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app, has_app_context
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import Text, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

FORMAT = "enc1"
KEY_FILE_NAME = "field.key"
KEY_ENV = "ARCHIVE_FIELD_KEY"
OLD_KEYS_ENV = "ARCHIVE_FIELD_OLD_KEYS"
# Every encrypted column: table -> columns. The purpose of a value is "table.column".
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {"narrators": ("legal_name", "contact")}

_TOKEN = re.compile(r"enc1:([0-9a-f]{8}):([A-Za-z0-9_-]{20,})")
_NONCE = 12
_BLOCK = 32
_CACHE = "archive_field_keys"


class FieldKeyError(RuntimeError):
    """Narrator data cannot be encrypted or decrypted; `reason` is a short code."""

    def __init__(self, message: str, reason: str = "error") -> None:
        super().__init__(message)
        self.reason = reason


class FieldKeyMissing(FieldKeyError):
    """No key (or not the key a value was sealed with) is available."""


class FieldUnreadable(FieldKeyError):
    """A value fails authentication: damaged, altered, moved between columns, or wrong key."""


# -- keys -------------------------------------------------------------------------------------


def new_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return secrets.token_bytes(32)


def encode_key(key: bytes) -> str:
    """Return the text form of a key (URL-safe base64), as in the key file and environment."""
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(raw: str, where: str) -> bytes:
    """Return the 32 key bytes of `raw`; raise FieldKeyError naming `where` when malformed."""
    try:
        cleaned = "".join(raw.split())
        key = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != 32:
        raise FieldKeyError(
            f"The narrator data key in {where} is not a URL-safe base64 256-bit key.", "bad-key"
        )
    return key


def key_id(key: bytes) -> str:
    """Return the 8 hex digits that name a key in its ciphertexts."""
    return hashlib.sha256(b"archive field key id\x00" + key).hexdigest()[:8]


def key_file_path(app: Flask | None = None) -> Path:
    """Return the key file's path: FIELD_KEY_FILE, or `field.key` in the instance folder."""
    app = app or current_app
    configured = app.config.get("FIELD_KEY_FILE")
    return Path(configured) if configured else Path(app.instance_path) / KEY_FILE_NAME


def write_field_key(instance_path: str | os.PathLike[str], path: str | None = None) -> Path:
    """Create the key file (default `<instance_path>/field.key`) with a new random key, mode
    0600, if it does not exist; return its path. An existing file is never replaced: every
    value sealed with it would become unreadable."""
    target = Path(path) if path else Path(instance_path) / KEY_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        _write_new_file(target, encode_key(new_key()))
    return target


def ensure_field_key(engine: Engine, app: Flask | None = None) -> Path | None:
    """Create the key file when no key is configured and the database holds no ciphertext
    (for `init-db`, before the upgrade); return its path, or None when a key is there.

    Raises FieldKeyMissing rather than create a new key when encrypted values exist (a new
    key could not read them: the archive's key must be put back), and FieldKeyError when the
    configured key is unusable.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    ring = keyring(app)
    if ring.current is not None:
        return None
    if ring.error:
        raise FieldKeyError(ring.error, "bad-key")
    with engine.connect() as connection:
        try:
            found = census(connection)
        except (OperationalError, ProgrammingError):  # no narrators table yet: a new database
            connection.rollback()
            found = {}
    sealed = sum(sum(entry.by_key.values()) for entry in found.values())
    if sealed:
        raise FieldKeyMissing(
            f"The database holds {sealed} encrypted narrator values but no key was found "
            f"({KEY_ENV} unset, no {ring.key_path}). Put the archive's key back there (see the "
            "README); a new key would not read them, so none was created.",
            "no-key",
        )
    path = write_field_key(app.instance_path, str(ring.key_path))
    forget_keys(app)
    return path


def _write_new_file(path: Path, content: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(content + "\n")
        f.flush()
        os.fsync(f.fileno())


@dataclass(frozen=True)
class FieldKey:
    kid: str
    key: bytes = field(repr=False)
    source: str  # where it came from, for messages ("file /srv/.../field.key", ...)
    path: Path | None = None  # the file holding it, if any


@dataclass
class Keyring:
    """The key that seals new values (`current`) and every key that may open old ones."""

    current: FieldKey | None
    keys: dict[str, FieldKey]
    key_path: Path
    error: str = ""  # a misconfigured key (reads degrade to Unavailable, writes fail)

    @property
    def can_encrypt(self) -> bool:
        return self.current is not None

    def encrypt(self, purpose: str, value: str) -> str:
        """Return the ciphertext of `value` for the column `purpose` ("" stays "")."""
        if value == "":
            return ""
        if self.current is None:
            raise FieldKeyMissing(self._missing_message(), "no-key")
        data = value.encode("utf-8")
        padded = data + b"\x80" + b"\x00" * (-(len(data) + 1) % _BLOCK)
        nonce = secrets.token_bytes(_NONCE)
        sealed = AESGCM(self.current.key).encrypt(nonce, padded, _aad(self.current.kid, purpose))
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{FORMAT}:{self.current.kid}:{body}"

    def decrypt(self, purpose: str, token: str) -> str:
        """Return the plaintext of a ciphertext; raise FieldKeyMissing when its key is not
        here and FieldUnreadable when it fails authentication."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise FieldUnreadable("not a narrator data ciphertext", "damaged")
        kid, body = match.groups()
        key = self.keys.get(kid)
        if key is None:
            reason = "no-key" if self.current is None else "unknown-key"
            raise FieldKeyMissing(f"no key with id {kid} is available", reason)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            padded = AESGCM(key.key).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(kid, purpose))
        except (InvalidTag, ValueError, binascii.Error):
            raise FieldUnreadable(f"a value sealed with key {kid} fails authentication",
                                  "damaged") from None  # fmt: skip
        end = padded.rfind(b"\x80")
        if end < 0 or padded[end + 1 :].strip(b"\x00"):
            raise FieldUnreadable("bad padding", "damaged")
        return padded[:end].decode("utf-8")

    def _missing_message(self) -> str:
        if self.error:
            return f"Narrator data cannot be saved: {self.error}"
        return (
            "Narrator data cannot be saved: there is no encryption key. Set "
            f"{KEY_ENV} or create the key file {self.key_path} (`python -m archive.bootstrap "
            "INSTANCE_DIR`), or put the archive's key back there (see the README)."
        )


def _aad(kid: str, purpose: str) -> bytes:
    return f"{FORMAT}:{kid}:{purpose}".encode("ascii")


def keyring(app: Flask | None = None) -> Keyring:
    """Return the app's keyring, reloaded when a key source changed (a rotation by another
    process replaces the key file: the next value written uses the new key)."""
    if app is None:
        if not has_app_context():
            return Keyring(None, {}, Path(KEY_FILE_NAME), "no application context")
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    signature = _signature(app)
    cached = app.extensions.get(_CACHE)
    if cached is not None and cached[0] == signature:
        return cached[1]  # type: ignore[no-any-return]
    ring = _load(app)
    app.extensions[_CACHE] = (signature, ring)
    return ring


def forget_keys(app: Flask | None = None) -> None:
    """Drop the cached keyring (the next use reads the key sources again)."""
    (app or current_app).extensions.pop(_CACHE, None)


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _signature(app: Flask) -> tuple[Any, ...]:
    path = key_file_path(app)
    return (
        app.config.get("FIELD_KEY"),
        _old_key_texts(app.config.get("FIELD_OLD_KEYS")),
        os.environ.get(KEY_ENV),
        os.environ.get(OLD_KEYS_ENV),
        str(path),
        _stat(path),
        _stat(path.parent),  # an old-key file appeared or went
    )


def _old_key_texts(raw: Any) -> tuple[str, ...]:
    if not raw:
        return ()
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    return tuple(p.strip() for p in parts if p and p.strip())


def _load(app: Flask) -> Keyring:
    path = key_file_path(app)
    ring = Keyring(None, {}, path)
    configured, env = app.config.get("FIELD_KEY"), os.environ.get(KEY_ENV)
    try:
        if configured:
            where = f"environment {KEY_ENV}" if configured == env else "setting FIELD_KEY"
            ring.current = _key(decode_key(configured, where), where)
        elif env:
            ring.current = _key(decode_key(env, f"environment {KEY_ENV}"), f"environment {KEY_ENV}")
        elif path.exists():
            where = f"file {path}"
            ring.current = _key(decode_key(path.read_text(encoding="ascii"), where), where, path)
    except (FieldKeyError, OSError, UnicodeDecodeError) as exc:
        ring.error = str(exc) if isinstance(exc, FieldKeyError) else f"cannot read {path}: {exc}"
        log.error("narrator data key unusable: %s", ring.error)
    olds = _old_key_texts(app.config.get("FIELD_OLD_KEYS")) or _old_key_texts(
        os.environ.get(OLD_KEYS_ENV)
    )
    found: list[FieldKey] = []
    for number, raw in enumerate(olds, 1):
        with contextlib.suppress(FieldKeyError):
            where = f"old key {number} of FIELD_OLD_KEYS"
            found.append(_key(decode_key(raw, where), where))
    for old in sorted(path.parent.glob(f"{path.name}.old-*")):
        try:
            found.append(_key(decode_key(old.read_text(encoding="ascii"), str(old)),
                              f"file {old}", old))  # fmt: skip
        except (FieldKeyError, OSError, UnicodeDecodeError) as exc:
            log.error("old narrator data key %s unusable: %s", old, exc)
    for key in found:
        ring.keys.setdefault(key.kid, key)
    if ring.current is not None:
        ring.keys[ring.current.kid] = ring.current
    return ring


def _key(key: bytes, source: str, path: Path | None = None) -> FieldKey:
    return FieldKey(key_id(key), key, source, path)


def require_key(app: Flask | None = None) -> None:
    """Raise FieldKeyMissing unless new narrator data can be encrypted now."""
    ring = keyring(app)
    if not ring.can_encrypt:
        raise FieldKeyMissing(ring._missing_message(), "no-key")


def can_encrypt(app: Flask | None = None) -> bool:
    """Return whether new narrator data can be encrypted now (a usable key is present)."""
    return keyring(app).can_encrypt


# -- values -----------------------------------------------------------------------------------


def is_encrypted(value: Any) -> bool:
    """Return whether a stored value is a ciphertext of this module's format."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def token_key_id(value: str) -> str | None:
    """Return the key id of a ciphertext (None for anything else)."""
    match = _TOKEN.fullmatch(value)
    return match.group(1) if match else None


def unavailable_label() -> str:
    """Return what editors and admins see in place of narrator data that cannot be decrypted."""
    return gettext("Unavailable (the encryption key is missing or wrong)")


class Unavailable(str):
    """A stored narrator field that cannot be decrypted here (no key, another key, damaged).

    It equals "" (so a form that sends the field back empty changes nothing), renders in a
    template as a localized "unavailable" marker (`__html__`), and, written back to its own
    column, stores its original ciphertext unchanged: nothing is lost for want of a key.
    """

    ciphertext: str
    purpose: str
    reason: str

    def __new__(cls, ciphertext: str, purpose: str, reason: str) -> "Unavailable":
        self = super().__new__(cls, "")
        self.ciphertext = ciphertext
        self.purpose = purpose
        self.reason = reason
        return self

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        return (self.ciphertext, self.purpose, self.reason)

    def __repr__(self) -> str:
        return f"<Unavailable {self.purpose}: {self.reason}>"

    def __html__(self) -> Markup:
        return Markup('<span class="unavailable">{}</span>').format(unavailable_label())


def is_unavailable(value: Any) -> bool:
    """Return whether a narrator field read from the database could not be decrypted."""
    return isinstance(value, Unavailable)


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted (see the module docstring); `purpose` is
    "table.column" and is bound into every ciphertext."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Unavailable):
            if value.purpose != self.purpose:
                raise FieldUnreadable(
                    f"an unreadable {value.purpose} value cannot be stored in {self.purpose}",
                    "wrong-column",
                )
            return value.ciphertext
        if not isinstance(value, str):
            raise TypeError(f"{self.purpose} takes text, not {type(value).__name__}")
        return keyring().encrypt(self.purpose, value)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None or value == "" or not is_encrypted(value):
            # "" is stored as is; anything else not in our format is plaintext written before
            # the migration that encrypts it (`keys status` counts and reports it).
            return value  # type: ignore[no-any-return]
        try:
            return keyring().decrypt(self.purpose, value)
        except FieldKeyError as exc:
            log.warning("%s unavailable: %s (%s)", self.purpose, exc.reason, exc)
            return Unavailable(value, self.purpose, exc.reason)


# -- whole-table work (migration, rotation, status) -------------------------------------------


@dataclass
class Census:
    """What one encrypted column holds: values per key id, empty and plaintext values."""

    by_key: Counter[str] = field(default_factory=Counter)
    empty: int = 0
    plaintext: int = 0
    unreadable: int = 0  # only counted when verifying


def census(connection: Connection, ring: Keyring | None = None) -> dict[str, Census]:
    """Return a Census per "table.column"; with `ring`, also try to decrypt every value."""
    out: dict[str, Census] = {}
    for table, columns in ENCRYPTED_COLUMNS.items():
        for column in columns:
            out[f"{table}.{column}"] = Census()
        rows = connection.execute(text(f"SELECT {', '.join(columns)} FROM {table}"))  # noqa: S608
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                purpose = f"{table}.{column}"
                entry = out[purpose]
                if not value:
                    entry.empty += 1
                elif (kid := token_key_id(value)) is None:
                    entry.plaintext += 1
                else:
                    entry.by_key[kid] += 1
                    if ring is not None:
                        try:
                            ring.decrypt(purpose, value)
                        except FieldKeyError:
                            entry.unreadable += 1
    return out


@dataclass
class Rewritten:
    rows: int = 0
    values: Counter[str] = field(default_factory=Counter)  # per purpose
    from_plaintext: int = 0
    empty: int = 0


def reencrypt_all(connection: Connection, ring: Keyring) -> Rewritten:
    """Re-encrypt every non-empty narrator value under `ring.current` (reading with any key
    of `ring`, or as plaintext), in the caller's transaction, with writers locked out.

    Raises FieldKeyError, changing nothing, when any value cannot be decrypted or there is no
    current key.
    """
    if ring.current is None:
        raise FieldKeyMissing(ring._missing_message(), "no-key")
    _lock_for_writing(connection)
    done = Rewritten()
    for table, columns in ENCRYPTED_COLUMNS.items():
        rows = connection.execute(
            text(f"SELECT id, {', '.join(columns)} FROM {table} ORDER BY id")  # noqa: S608
        ).all()
        assignments = ", ".join(f"{c} = :{c}" for c in columns)
        update = text(f"UPDATE {table} SET {assignments} WHERE id = :id")  # noqa: S608
        for row in rows:
            values: dict[str, Any] = {"id": row[0]}
            for column, value in zip(columns, row[1:], strict=True):
                purpose = f"{table}.{column}"
                if not value:
                    done.empty += 1
                    values[column] = value
                    continue
                if is_encrypted(value):
                    plain = ring.decrypt(purpose, value)
                else:
                    plain = value
                    done.from_plaintext += 1
                values[column] = ring.encrypt(purpose, plain)
                done.values[purpose] += 1
            connection.execute(update, values)
            done.rows += 1
    return done


def _lock_for_writing(connection: Connection) -> None:
    """Keep other writers of the encrypted tables out until the transaction ends (readers
    go on), so no value is written with the old key in between."""
    dialect = connection.dialect.name
    for table in ENCRYPTED_COLUMNS:
        if dialect == "postgresql":
            connection.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        elif dialect == "sqlite":
            # A write statement takes SQLite's write lock, even when it changes no row.
            connection.execute(text(f"UPDATE {table} SET id = id WHERE 0"))  # noqa: S608


def compact_storage(engine: Engine, timeout: float = 30.0) -> str:
    """Remove old copies of rewritten narrator values from the database's storage; return
    what was done. Run after the transaction that rewrote them committed.

    SQLite: `secure_delete` already zeroed the old cells; a WAL checkpoint (TRUNCATE),
    retried while a reader blocks it, copies the pages home and empties the WAL.
    PostgreSQL: VACUUM FULL rewrites the encrypted tables into new files, so no dead tuple
    keeps an old value (plain VACUUM when the table lock cannot be had within 10 s). What
    PostgreSQL may still hold (WAL segments, archives, replicas) is in the README.
    """
    dialect = engine.dialect.name
    if dialect == "sqlite":
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as connection:
                busy, _log, _moved = connection.exec_driver_sql(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).one()
            if not busy:
                return "WAL checkpointed and truncated"
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "a reader kept blocking the WAL checkpoint; old values may remain in the "
                    "WAL until the next checkpoint (run `flask --app archive keys compact`)"
                )
            time.sleep(0.1)
    if dialect == "postgresql":
        done = []
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ENCRYPTED_COLUMNS:
                connection.exec_driver_sql("SET lock_timeout = '10s'")
                try:
                    connection.exec_driver_sql(f'VACUUM FULL "{table}"')
                    done.append(f"VACUUM FULL {table}")
                except OperationalError:  # lock timeout: fall back to a plain VACUUM
                    log.warning("VACUUM FULL %s did not get its lock; plain VACUUM", table)
                    connection.exec_driver_sql(f'VACUUM "{table}"')
                    done.append(f"VACUUM {table} (FULL could not get its lock)")
                finally:
                    connection.exec_driver_sql("RESET lock_timeout")
        return ", ".join(done)
    return "nothing to compact"
