"""The index outbox: jobs recorded in the same transaction as the change they follow.

This module only records jobs; applying them to the tier indexes happens after commit (see the
drain). A job names a testimony and an operation, never text.
"""

from ..extensions import db
from ..models import IndexJob

SYNC = "sync"  # re-project the testimony into every tier (adds, updates and removals)
PURGE = "purge"  # like sync, then merge the segments that held it (visibility dropped)


def enqueue(testimony_id: int, op: str = SYNC) -> None:
    """Add an index job to the current session; it commits with the caller's change."""
    db.session.add(IndexJob(testimony_id=testimony_id, op=op))
