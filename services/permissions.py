"""Who may do what: the role × action table, in one place.

Every route declares the action it needs (a `Need`); the route decorators, the
OpenAPI text and the permission matrix test read that declaration. A right some
divisions hold (managing programs) is a flag on the Division, not a code here.
Record-level rules stay in the services: division scoping (`can_see_division`)
and a draft's author; a Need names them in words.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from models import Division, LineSource, Role, User


class Action(enum.StrEnum):
    READ = "read"  # budget lines, appropriations, scenarios, reference data, dashboards
    EDIT_BUDGET = "edit_budget"  # budget lines
    EDIT_APPROPRIATIONS = "edit_appropriations"
    EDIT_SCENARIOS = "edit_scenarios"
    RUN_ALLOCATION = "run_allocation"  # run the planner, apply a run to a scenario
    # Who drafts (and edits and deletes their drafts): staff travel for themselves, division heads and
    # resource managers travel for their own division's people (the budget office's, for a resource manager).
    REQUEST_TRAVEL = "request_travel"
    REQUEST_STAFFING = "request_staffing"  # draft staffing requests for one's own division (heads and staff)
    # Send a draft or returned request for review: division heads (their division's), and resource
    # managers (their own office has no head; they may also send any division's draft on).
    SUBMIT_REQUESTS = "submit_requests"
    DECIDE_REQUESTS = "decide_requests"  # approve, return, reject (the review queue)
    CANCEL_REQUESTS = "cancel_requests"  # withdraw an approved request (its budget lines go)
    COMMENT_ON_REQUESTS = "comment_on_requests"  # within the requests the user may see (can_see_division)
    MANAGE_PROGRAMS = "manage_programs"  # awards, funding notices, proposals, scores, running selection
    AWARD_SELECTION = "award_selection"  # turn a selection into awards (commits the money)
    REPROGRAM = "reprogram"  # draft reprogrammings and take them through notice to execution
    LOAD_ACTUALS = "load_actuals"  # load the financial system's extract of obligations and expenditures
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_REFERENCE = "manage_reference"  # travel purposes, city-pair fares, the pay table, division rights
    MANAGE_OWN_ACCOUNT = "manage_own_account"  # password, personal API tokens


_EVERYONE = frozenset(Role)
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.READ: _EVERYONE,
    Action.EDIT_BUDGET: frozenset({Role.RESOURCE_MANAGER}),
    Action.EDIT_APPROPRIATIONS: frozenset({Role.RESOURCE_MANAGER}),
    Action.EDIT_SCENARIOS: frozenset({Role.RESOURCE_MANAGER}),
    Action.RUN_ALLOCATION: frozenset({Role.RESOURCE_MANAGER}),
    # Staff draft; their division head submits; the resource manager decides (issue 15).
    Action.REQUEST_TRAVEL: frozenset({Role.STAFF, Role.DIVISION_HEAD, Role.RESOURCE_MANAGER}),
    Action.REQUEST_STAFFING: frozenset({Role.STAFF, Role.DIVISION_HEAD}),
    Action.SUBMIT_REQUESTS: frozenset({Role.DIVISION_HEAD, Role.RESOURCE_MANAGER}),
    Action.DECIDE_REQUESTS: frozenset({Role.RESOURCE_MANAGER}),
    Action.CANCEL_REQUESTS: frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD}),
    # Those who take part in the request workflow. Viewers change nothing; administrators run
    # users, settings and reference data and have no part in the budget workflow.
    Action.COMMENT_ON_REQUESTS: frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD, Role.STAFF}),
    # Division heads and staff only in a division that manages programs (DIVISION_RIGHTS);
    # other divisions' people read programs.
    Action.MANAGE_PROGRAMS: frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD, Role.STAFF}),
    Action.AWARD_SELECTION: frozenset({Role.RESOURCE_MANAGER, Role.DIVISION_HEAD}),
    Action.REPROGRAM: frozenset({Role.RESOURCE_MANAGER}),
    Action.LOAD_ACTUALS: frozenset({Role.RESOURCE_MANAGER}),
    Action.READ_AUDIT: frozenset({Role.ADMIN, Role.RESOURCE_MANAGER, Role.VIEWER}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_SETTINGS: frozenset({Role.ADMIN}),
    Action.MANAGE_REFERENCE: frozenset({Role.ADMIN}),
    Action.MANAGE_OWN_ACCOUNT: _EVERYONE,
}


@dataclass(frozen=True)
class DivisionRight:
    """A right that division heads and staff have only in a division that holds it (a flag on Division)."""

    holds: Callable[[Division], bool]
    wording: str  # for the OpenAPI text: "division heads and staff ..."


DIVISION_ROLES = frozenset({Role.DIVISION_HEAD, Role.STAFF})
_MANAGES_PROGRAMS = DivisionRight(lambda division: division.manages_programs, "of a division that manages programs")
DIVISION_RIGHTS: dict[Action, DivisionRight] = {
    Action.MANAGE_PROGRAMS: _MANAGES_PROGRAMS,
    Action.AWARD_SELECTION: _MANAGES_PROGRAMS,
}


def can(user: User | None, action: Action) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.role not in PERMISSIONS[action]:
        return False
    right = DIVISION_RIGHTS.get(action)
    if right is None or user.role not in DIVISION_ROLES:
        return True
    return user.division is not None and right.holds(user.division)


@dataclass(frozen=True)
class Need:
    """What a route declares it needs: the action the caller's role must be allowed, and in words
    the record-level rule its service adds (`scope`). One route serving several steps (the request
    workflow's submit, approve, ...) names the URL argument that picks the action (`chosen_by`)."""

    action: Action | None = None  # None, with no choice: open to anyone (PUBLIC)
    scope: str = ""
    chosen_by: str = ""
    actions: Mapping[str, Action] = field(default_factory=dict)

    @classmethod
    def of(cls, declared: Need | Action) -> Need:
        return declared if isinstance(declared, Need) else cls(declared)

    def action_for(self, view_args: Mapping[str, Any]) -> Action:
        return self.actions[view_args[self.chosen_by]] if self.chosen_by else self.action

    def chosen(self, value: str) -> Need:
        """This need with its choice made, for a route that serves one of the choices."""
        return Need(self.actions[value], scope=self.scope)

    def allows(self, user: User | None, view_args: Mapping[str, Any]) -> bool:
        action = self.action_for(view_args)
        return action is None or can(user, action)

    def describe(self) -> str:
        """The OpenAPI text: the permission(s), division rights, then the record-level rule."""
        if self.chosen_by:
            steps: dict[Action, list[str]] = {}
            for value, action in self.actions.items():
                steps.setdefault(action, []).append(value)
            wanted = [f"`{action.value}` to {_either(values)}" for action, values in steps.items()]
            text = "Requires the permission " + ", ".join(wanted)
        else:
            text = f"Requires the permission `{self.action.value}`"
        declared = self.actions.values() if self.chosen_by else [self.action]
        rights = {DIVISION_RIGHTS[action].wording for action in declared if action in DIVISION_RIGHTS}
        text += "".join(f"; division heads and staff only {wording}" for wording in sorted(rights))
        return text + (f"; {self.scope}." if self.scope else ".")


PUBLIC = Need()


def _either(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


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


def may_download_made_workbook(user: User, made_by_id: int) -> bool:
    """A workbook a job made shows what its maker may see (their division's requests, their name as the
    exporter), as the export answered at once shows its reader: so only its maker downloads it."""
    return user.id == made_by_id
