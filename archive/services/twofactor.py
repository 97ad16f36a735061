"""Two-factor sign-in with TOTP (pyotp; the QR code drawn here as SVG, no outside service)
and one-time recovery codes (shown once, stored hashed)."""

import hashlib
import io
import secrets
import time
from typing import Any

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import RecoveryCode, User, utcnow
from . import audit

ISSUER = "Rattanakiri Archive"
RECOVERY_CODES = 10


def required_for(user: User) -> bool:
    """Return whether this user's role must use two-factor sign-in."""
    return user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]


def new_secret() -> str:
    """Return a new random TOTP secret (base32)."""
    return pyotp.random_base32()


def qr_svg(user: User, secret: str) -> Markup:
    """Return the provisioning QR code as inline SVG (made here from our own data only)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=4,
                                    title="QR", border=2)  # fmt: skip
    return Markup(out.getvalue().decode("ascii"))  # noqa: S704 - SVG we generated, no user text


def _code_hash(code: str) -> str:
    # Recovery codes are 50 random bits: a fast hash is enough (nothing to guess by brute
    # force offline that the throttle would not stop online first).
    return hashlib.sha256(code.replace("-", "").lower().encode("ascii")).hexdigest()


def _check_totp(user: User, secret: str, code: str) -> int | None:
    """Return the time step a code matches (this one or the neighbouring), else None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time()
    for offset in (-1, 0, 1):
        at = now + offset * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


def enable(user: User, secret: str, code: str, actor: Any) -> list[str] | None:
    """Turn two-factor on after checking a first code; return the recovery codes to show
    once, or None when the code is wrong."""
    step = _check_totp(user, secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    db.session.execute(
        RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id)  # type: ignore[attr-defined]
    )
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        code_text = f"{raw[:5]}-{raw[5:]}"
        codes.append(code_text)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code_text)))
    audit.record("user.two_factor_enabled", "user", user.id, actor)
    return codes


def verify(user: User, code: str) -> bool:
    """Return whether `code` is a valid, unused TOTP code or recovery code for `user`.

    A TOTP code is accepted once (its time step must be newer than the last one used); a
    recovery code is spent.
    """
    if not user.totp_secret:
        return False
    step = _check_totp(user, user.totp_secret, code)
    if step is not None:
        if step <= user.totp_last_step:
            return False  # reused (or replayed) code
        user.totp_last_step = step
        return True
    found = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code.strip()),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        return False
    found.used_at = utcnow()
    audit.record("user.recovery_code_used", "user", user.id, user)
    return True
