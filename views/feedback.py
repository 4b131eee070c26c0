"""Turning a service's DomainError into what the person sees on a form page."""

from __future__ import annotations

from flask import flash

from models import db
from services.errors import ConflictError, DomainError, FundsError, SolverFailed


def show_domain_error(form, error: DomainError) -> int:
    """Roll back, put the error on the form's named fields (and flash it when it
    belongs to no field, or is a conflict or funds refusal); return the HTTP status."""
    db.session.rollback()
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
            placed = True
    if not placed or isinstance(error, ConflictError | FundsError | SolverFailed):
        flash(error.message, "warning" if isinstance(error, ConflictError) else "error")
    if isinstance(error, SolverFailed):
        return 503
    return 409 if isinstance(error, ConflictError) else 422
