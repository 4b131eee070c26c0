"""One workflow for travel and staffing requests.

draft → submitted → approved | returned | rejected; returned → (edit) → submitted again;
approved → cancelled. Each transition is guarded (role, division, state), is a
conditional UPDATE (so of two people deciding at once exactly one wins), writes
an audit event, and — for approval and cancellation — writes or removes the
request's budget lines in the same transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa

from models import (
    EDITABLE_STATUSES,
    Appropriation,
    RequestComment,
    RequestStatus,
    Role,
    StaffingRequest,
    TravelRequest,
    User,
    db,
)
from models.base import claim, utcnow
from services import inputs
from services.audit.events import record_event
from services.errors import ConflictError, FundsError, PermissionDenied, ValidationError, WorkflowError
from services.funds.control import check_funds, lock_appropriations
from services.office.settings import funds_control
from services.permissions import Action, Need, can, can_see_division
from services.requests.lines import PlannedLine, appropriations_charged, planned_lines, remove_lines, write_lines

Request = TravelRequest | StaffingRequest


class Transition(enum.StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return {"return": "Return for changes"}.get(self.value, self.value.capitalize())

    @property
    def needs_comment(self) -> bool:
        """Whether taking it needs a reason (the page asks for one with its button)."""
        return RULES[self].needs_comment


@dataclass(frozen=True)
class Rule:
    sources: frozenset[RequestStatus]
    target: RequestStatus
    action: Action  # what the role must be allowed; the workflow routes declare it (STEP_NEED)
    needs_comment: bool = False


_SUBMITTED = frozenset({RequestStatus.SUBMITTED})
RULES: dict[Transition, Rule] = {
    Transition.SUBMIT: Rule(EDITABLE_STATUSES, RequestStatus.SUBMITTED, Action.SUBMIT_REQUESTS),
    Transition.APPROVE: Rule(_SUBMITTED, RequestStatus.APPROVED, Action.DECIDE_REQUESTS),
    Transition.RETURN: Rule(_SUBMITTED, RequestStatus.RETURNED, Action.DECIDE_REQUESTS, needs_comment=True),
    Transition.REJECT: Rule(_SUBMITTED, RequestStatus.REJECTED, Action.DECIDE_REQUESTS, needs_comment=True),
    Transition.CANCEL: Rule(
        frozenset({RequestStatus.APPROVED}), RequestStatus.CANCELLED, Action.CANCEL_REQUESTS, needs_comment=True
    ),
}


@dataclass(frozen=True)
class StepInput:
    """What a person writes with a workflow step (a reason, where the step needs one) or on its own."""

    comment: str = inputs.text("Comment", max_length=5000, required=False, multiline=True)

    RULES: ClassVar = (inputs.Rule(("comment",), "Returning or rejecting a request says why: a comment."),)


def _check_comment(comment: str) -> None:
    errors = inputs.check(StepInput(comment))
    if errors:
        raise ValidationError("Shorten the comment.", fields=errors)


# Who drafts (and so edits and deletes) each kind of request.
DRAFTING: dict[str, Action] = {"travel": Action.REQUEST_TRAVEL, "staffing": Action.REQUEST_STAFFING}

# What the request routes declare (pages and API): the role rule, and in words the record-level
# rule that can_view, can_edit and may add.
_OWN_DIVISION = "division heads and staff see their own division's requests only"
VIEW_NEED = Need(Action.READ, scope=_OWN_DIVISION)
DRAFT_NEEDS = {
    "travel": Need(
        Action.REQUEST_TRAVEL,
        scope="staff for themselves, division heads and resource managers for their own division's people",
    ),
    "staffing": Need(Action.REQUEST_STAFFING, scope="for the drafter's own division"),
}
COMMENT_NEED = Need(Action.COMMENT_ON_REQUESTS, scope=_OWN_DIVISION)
EDIT_NEED = Need(
    chosen_by="kind",
    actions=DRAFTING,
    scope="drafts and returned requests only (deleting: drafts only), by their author or their division's head",
)
STEP_NEED = Need(
    chosen_by="action",
    actions={t.value: rule.action for t, rule in RULES.items()},
    scope="division heads act on their own division's requests only",
)


def may(user: User, request: Request, transition: Transition) -> bool:
    """May this user take this transition on this request? (Role and division; not state.)"""
    return can(user, RULES[transition].action) and can_see_division(user, request.division_id)


def available_transitions(user: User, request: Request) -> list[Transition]:
    return [t for t, rule in RULES.items() if request.status in rule.sources and may(user, request, t)]


def can_edit(user: User, request: Request) -> bool:
    """Drafts (and returned requests) are edited by their author or their division's head."""
    if not request.is_editable or not can(user, DRAFTING[request.kind_name]):
        return False
    if user.role == Role.DIVISION_HEAD:
        return user.division_id == request.division_id
    return request.created_by_id == user.id


def can_delete(user: User, request: Request) -> bool:
    """Drafts go; a returned request (decided on once, with a reason) is edited and resubmitted instead."""
    return request.status == RequestStatus.DRAFT and can_edit(user, request)


def next_step(user: User, request: Request) -> str:
    """What happens next to this request, in a sentence, for this person (the request page says it)."""
    status = request.status
    if status in EDITABLE_STATUSES:
        if may(user, request, Transition.SUBMIT):
            if status == RequestStatus.RETURNED:
                return "It was returned for changes: edit it as the comment asks, then submit it again."
            return "Submit it for review when it is ready."
        if not can_edit(user, request):
            return "Its author or division head edits it; the division head submits it for review."
        if status == RequestStatus.RETURNED:
            return "It was returned for changes: edit it as the comment asks; your division head then submits it again."
        return "Your division head submits it for review."
    if status == RequestStatus.SUBMITTED:
        if may(user, request, Transition.APPROVE):
            return "It waits for your decision: approve it, return it for changes or reject it."
        return "It waits for the resource manager's review."
    if status == RequestStatus.APPROVED:
        return "Approved: its budget lines are in the scenario."
    return f"It is {status.value}: nothing more happens to it."


def can_view(user: User, request: Request) -> bool:
    return can_see_division(user, request.division_id)


def transition(
    actor: User, request: Request, action: Transition, comment: str = "", expected_version: int | None = None
) -> str | None:
    """Take `action`; return a funds warning (office setting "warn"), or raise a DomainError."""
    rule = RULES[action]
    if not may(actor, request, action) or not can_view(actor, request):
        raise PermissionDenied("You can't do that to this request.")
    comment = comment.strip()
    if rule.needs_comment and not comment:
        raise ValidationError("Say why, so the division knows what to do next.", fields={"comment": "Required."})
    _check_comment(comment)
    if request.status not in rule.sources:
        raise ConflictError(_already(request))
    if expected_version is not None and expected_version != request.version:
        raise ConflictError(
            f"This request changed since you opened it (it is now {request.status.value}). Reload it and try again."
        )
    lines: list[PlannedLine] = []
    warning = None
    if action == Transition.SUBMIT:
        _check_submittable(request)
    if action == Transition.APPROVE:
        lock_appropriations(appropriations_charged(request))  # before the allowances are read
        lines = planned_lines(request)
        warning = _check_funds(request, lines)
    previous = request.status
    _claim(request, rule, actor)
    if action == Transition.APPROVE:
        write_lines(actor, request, lines)
    elif action == Transition.CANCEL:
        remove_lines(actor, request)
    if comment:
        db.session.add(
            RequestComment(request_kind=request.kind_name, request_id=request.id, author_id=actor.id, body=comment)
        )
    record_event(
        actor,
        f"{request.kind_name}_request.{action.value}",
        f"{request.kind_name}_request",
        request.id,
        before={"status": previous.value, "total_cents": request.total_cents},
        after={"status": rule.target.value, "total_cents": request.total_cents},
        reason=" ".join(filter(None, [comment, warning])),
    )
    db.session.flush()
    return warning


def _already(request: Request) -> str:
    return f"This request is {request.status.value} now: someone else has acted on it. Reload to see its history."


def _check_submittable(request: Request) -> None:
    """An incomplete draft's state does not allow submitting it (409): the step's body is not at fault."""
    if request.total_cents <= 0:
        raise WorkflowError(
            "The request has no cost yet: complete it before submitting.", fields={"total": "Nothing to submit."}
        )
    if isinstance(request, TravelRequest) and not request.legs:
        raise WorkflowError("Add at least one leg to the itinerary.", fields={"legs": "Required."})


def _check_funds(request: Request, lines: list[PlannedLine]) -> str | None:
    """Approval adds what the division's allowance does not cover; that excess must fit each appropriation."""
    control = funds_control()
    warnings = []
    excess: dict[int, int] = {}
    for line in lines:
        excess[line.appropriation_id] = excess.get(line.appropriation_id, 0) + line.amount_cents - line.drawn_cents
    for appropriation_id, cents in sorted(excess.items()):
        appropriation = db.session.get(Appropriation, appropriation_id)
        try:
            warning = check_funds(request.scenario, appropriation, cents, control)
        except FundsError as exc:
            raise FundsError(
                f"Approving request {request.id} would overdraw {appropriation.label}: {exc.message}", fields=exc.fields
            ) from exc
        if warning:
            warnings.append(warning)
    return " ".join(warnings) or None


def _claim(request: Request, rule: Rule, actor: User) -> None:
    """The conditional UPDATE: only one of several simultaneous transitions finds the request in its state."""
    values: dict = {"status": rule.target}
    if rule.target == RequestStatus.SUBMITTED:
        values["submitted_at"] = utcnow()
    elif rule.target in (RequestStatus.APPROVED, RequestStatus.RETURNED, RequestStatus.REJECTED):
        values |= {"decided_at": utcnow(), "decided_by_id": actor.id}
    try:
        claimed = claim(request, rule.sources, **values)
    except sa.exc.OperationalError as exc:  # SQLite: a writer got there first and holds the database
        raise ConflictError(
            "Someone else was acting on this request at the same moment. Reload to see what they did."
        ) from exc
    if not claimed:
        raise ConflictError(_already(request))


def comments_of(request: Request) -> list[RequestComment]:
    return list(
        db.session.scalars(
            sa.select(RequestComment)
            .where(RequestComment.request_kind == request.kind_name, RequestComment.request_id == request.id)
            .order_by(RequestComment.at, RequestComment.id)
        )
    )


def add_comment(actor: User, request: Request, body: str) -> RequestComment:
    if not (can(actor, Action.COMMENT_ON_REQUESTS) and can_view(actor, request)):
        raise PermissionDenied("You can't comment on this request.")
    if not body.strip():
        raise ValidationError("Write a comment first.", fields={"comment": "Required."})
    _check_comment(body)
    comment = RequestComment(
        request_kind=request.kind_name, request_id=request.id, author_id=actor.id, body=body.strip()
    )
    db.session.add(comment)
    db.session.flush()
    record_event(
        actor,
        f"{request.kind_name}_request.comment",
        f"{request.kind_name}_request",
        request.id,
        after={"comment_id": comment.id},
    )
    return comment
