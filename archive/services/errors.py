"""Errors that services raise for callers to show to people."""

from typing import Any


class ServiceError(Exception):
    """A request a service refuses; `message` is a (lazily) translated string for people,
    `field` names the form field or import field it concerns, if any."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class PermissionDenied(ServiceError):
    """The actor's role may not do this; views answer 404 (never confirm existence)."""
