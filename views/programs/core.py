"""The programs blueprint and what its pages share: the division guard on writes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user

from services.permissions import Action, can_manage_programs
from views.access import requires

bp = Blueprint("programs", __name__, url_prefix="/programs")


def manages(action: Action = Action.MANAGE_PROGRAMS) -> Callable:
    """The role may do `action` (else 403) and the person belongs to International Programs
    or is a resource manager (else 403): other divisions read programs, they don't change them."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if not can_manage_programs(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return requires(action)(checked)

    return decorator


@bp.context_processor
def program_permissions():
    return {"manages": lambda action=Action.MANAGE_PROGRAMS: can_manage_programs(current_user, action)}
