"""A reprogramming's workflow: draft → in review → notified → cleared → executed, or withdrawn.

A reprogramming that needs no notification may be executed from draft or review at once; one that
needs it is executed once cleared and its notice held, or at once with a waiver where the office
allows one. Each step is guarded (role, state, version), is a conditional UPDATE (of two people
acting at once exactly one wins), and is audited; executing writes the moves as budget lines under
the appropriation's lock, refusing if a line it takes from has changed since the moves were judged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from sqlalchemy.orm.exc import StaleDataError

from models import (
    REPROGRAMMING_STEPS,
    BudgetLine,
    Country,
    LineSource,
    LineStage,
    Reprogramming,
    ReprogrammingStatus,
    ReprogrammingStep,
    User,
    db,
)
from models.base import claim
from money import largest_remainder
from services import inputs
from services.audit.events import record_event
from services.errors import ConflictError, PermissionDenied, ValidationError, WorkflowError
from services.funds.control import ensure_not_overdrawn, lock_appropriations
from services.office.settings import funds_control, office_settings
from services.permissions import Action, Need
from services.reprogramming.drafts import judge, may_draft, movable_lines, summary
from services.reprogramming.groups import group_label, group_lines
from services.reprogramming.law import NoticeLaw, Timing, day, earliest_obligation, execution_refusal

STEP_NEED = Need(Action.REPROGRAM)
DONE = {"submit": "submitted", "notify": "notified", "clear": "cleared", "execute": "executed", "withdraw": "withdrawn"}


@dataclass(frozen=True, kw_only=True)
class StepInput:
    """What a person writes with a step."""

    RULES: ClassVar = (
        inputs.Rule(("notified_on",), "Recording the notification gives the day it was sent, not in the future."),
        inputs.Rule(("waiver",), "A waiver (executing before the notice's hold ends) is allowed by the settings."),
    )

    comment: str = inputs.text("Comment", max_length=5000, required=False, multiline=True)
    notified_on: dt.date | None = inputs.date("Notified on", required=False, help="The day the notice was sent.")
    waiver: str = inputs.text(
        "Waive the notice: why failing to act now risks human health or welfare",
        max_length=2000,
        required=False,
        multiline=True,
    )


def available_steps(user: User, reprogramming: Reprogramming) -> list[ReprogrammingStep]:
    if not may_draft(user):
        return []
    return [step for step in REPROGRAMMING_STEPS.values() if reprogramming.status in step.sources]


def timing(reprogramming: Reprogramming, law: NoticeLaw | None = None) -> Timing:
    """When its money may first be obligated (without a waiver), and why (under `law`, else the office's)."""
    return earliest_obligation(
        dt.date.today(),
        reprogramming.notification_required,
        reprogramming.notified_on,
        reprogramming.appropriation.expires_on,
        law or NoticeLaw.of(office_settings()),
    )


def next_step(user: User, reprogramming: Reprogramming) -> str:
    """What happens next to it, in a sentence."""
    status = reprogramming.status
    needs = reprogramming.notification_required
    if status == ReprogrammingStatus.EXECUTED:
        return f"Executed on {day(reprogramming.executed_on)}: its moves are in the scenario's lines."
    if status == ReprogrammingStatus.WITHDRAWN:
        return "Withdrawn: nothing more happens to it."
    if status == ReprogrammingStatus.DRAFT:
        then = "submit it for review" if needs else "submit it for review, or execute it at once: it needs no notice"
        return f"Check the moves and the decision below, then {then}."
    if status == ReprogrammingStatus.IN_REVIEW:
        if needs:
            return "Send the notification to the committees, then record the day it went."
        return "It needs no notification: execute it."
    if status == ReprogrammingStatus.NOTIFIED:
        return "Record the committees' clearance once they have raised no objection."
    when = timing(reprogramming)
    if when.earliest is None:
        return f"It can't be executed without a waiver: {when.why}"
    if when.earliest > dt.date.today():
        return f"Execute it on or after {day(when.earliest)}, when the notice's hold ends."
    return "Cleared, and the notice's hold has ended: execute it."


def take_step(
    actor: User, reprogramming: Reprogramming, name: str, data: StepInput, expected_version: int | None = None
) -> Reprogramming:
    """Take the step named `name` ("submit", "notify", "clear", "execute", "withdraw"), or raise."""
    if not may_draft(actor):
        raise PermissionDenied("Only a resource manager moves a reprogramming along.")
    step = REPROGRAMMING_STEPS[name]
    errors = inputs.check(data)
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)
    if reprogramming.status not in step.sources:
        raise ConflictError(
            f"This reprogramming is {reprogramming.status.label.lower()} now, so it can't be {DONE[name]}. "
            "Reload it to see what happened."
        )
    if expected_version is not None and expected_version != reprogramming.version:
        raise ConflictError("This reprogramming changed since you opened it. Reload it and try again.")
    today = dt.date.today()
    values: dict = {}
    if name == "notify":
        if data.notified_on is None:
            raise ValidationError("Give the day the notice was sent.", fields={"notified_on": "Required."})
        if data.notified_on > today:
            raise ValidationError(
                "Record a notification once it is sent.", fields={"notified_on": "Not a day in the future."}
            )
        values["notified_on"] = data.notified_on
    elif name == "clear":
        values["cleared_on"] = today
    elif name == "execute":
        values |= _executable(reprogramming, data, today)
    before = summary(reprogramming)
    _claim(reprogramming, step, values)
    if name == "submit":
        judge(reprogramming)  # the lines may have moved since it was drafted
    elif name == "execute":
        _execute(actor, reprogramming)
    record_event(
        actor,
        f"reprogramming.{name}",
        "reprogramming",
        reprogramming.id,
        before=before,
        after=summary(reprogramming) | {key: str(value) for key, value in values.items()},
        reason=" ".join(filter(None, [data.comment.strip(), data.waiver.strip()])),
    )
    db.session.flush()
    return reprogramming


def _executable(reprogramming: Reprogramming, data: StepInput, today: dt.date) -> dict:
    """What executing today writes on the reprogramming, once the law allows it (or a waiver does)."""
    if not reprogramming.scenario.is_editable:
        raise WorkflowError(
            f"The scenario {reprogramming.scenario.name} is {reprogramming.scenario.status.value}: unlock it to "
            "execute a reprogramming in it."
        )
    law = NoticeLaw.of(office_settings())
    waiver = data.waiver.strip()
    if waiver and not law.waiver:
        raise ValidationError(
            "The office's settings allow no waiver of the notice.", fields={"waiver": "Waivers are not allowed."}
        )
    if not waiver:
        if reprogramming.notification_required and reprogramming.status != ReprogrammingStatus.CLEARED:
            raise WorkflowError(
                f"It needs a notification under {law.citation}: record the notice and the committees' clearance "
                "first, or waive the notice with a reason."
            )
        refusal = execution_refusal(
            today,
            reprogramming.notification_required,
            reprogramming.notified_on,
            reprogramming.appropriation.expires_on,
            law,
        )
        if refusal:
            raise WorkflowError(refusal + " Wait, or waive the notice with a reason.")
    return {"executed_on": today, "waiver_reason": waiver}


def _claim(reprogramming: Reprogramming, step: ReprogrammingStep, values: dict) -> None:
    """The conditional UPDATE: of several people taking a step at once, one finds it where it was."""
    # No SQLite "busy" to catch here: a step's unit of work took the write lock when it began.
    if not claim(reprogramming, step.sources, status=step.target, **values):
        raise ConflictError("Someone else acted on this reprogramming meanwhile. Reload it to see what they did.")


def _execute(actor: User, reprogramming: Reprogramming) -> None:
    """Write the moves as lines under the appropriation's lock: take each move's amount from the group's
    movable lines in proportion to them (largest remainder), and add it to lines with the to group's
    dimensions (source reprogramming, linked back), one per distinct set of dimensions."""
    lock_appropriations([reprogramming.appropriation_id])
    scenario_id, appropriation_id = reprogramming.scenario_id, reprogramming.appropriation_id
    for move in reprogramming.moves:
        source, target = group_label(move.from_group), group_label(move.to_group)
        lines = movable_lines(group_lines(scenario_id, appropriation_id, move.from_group))
        if [[line.id, line.version] for line in lines] != move.from_lines:
            raise ConflictError(
                f"A line of {source} changed since this reprogramming was judged, so its "
                "base and its notice may be wrong. Nothing was executed: withdraw it and draft it again."
            )
        held = sum(line.amount_cents for line in lines)
        if held < move.amount_cents:
            raise ConflictError(f"{source} no longer holds the money this move takes.")
        shares = largest_remainder(
            move.amount_cents, [Fraction(move.amount_cents * line.amount_cents, held) for line in lines]
        )
        added: dict[tuple, int] = defaultdict(int)
        for line, share in zip(lines, shares, strict=True):
            if share:
                line.amount_cents -= share  # the ORM's versioned UPDATE: an edit meanwhile makes it stale
                added[_moved_to(line, move.to_group)] += share
        for (fiscal_year, *dimensions), cents in added.items():
            division_id, object_class_id, region_id, country_id, priority_id, program_type_id = dimensions
            db.session.add(
                BudgetLine(
                    scenario_id=scenario_id,
                    appropriation_id=appropriation_id,
                    fiscal_year=fiscal_year,
                    division_id=division_id,
                    object_class_id=object_class_id,
                    region_id=region_id,
                    country_id=country_id,
                    priority_id=priority_id,
                    program_type_id=program_type_id,
                    description=f"Reprogramming {reprogramming.id}: to {target}"[:500],
                    amount_cents=cents,
                    stage=LineStage.PLANNED,
                    source=LineSource.REPROGRAMMING,
                    source_id=reprogramming.id,
                    created_by_id=actor.id,
                )
            )
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(
            "A line this reprogramming takes from was changed at the same moment. Nothing was executed: reload it."
        ) from exc
    ensure_not_overdrawn(reprogramming.scenario, reprogramming.appropriation, funds_control())


def _moved_to(line: BudgetLine, to_group: dict[str, int]) -> tuple:
    """The dimensions of the line the money of `line` goes to: its own, with the to group's instead (a new
    region drops a country outside it; a new country brings its region)."""
    region_id, country_id = line.region_id, line.country_id
    if "country" in to_group:
        country_id = to_group["country"]
        region_id = db.session.get(Country, country_id).region_id
    elif "region" in to_group:
        region_id = to_group["region"]
        if country_id is not None and db.session.get(Country, country_id).region_id != region_id:
            country_id = None
    return (
        line.fiscal_year,
        to_group.get("division", line.division_id),
        to_group.get("object_class", line.object_class_id),
        region_id,
        country_id,
        to_group.get("priority", line.priority_id),
        to_group.get("program_type", line.program_type_id),
    )
