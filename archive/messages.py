"""Translated strings several layers show the same way (kept here, at the bottom of the import
graph, so services and search can use them without importing views or presenters)."""

from flask_babel import gettext as _


def redaction_marker() -> str:
    """Return what non-staff readers see in place of a redacted span."""
    return _("[removed to protect the narrator]")
