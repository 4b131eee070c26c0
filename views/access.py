"""The permission decorator every page route uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from services.permissions import PUBLIC, Action, Need


def requires(declared: Action | Need) -> Callable:
    """Signed in, active, and allowed what the route declares; otherwise 401/redirect or 403."""
    need = Need.of(declared)

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def guarded(*args, **kwargs):
            if not need.allows(current_user, request.view_args or {}):
                abort(403)
            return view(*args, **kwargs)

        guarded.need = need  # the one declaration: the OpenAPI document and the access tests read it
        return guarded

    return decorator


def public(view: Callable) -> Callable:
    """Declares a route open to anyone, signed in or not (sign-in, the health check, the API document)."""
    view.need = PUBLIC
    return view
