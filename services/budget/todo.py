"""What needs the signed-in person now: the dashboard's to-do.

Each kind of item is one query (or reads the status of funds the dashboard already built), and each
is shown only to a role that can act on it (`can`). An item is a sentence and where it is done: an
endpoint with its arguments, for the page to turn into a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import (
    EDITABLE_STATUSES,
    ActualsLoad,
    ImportBatch,
    RequestStatus,
    StaffingRequest,
    TravelRequest,
    User,
    db,
)
from models.actuals import LoadStatus
from models.imports import ImportStatus
from money import format_dollars
from services.budget.dashboard import Dashboard
from services.permissions import Action, can

# An appropriation "has little available" when what is not yet planned in the working scenario is
# under this share of its allotment (or nothing is left, or it is overdrawn).
LOW_AVAILABLE_PERCENT = 5


@dataclass(frozen=True)
class TodoItem:
    kind: str  # review | submit | returned | drafts | low_funds | expiring | workbook_import | actuals_load
    text: str
    link_text: str
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)
    count: int = 1


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _request_counts(condition_of) -> dict[RequestStatus, int]:
    """Travel and staffing requests matching `condition_of(model)`, counted by status in one query."""
    both = sa.union_all(
        *(
            sa.select(model.status.label("status")).where(condition_of(model))
            for model in (TravelRequest, StaffingRequest)
        )
    ).subquery()
    rows = db.session.execute(sa.select(both.c.status, sa.func.count()).group_by(both.c.status))
    return {RequestStatus(status): count for status, count in rows}


def _awaiting_review(user: User) -> list[TodoItem]:
    if not can(user, Action.DECIDE_REQUESTS):
        return []
    count = _request_counts(lambda model: model.status == RequestStatus.SUBMITTED).get(RequestStatus.SUBMITTED, 0)
    if not count:
        return []
    return [
        TodoItem(
            "review",
            f"{_plural(count, 'request awaits', 'requests await')} your review.",
            "Open the review queue",
            "requests.review",
            count=count,
        )
    ]


def _awaiting_submission(user: User) -> list[TodoItem]:
    """Division heads (and resource managers, for their own office): their division's drafts and returned
    requests. Those who draft but do not submit (staff): their own drafts and returned requests."""
    drafts_anything = can(user, Action.REQUEST_TRAVEL) or can(user, Action.REQUEST_STAFFING)
    if can(user, Action.SUBMIT_REQUESTS):
        if user.division_id is None:
            return []
        counts = _request_counts(
            lambda model: sa.and_(model.division_id == user.division_id, model.status.in_(EDITABLE_STATUSES))
        )
        division, where = user.division.name, {"division": user.division_id}
        drafts, returned = counts.get(RequestStatus.DRAFT, 0), counts.get(RequestStatus.RETURNED, 0)
        items = []
        if drafts:
            items.append(
                TodoItem(
                    "submit",
                    f"{_plural(drafts, 'draft', 'drafts')} of {division} {'awaits' if drafts == 1 else 'await'} "
                    "your submission.",
                    "See the drafts",
                    "requests.index",
                    {"status": RequestStatus.DRAFT.value, **where},
                    drafts,
                )
            )
        if returned:
            items.append(
                TodoItem(
                    "returned",
                    f"{_plural(returned, 'request', 'requests')} of {division} "
                    f"{'was' if returned == 1 else 'were'} returned for changes: edit and submit "
                    f"{'it' if returned == 1 else 'them'} again.",
                    "See the returned requests",
                    "requests.index",
                    {"status": RequestStatus.RETURNED.value, **where},
                    returned,
                )
            )
        return items
    if not drafts_anything:
        return []
    counts = _request_counts(lambda model: sa.and_(model.created_by_id == user.id, model.status.in_(EDITABLE_STATUSES)))
    drafts, returned = counts.get(RequestStatus.DRAFT, 0), counts.get(RequestStatus.RETURNED, 0)
    items = []
    if returned:
        items.append(
            TodoItem(
                "returned",
                f"{_plural(returned, 'request', 'requests')} of yours {'was' if returned == 1 else 'were'} returned "
                f"for changes: edit {'it' if returned == 1 else 'them'} as the comment asks; your division head "
                f"then submits {'it' if returned == 1 else 'them'} again.",
                "See your returned requests",
                "requests.index",
                {"status": RequestStatus.RETURNED.value},
                returned,
            )
        )
    if drafts:
        items.append(
            TodoItem(
                "drafts",
                f"{_plural(drafts, 'draft', 'drafts')} of yours: finish "
                f"{'it' if drafts == 1 else 'them'}; your division head submits {'it' if drafts == 1 else 'them'}.",
                "See your drafts",
                "requests.index",
                {"status": RequestStatus.DRAFT.value},
                drafts,
            )
        )
    return items


def _funds(user: User, dashboard: Dashboard) -> list[TodoItem]:
    """From the working scenario's status of funds (already read): little or nothing available, and
    funds expiring within the warning window with money not yet planned."""
    if not can(user, Action.EDIT_BUDGET) or dashboard.scenario is None:
        return []
    scenario = dashboard.scenario
    items = []
    for status in dashboard.funds:
        label, allotted, available = status.appropriation.label, status.allotted_cents, status.available_cents
        where = {"appropriation_id": status.appropriation.id, "scenario": scenario.id}
        if status.is_expired or allotted <= 0:
            continue
        if available * 100 < allotted * LOW_AVAILABLE_PERCENT:
            if available < 0:
                text = f"{label} is overdrawn by {format_dollars(-available)} in {scenario.name}."
            elif available == 0:
                text = f"{label} has nothing available in {scenario.name}: all of its allotment is planned."
            else:
                text = (
                    f"{label} has {format_dollars(available)} available in {scenario.name}, under "
                    f"{LOW_AVAILABLE_PERCENT}% of its {format_dollars(allotted)} allotment."
                )
            items.append(TodoItem("low_funds", text, f"Review {label}", "budget.appropriation", where))
    for status in dashboard.expiring:
        if status.available_cents > 0:
            items.append(
                TodoItem(
                    "expiring",
                    f"{status.appropriation.label} expires on {status.appropriation.expires_on.isoformat()}: "
                    f"{format_dollars(status.available_cents)} is not yet planned in {scenario.name}.",
                    f"Plan {status.appropriation.label}",
                    "budget.appropriation",
                    {"appropriation_id": status.appropriation.id, "scenario": scenario.id},
                )
            )
    return items


def _imports(user: User) -> list[TodoItem]:
    items = []
    if can(user, Action.EDIT_BUDGET):
        batches = db.session.scalars(
            sa.select(ImportBatch)
            .where(ImportBatch.status == ImportStatus.PREVIEW)
            .options(so.joinedload(ImportBatch.scenario))
            .order_by(ImportBatch.id)
        )
        items += [
            TodoItem(
                "workbook_import",
                f"The workbook {batch.filename} (import {batch.id}, into {batch.scenario.name}) is previewed and "
                "waits to be committed.",
                f"Open import {batch.id}",
                "exports.preview",
                {"batch_id": batch.id},
            )
            for batch in batches
        ]
    if can(user, Action.LOAD_ACTUALS):
        loads = db.session.scalars(
            sa.select(ActualsLoad).where(ActualsLoad.status == LoadStatus.PREVIEW).order_by(ActualsLoad.id)
        )
        items += [
            TodoItem(
                "actuals_load",
                f"The actuals extract {load.filename} (load {load.id}) is previewed and waits to be committed.",
                f"Open load {load.id}",
                "actuals.preview",
                {"load_id": load.id},
            )
            for load in loads
        ]
    return items


def todo_for(user: User, working: Dashboard) -> list[TodoItem]:
    """What needs `user` now, most pressing first; `working` is the working scenario's dashboard."""
    return _awaiting_review(user) + _awaiting_submission(user) + _funds(user, working) + _imports(user)
