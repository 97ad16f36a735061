"""Time helpers: the archive stores naive UTC datetimes (portable across SQLite and PostgreSQL)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (microseconds kept)."""
    return datetime.now(UTC).replace(tzinfo=None)
