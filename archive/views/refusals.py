"""Showing a service's refusal on the form that caused it (shared by every form view)."""

from typing import Any

from flask import abort

from ..extensions import db
from ..services.errors import PermissionDenied, ServiceError


def fail(form: Any, error: ServiceError) -> None:
    """Roll back, then attach the refusal to the field it names (or to the whole form).

    A role that may not do the thing gets the ordinary 404 instead (never a 403).
    """
    db.session.rollback()
    if isinstance(error, PermissionDenied):
        abort(404)
    field = getattr(form, error.field or "", None)
    if field is not None:
        # WTForms keeps a field's errors as a tuple until the field was validated.
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))
