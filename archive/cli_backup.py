"""`flask --app archive backup create|list|restore`: encrypted backups (services.backup).

Commands print English for the operator on the server and exit non-zero on error.
"""

from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from .services import backup

backup_cli = click.Group("backup", help="Encrypted backups of the database.")


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _when(created: str) -> str:
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@backup_cli.command("create")
@with_appcontext
def create_command() -> None:
    """Write an encrypted backup of the database to BACKUP_DIR; keep the newest N."""
    new_key = backup.key_is_new_file()
    try:
        path, header, removed = backup.create()
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if new_key:
        click.echo(
            f"Created the backup key {backup.key_path()} (mode 0600). Copy it off this machine "
            "now, apart from the backups: without it no backup can be restored.",
            err=True,
        )
    if not backup.key_file_is_private():
        click.echo(f"WARNING: {backup.key_path()} is readable by other users.", err=True)
    key_id = backup.key_id(backup.load_key()).hex()
    click.echo(
        f"Wrote {path} ({_size(path.stat().st_size)}, {header['backend']}, "
        f"{_when(header['created'])}, encrypted with key id {key_id})."
    )
    for old in removed:
        click.echo(f"Removed {old.name} (keeping the newest {len(backup.backup_files())}).")


@backup_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Show the backups in BACKUP_DIR, newest first: time, size, backend."""
    found = backup.list_backups()
    if not found:
        click.echo(f"No backups in {backup.backup_dir()}.")
        return
    for info in found:
        if info.header is None:
            click.echo(f"{info.path.name}  {_size(info.size):>9}  unreadable: {info.error}")
        else:
            click.echo(
                f"{info.path.name}  {_when(info.header['created'])}  {_size(info.size):>9}  "
                f"{info.header['backend']}"
            )


@backup_cli.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--without-register",
    is_flag=True,
    help="Restore although no withdrawal register exists (only if none was ever recorded).",
)
@with_appcontext
def restore_command(file: Path, without_register: bool) -> None:
    """Restore FILE, re-apply every withdrawal of the register, purge, rebuild and verify
    the index tiers. Stop the app (on every host) first. Exits non-zero when anything fails."""
    try:
        problems = backup.restore(file, click.echo, without_register=without_register)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)


def register(app: Flask) -> None:
    """Attach the `backup` command group to the app's `flask` CLI."""
    app.cli.add_command(backup_cli)
