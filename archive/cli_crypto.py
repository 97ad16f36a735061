"""`flask --app archive keys status|rotate|compact`: the narrator data key (archive.crypto).

Commands print English for the operator on the server and exit non-zero on error.
"""

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import crypto
from .extensions import db

keys_cli = AppGroup("keys", help="The key that encrypts narrator legal names and contacts.")


@keys_cli.command("status")
@click.option("--verify", is_flag=True, help="Also decrypt every value (slower).")
def status_command(verify: bool) -> None:
    """Show the key in use and how many values each key sealed; exit 1 on a problem
    (plaintext left, values no key here opens, an unusable key)."""
    ring = crypto.keyring()
    problems: list[str] = []
    if ring.current is not None:
        click.echo(f"Key: present, id {ring.current.kid} ({ring.current.source}).")
        if ring.current.path is not None and _readable_by_others(ring.current.path):
            problems.append(f"{ring.current.path} is readable by other users (chmod 600).")
    else:
        click.echo(f"Key: none ({ring.error or f'no {crypto.KEY_ENV}, no {ring.key_path}'}).")
        if ring.error:
            problems.append(ring.error)
    others = [k for k in ring.keys.values() if ring.current is None or k.kid != ring.current.kid]
    for key in others:
        click.echo(f"Decrypt-only key: id {key.kid} ({key.source}).")
    with db.engine.connect() as connection:
        counts = crypto.census(connection, ring if verify else None)
    for purpose, entry in counts.items():
        keyed = ", ".join(f"{n} under {kid}{_mark(ring, kid)}" for kid, n in
                          sorted(entry.by_key.items())) or "none encrypted"  # fmt: skip
        click.echo(f"{purpose}: {keyed}; {entry.empty} empty; {entry.plaintext} plaintext.")
        if entry.plaintext:
            problems.append(
                f"{purpose}: {entry.plaintext} plaintext values (run `flask --app archive "
                "db upgrade`, or `keys rotate --reencrypt-only` to encrypt them)."
            )
        missing = sum(n for kid, n in entry.by_key.items() if kid not in ring.keys)
        if missing:
            problems.append(f"{purpose}: {missing} values under a key that is not here.")
        if entry.unreadable:
            problems.append(f"{purpose}: {entry.unreadable} values fail to decrypt.")
    for problem in problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if problems:
        raise SystemExit(1)


def _mark(ring: crypto.Keyring, kid: str) -> str:
    if ring.current is not None and kid == ring.current.kid:
        return " (current)"
    return " (decrypt-only key)" if kid in ring.keys else " (NO KEY HERE)"


def _readable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


@keys_cli.command("rotate")
@click.option(
    "--reencrypt-only",
    is_flag=True,
    help="Keep the current key and re-encrypt every value under it, reading with any key "
    "known here (after an interrupted rotation, or a key changed in the environment with the "
    "old one in ARCHIVE_FIELD_OLD_KEYS).",
)
@click.option(
    "--keep-old-key",
    is_flag=True,
    help="Keep the old key file afterwards (to read backups made before the rotation); move "
    "it off this machine.",
)
def rotate_command(reencrypt_only: bool, keep_old_key: bool) -> None:
    """Encrypt every narrator value with a new key, in one transaction.

    The old key is kept as `field.key.old-<timestamp>` beside the key file until every value
    is re-encrypted and committed, so an interruption at any point leaves every value
    readable; it is deleted afterwards (unless --keep-old-key).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ring = crypto.keyring()
    if ring.current is None:
        raise click.ClickException(
            f"No usable narrator data key ({ring.error or 'none found'}): nothing to rotate."
        )
    old_kid = ring.current.kid
    if not reencrypt_only:
        path = ring.current.path
        if path is None:
            raise click.ClickException(
                f"The key comes from the {ring.current.source}; `keys rotate` replaces only a "
                f"key file. To rotate it: put the current key in {crypto.OLD_KEYS_ENV}, a new "
                f'one in {crypto.KEY_ENV} (python -c "import archive.crypto as c; '
                'print(c.encode_key(c.new_key()))"), restart, then run '
                "`keys rotate --reencrypt-only`."
            )
        old_path = _replace_key_file(path)
        click.echo(f"New key written to {path}; the old key {old_kid} is kept in {old_path} "
                   "until every value is re-encrypted.")  # fmt: skip
        crypto.forget_keys(app)
        ring = crypto.keyring()
        if ring.current is None:
            raise click.ClickException(f"The new key in {path} cannot be read: {ring.error}")
    try:
        with db.engine.begin() as connection:
            done = crypto.reencrypt_all(connection, ring)
    except Exception as exc:
        raise click.ClickException(
            f"Rotation did not complete and the database is unchanged ({exc}). Every value "
            "stays readable (the old key files are still there); fix the cause and run "
            "`flask --app archive keys rotate --reencrypt-only`."
        ) from None
    counts = ", ".join(f"{n} {purpose}" for purpose, n in sorted(done.values.items()))
    click.echo(
        f"Re-encrypted {counts or 'no values'} in {done.rows} narrator rows under key "
        f"{ring.current.kid} ({done.from_plaintext} of them were plaintext; "
        f"{done.empty} empty values stay empty)."
    )
    try:
        click.echo(f"Storage: {crypto.compact_storage(db.engine)}.")
    except RuntimeError as exc:
        click.echo(f"WARNING: {exc}", err=True)
    _remove_unused_old_keys(ring, keep_old_key)


def _replace_key_file(path: Path) -> Path:
    """Keep the current key as `<path>.old-<timestamp>`, then atomically put a new key in
    `path`; return the old key's new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    old_path = path.with_name(f"{path.name}.old-{stamp}")
    fresh = path.with_name(f"{path.name}.new-{stamp}")
    current = path.read_text(encoding="ascii").strip()
    crypto._write_new_file(old_path, current)  # written before the key file changes
    crypto._write_new_file(fresh, crypto.encode_key(crypto.new_key()))
    os.replace(fresh, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return old_path


def _remove_unused_old_keys(ring: crypto.Keyring, keep: bool) -> None:
    """Delete old key files that no stored value needs any more (unless `keep`)."""
    with db.engine.connect() as connection:
        counts = crypto.census(connection)
    used = {kid for entry in counts.values() for kid in entry.by_key}
    for key in list(ring.keys.values()):
        if key.path is None or (ring.current is not None and key.kid == ring.current.kid
                                and key.path == ring.current.path):  # fmt: skip
            continue
        duplicate = ring.current is not None and key.kid == ring.current.kid
        if key.kid in used and not duplicate:
            click.echo(f"Kept {key.path}: {key.kid} still seals stored values.", err=True)
        elif keep:
            click.echo(f"Kept {key.path} (--keep-old-key): move it off this machine.")
        else:
            key.path.unlink(missing_ok=True)
            click.echo(f"Removed the old key file {key.path} (no value uses {key.kid}).")
    crypto.forget_keys()


@keys_cli.command("compact")
def compact_command() -> None:
    """Checkpoint SQLite's WAL (or VACUUM FULL the narrator table on PostgreSQL)."""
    try:
        click.echo(f"Storage: {crypto.compact_storage(db.engine)}.")
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


def register(app: Flask) -> None:
    """Attach `keys` to the app's `flask` CLI."""
    app.cli.add_command(keys_cli)
