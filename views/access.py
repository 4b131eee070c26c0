"""The permission decorator every route uses, and division guards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from services.permissions import Action, can


def requires(action: Action) -> Callable:
    """Signed in, active, and the role may do `action`; otherwise 401/redirect or 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def guarded(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_action = action  # read by the OpenAPI document and the access tests
        return guarded

    return decorator
