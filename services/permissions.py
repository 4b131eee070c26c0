"""Who may do what: the role × action table, in one place.

Views check it with `require(user, Action.X)` (or the `requires` decorator);
templates ask `can(Action.X)`. Division scoping is a separate question,
answered by `can_see_division`.
"""

from __future__ import annotations

import enum

from models import LineSource, Role, User
from services.errors import PermissionDenied


class Action(enum.StrEnum):
    READ = "read"  # budget lines, appropriations, scenarios, reference data, dashboards
    EDIT_BUDGET = "edit_budget"  # budget lines
    EDIT_APPROPRIATIONS = "edit_appropriations"
    EDIT_SCENARIOS = "edit_scenarios"
    RUN_ALLOCATION = "run_allocation"  # run the planner, apply a run to a scenario
    REQUEST_TRAVEL = "request_travel"  # draft travel (staff for themselves, heads for their division)
    REQUEST_STAFFING = "request_staffing"  # draft staffing requests (division heads)
    DECIDE_REQUESTS = "decide_requests"  # approve, return, reject (the review queue)
    COMMENT_ON_REQUESTS = "comment_on_requests"  # within the requests the user may see (can_see_division)
    MANAGE_PROGRAMS = "manage_programs"  # awards, funding notices, proposals, scores, running selection
    AWARD_SELECTION = "award_selection"  # turn a selection into awards (commits the money)
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_REFERENCE = "manage_reference"  # travel purposes, city-pair fares, the pay table
    MANAGE_OWN_ACCOUNT = "manage_own_account"  # password, personal API tokens


_EVERYONE = frozenset(Role)
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.READ: _EVERYONE,
    Action.EDIT_BUDGET: frozenset({Role.RESOURCE_MANAGER}),
    Action.EDIT_APPROPRIATIONS: frozenset({Role.RESOURCE_MANAGER}),
    Action.EDIT_SCENARIOS: frozenset({Role.RESOURCE_MANAGER}),
    Action.RUN_ALLOCATION: frozenset({Role.RESOURCE_MANAGER}),
    Action.REQUEST_TRAVEL: frozenset({Role.STAFF, Role.DIVISION_HEAD}),
    Action.REQUEST_STAFFING: frozenset({Role.DIVISION_HEAD}),
    Action.DECIDE_REQUESTS: frozenset({Role.RESOURCE_MANAGER}),
    # Those who take part in the request workflow. Viewers change nothing; administrators run
    # users, settings and reference data and have no part in the budget workflow.
    Action.COMMENT_ON_REQUESTS: frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD, Role.STAFF}),
    # Programs belong to International Programs: its head and staff, and the resource
    # managers; other divisions' people read them (see can_manage_programs).
    Action.MANAGE_PROGRAMS: frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD, Role.STAFF}),
    Action.AWARD_SELECTION: frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD}),
    Action.READ_AUDIT: frozenset({Role.ADMIN, Role.RESOURCE_MANAGER, Role.VIEWER}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_SETTINGS: frozenset({Role.ADMIN}),
    Action.MANAGE_REFERENCE: frozenset({Role.ADMIN}),
    Action.MANAGE_OWN_ACCOUNT: _EVERYONE,
}


def can(user: User | None, action: Action) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return user.role in PERMISSIONS[action]


def require(user: User | None, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied("You don't have permission to do that.")


PROGRAMS_DIVISION = "IP"  # the division that runs notices and manages awards


def can_manage_programs(user: User | None, action: Action = Action.MANAGE_PROGRAMS) -> bool:
    """Resource managers, and International Programs' own people, within the role table."""
    if not can(user, action):
        return False
    return user.role == Role.RESOURCE_MANAGER or (user.division is not None and user.division.code == PROGRAMS_DIVISION)


def require_programs(user: User | None, action: Action = Action.MANAGE_PROGRAMS) -> None:
    if not can_manage_programs(user, action):
        raise PermissionDenied("Programs are managed by International Programs and the resource managers.")


def sees_all_divisions(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.RESOURCE_MANAGER, Role.VIEWER)


def can_see_division(user: User, division_id: int | None) -> bool:
    """Division heads and staff see their own division's requests only."""
    return sees_all_divisions(user) or (division_id is not None and division_id == user.division_id)


# A line a request wrote names the request (and its traveler) in its description.
_REQUEST_LINE_KINDS = {LineSource.TRAVEL: "Travel", LineSource.STAFFING: "Staffing"}


def line_description(user: User, source: LineSource | str, division_id: int | None, description: str) -> str:
    """What `user` may read of a line's description: for a request of a division whose requests
    they can't see, only the kind of request (the amount stays, so totals still add up)."""
    if not hides_request_line(user, source, division_id):
        return description
    return f"{_REQUEST_LINE_KINDS[LineSource(source)]} request of another division"


def hides_request_line(user: User, source: LineSource | str, division_id: int | None) -> bool:
    """Whether a line names a request (title, traveler, destination) of a division `user` can't see."""
    return LineSource(source) in _REQUEST_LINE_KINDS and not can_see_division(user, division_id)
