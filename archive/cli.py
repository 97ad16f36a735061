"""Command-line interface: `flask --app archive <command>`.

Commands print English (they are for the operator on the server) and exit non-zero on error.
"""

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from flask_migrate import upgrade

from .extensions import db
from .models import Role
from .search.hooks import drain_now
from .services.accounts import create_user
from .services.demo import load_demo
from .services.errors import ServiceError
from .services.exporter import export_lines
from .services.importer import ImportFailed, import_lines
from .services.testimonies import SYSTEM

users_cli = AppGroup("users", help="Manage accounts.")
index_cli = AppGroup("index", help="Maintain the search index tiers.")


@index_cli.command("drain")
def index_drain_command() -> None:
    """Apply pending index jobs (rebuilding missing or outdated tiers first)."""
    from .search.drain import drain
    from .search.hooks import store

    config = current_app.config
    count = drain(
        store(), lock_timeout=config["INDEX_LOCK_TIMEOUT"], gap_timeout=config["INDEX_GAP_TIMEOUT"]
    )
    click.echo(f"Applied {count} index jobs.")


@index_cli.command("rebuild")
def index_rebuild_command() -> None:
    """Rebuild every tier aside from the database and swap them in atomically."""
    from sqlalchemy.orm import Session

    from .search.drain import rebuild
    from .search.hooks import store

    tiers = store()
    with tiers.writer_lock(current_app.config["INDEX_LOCK_TIMEOUT"]), Session(db.engine) as s:
        count = rebuild(s, tiers)
    click.echo(f"Rebuilt the tiers from {count} testimonies.")


@index_cli.command("compact")
def index_compact_command() -> None:
    """Merge each tier's small segments and drop deleted documents (within INDEX_SEGMENT_DOCS)."""
    from .policy import Tier
    from .search.hooks import store
    from .search.segments import compact

    tiers = store()
    with tiers.writer_lock(current_app.config["INDEX_LOCK_TIMEOUT"]):
        for tier in Tier:
            if not tiers.exists(tier):
                click.echo(f"{tier.value}: missing (run `index drain`)", err=True)
                continue
            before, after = compact(tiers.open(tier), tiers.segment_docs)
            click.echo(f"{tier.value}: {before} segments -> {after}")


@index_cli.command("verify")
def index_verify_command() -> None:
    """Exit non-zero when any tier differs from what the policy says it should hold."""
    from .search.hooks import store
    from .search.verify import verify

    problems = verify(store())
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("Every tier holds exactly what the policy allows.")


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema and seed the reference data."""
    from .crypto import FieldKeyError, ensure_field_key
    from .seed import seed_reference_data

    try:
        created = ensure_field_key(db.engine)
    except FieldKeyError as exc:
        raise click.ClickException(str(exc)) from None
    if created is not None:
        click.echo(
            f"Created the narrator data key {created} (mode 0600). Copy it off this machine "
            "now, apart from the backups: without it no legal name or contact can be read.",
            err=True,
        )
    upgrade()
    added = seed_reference_data()
    db.session.commit()
    click.echo(f"Database ready ({added} reference rows added).")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, password_stdin: bool) -> None:
    """Create an account. The password is asked for (never taken from the command line)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with force_locale("en"):
        try:
            create_user(email, password, role, SYSTEM)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.field}: {exc.message}") from None
    click.echo(f"Created {role} {email}.")


@users_cli.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
def invite_command(email: str, role: str) -> None:
    """Create an account and print its one-time set-up link (no mail server needed)."""
    from .services.accounts import invite

    with force_locale("en"):
        try:
            _user, token = invite(email, role, SYSTEM)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.field}: {exc.message}") from None
    click.echo(_link(token))


@users_cli.command("reset-link")
@click.argument("email")
def reset_link_command(email: str) -> None:
    """Print a one-time password reset link for an account."""
    from sqlalchemy import select

    from .models import User
    from .services.accounts import issue_token, normalise_email

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException("No such account.")
    token = issue_token(user, "reset", SYSTEM)
    db.session.commit()
    click.echo(_link(token))


def _link(token: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    hours = current_app.config["ACCOUNT_LINK_HOURS"]
    return f"{base}/account/setup/{token}  (one use, valid {hours} hours)"


@click.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import testimonies from a JSON Lines file: all of it, or nothing."""
    with force_locale("en"):
        try:
            report = import_lines(path.read_bytes())
        except ImportFailed as exc:
            raise click.ClickException(f"{exc}. Nothing was imported.") from None
    drain_now()
    click.echo(
        f"Imported: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


@click.command("export")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--with-personal-data",
    is_flag=True,
    help="Include narrators' legal names and contacts. Handle the file as sensitive.",
)
def export_command(path: Path, with_personal_data: bool) -> None:
    """Export every non-withdrawn testimony as JSON Lines (for exchange, not backup)."""
    if with_personal_data:
        click.echo(
            "WARNING: this file will hold narrators' legal names and contacts. "
            "Keep it encrypted and delete it after use.",
            err=True,
        )
    from .crypto import FieldKeyError

    count = 0
    try:
        with path.open("w", encoding="utf-8") as out:
            path.chmod(0o600)
            for line in export_lines(with_personal_data):
                out.write(line)
                count += 1
    except FieldKeyError as exc:
        path.unlink(missing_ok=True)
        raise click.ClickException(f"{exc} Nothing was exported.") from None
    click.echo(f"Exported {count} testimonies to {path}.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo archive and create demo users (passwords printed once)."""
    with force_locale("en"):
        try:
            report, created = load_demo()
        except ImportFailed as exc:
            raise click.ClickException(str(exc)) from None
    drain_now()
    click.echo(
        f"Demo archive: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
    if created:
        click.echo("Demo accounts (these passwords are shown only now):")
        for email, password in created.items():
            click.echo(f"  {email:32} {password}")


@click.command("purge")
@click.option("--check", "check_only", is_flag=True, help="Only report remnants; exit 1 if any.")
@with_appcontext
def purge_command(check_only: bool) -> None:
    """Purge derived copies of withdrawn testimonies (index segments, WAL, free pages)."""
    from .services import purge

    if not check_only:
        click.echo(f"Purged {purge.run()} withdrawn testimonies.")
    problems = purge.check()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("No remnant of a withdrawn testimony was found.")


@click.command("audit")
@click.argument("action", type=click.Choice(["verify"]))
@with_appcontext
def audit_command(action: str) -> None:
    """`audit verify`: recompute the audit hash chain; exit 1 naming the first broken row."""
    from .services.audit import verify_chain

    problems = verify_chain()
    for problem in problems:
        where = f"row {problem.entry_id}" if problem.entry_id is not None else "log"
        click.echo(f"{where}: {problem.message}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("The audit chain is intact.")


@click.command("consent-review")
@with_appcontext
def consent_review_command() -> None:
    """Restrict to staff the testimonies whose consent review date passed, when the
    CONSENT_REVIEW_RESTRICTS setting is on (run it daily from a timer)."""
    from .services.consent import restrict_overdue

    if not current_app.config["CONSENT_REVIEW_RESTRICTS"]:
        click.echo("CONSENT_REVIEW_RESTRICTS is off: nothing restricted.")
        return
    count = restrict_overdue()
    db.session.commit()
    drain_now()
    click.echo(f"Restricted {count} testimonies whose consent review date has passed.")


def register_cli(app: Flask) -> None:
    """Attach the commands to the app's `flask` CLI."""
    for command in (init_db_command, import_command, export_command, demo_command,
                    purge_command, audit_command, consent_review_command):  # fmt: skip
        app.cli.add_command(command)
    app.cli.add_command(users_cli)
    from . import cli_backup

    cli_backup.register(app)
    from . import cli_crypto

    cli_crypto.register(app)
    app.cli.add_command(index_cli)
