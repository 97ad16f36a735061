"""The audit log's hash chain, as pure functions (the migration that introduced the chain
uses them too, so they must never change: a change would break every stored hash).

hash(row) = SHA-256(previous hash || canonical JSON of the row's fields, id excluded).
"""

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical(at: datetime, actor_id: int | None, action: str, object_type: str,
              object_id: str, details: dict[str, Any]) -> bytes:  # fmt: skip
    """Return the canonical JSON bytes of one audit row (sorted keys, no spaces, UTF-8)."""
    return json.dumps(
        {
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode("utf-8")


def link(previous: str, row: bytes) -> str:
    """Return the hash of a row that follows the row whose hash is `previous`."""
    return hashlib.sha256(previous.encode("ascii") + row).hexdigest()
