"""Throttling that holds across worker processes: failed sign-ins per account and per client
address, and request counts per client, all counted in the database (never in one process's
memory, which would multiply every limit by the number of workers)."""

import math
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import RateCounter, Throttle, utcnow


def _insert(model: type) -> object:
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(model)


def login_keys(email: str, address: str) -> list[tuple[str, int]]:
    """Return the throttle keys of a sign-in and the failures each allows without delay."""
    config = current_app.config
    return [
        (f"account:{email.strip().lower()[:254]}", config["LOGIN_FREE_FAILURES"]),
        (f"address:{address[:45]}", config["LOGIN_FREE_FAILURES_PER_ADDRESS"]),
    ]


def blocked_for(keys: list[tuple[str, int]]) -> float:
    """Return how many seconds the caller must still wait (0.0 when it may try now)."""
    names = [key for key, _free in keys]
    rows = db.session.scalars(select(Throttle).where(Throttle.key.in_(names))).all()
    now = utcnow()
    waits = [(r.blocked_until - now).total_seconds() for r in rows if r.blocked_until]
    return max([0.0, *waits])


def record_failure(keys: list[tuple[str, int]]) -> float:
    """Count a failed attempt under every key; return the delay now imposed (seconds).

    The increment is one UPDATE, so concurrent workers never lose a count. Once a key has
    `free` failures, the next attempt must wait LOGIN_DELAY_BASE seconds, doubling with every
    further failure, up to LOGIN_DELAY_MAX.
    """
    config = current_app.config
    now = utcnow()
    delay = 0.0
    for key, free in keys:
        db.session.execute(_insert(Throttle).values(key=key, failures=0).on_conflict_do_nothing())
        db.session.execute(
            update(Throttle)
            .where(Throttle.key == key)
            .values(failures=Throttle.failures + 1, last_failure_at=now)
        )
        row = db.session.get(Throttle, key, populate_existing=True)
        if row is not None and row.failures >= free:
            # After `free` failures the next attempt waits; each further failure doubles it.
            wait = min(config["LOGIN_DELAY_BASE"] * 2 ** (row.failures - free),
                       config["LOGIN_DELAY_MAX"])  # fmt: skip
            row.blocked_until = now + timedelta(seconds=wait)
            delay = max(delay, wait)
    db.session.commit()
    return delay


def record_success(keys: list[tuple[str, int]]) -> None:
    """Forget the account's failures after a successful sign-in (the address keeps its
    count: one address guessing many accounts is the attack to slow down)."""
    account_key = keys[0][0]
    db.session.execute(
        update(Throttle).where(Throttle.key == account_key).values(failures=0, blocked_until=None)
    )


def hit(key: str, limit: int, window: int) -> float:
    """Count one request of `key` in the current window; return seconds to wait when the
    limit is exceeded (0.0 otherwise)."""
    now = time.time()
    number = int(now // window)
    stmt = _insert(RateCounter).values(key=key, window=number, count=1)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["key", "window"], set_={"count": RateCounter.count + 1}
        )
    )
    count = db.session.scalar(
        select(RateCounter.count).where(RateCounter.key == key, RateCounter.window == number)
    )
    db.session.commit()
    if count is not None and count > limit:
        return math.ceil((number + 1) * window - now)
    return 0.0


def retry_after(seconds: float) -> str:
    """Return a Retry-After header value (whole seconds, at least 1)."""
    return str(max(1, math.ceil(seconds)))
