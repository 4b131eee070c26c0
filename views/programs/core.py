"""The programs blueprint and what its pages share: putting a service's errors beside the
form rows they name. (Who may write is the routes' declared Action: services.permissions.)"""

from __future__ import annotations

from flask import Blueprint

from services.errors import DomainError
from views.feedback import show_domain_error

bp = Blueprint("programs", __name__, url_prefix="/programs")


def show_errors(form, error: DomainError) -> int:
    """Roll back; errors on rows go beside their rows, the rest as show_domain_error places them."""
    rest = form.place_errors(error.fields) if hasattr(form, "place_errors") else error.fields
    return show_domain_error(form, type(error)(error.message, fields=rest))
