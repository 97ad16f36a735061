"""Recording audit entries. There is deliberately no function to change or delete one."""

from typing import Any

from ..extensions import db
from ..models import AuditEntry


def record(action: str, object_type: str, object_id: str | int, actor: Any, **details: Any) -> None:
    """Add an audit entry to the current session (it commits with the change it describes).

    `details` must hold codes and ids only: never story text, names or free text.
    """
    actor_id = getattr(actor, "id", None) if actor is not None else None
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details=details,
        )
    )
