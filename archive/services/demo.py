"""Loading the demo archive and its demo accounts (one per role)."""

import secrets
from importlib.resources import files

from sqlalchemy import select

from ..extensions import db
from ..models import Role, User
from .accounts import create_user
from .importer import ImportReport, import_lines
from .testimonies import SYSTEM

DEMO_USERS = {role: f"{role.value}@demo.invalid" for role in Role}


def demo_file_bytes() -> bytes:
    """Return the bundled demo archive (JSON Lines)."""
    return files("archive.demo").joinpath("testimonies.jsonl").read_bytes()


def load_demo() -> tuple[ImportReport, dict[str, str]]:
    """Import the demo testimonies and create missing demo users.

    Returns the import report and {email: password} for the users created now (passwords are
    random and shown once; existing demo users keep theirs).
    """
    created: dict[str, str] = {}
    for role, email in DEMO_USERS.items():
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
            create_user(email, password, role.value, SYSTEM)
            created[email] = password
    db.session.commit()
    report = import_lines(demo_file_bytes())
    return report, created
