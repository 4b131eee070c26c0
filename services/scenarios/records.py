"""Creating, changing and deleting scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models import (
    SCENARIO_MOVES,
    BudgetLine,
    FiscalYear,
    Scenario,
    ScenarioKind,
    ScenarioStatus,
    StaffingRequest,
    TravelRequest,
    User,
    db,
)
from models.base import claim
from services import inputs
from services.audit.events import record_event, snapshot
from services.errors import ConflictError, ValidationError, WorkflowError
from services.programs.awards import write_scenario_award_lines


@dataclass(frozen=True)
class ScenarioInput:
    name: str = inputs.text("Name", max_length=120, message="Give the scenario a name.")
    budget_year: int = inputs.year("Budget year")
    kind: ScenarioKind = inputs.choice("Kind", ScenarioKind, suggested=ScenarioKind.PLAN)
    description: str = inputs.text("Description", max_length=5000, required=False, multiline=True)
    based_on_id: int | None = inputs.reference("Based on", to=Scenario, required=False)

    RULES: ClassVar = (
        inputs.Rule(("name",), "Scenario names are unique."),
        inputs.Rule(("based_on",), "A scenario is not based on itself."),
    )


def _validate(data: ScenarioInput, existing: Scenario | None = None) -> None:
    errors = inputs.check(data)
    clash = db.session.scalar(sa.select(Scenario.id).where(Scenario.name == data.name.strip()))
    if "name" not in errors and clash is not None and (existing is None or clash != existing.id):
        errors["name"] = "A scenario with this name exists."
    if "budget_year" not in errors and db.session.get(FiscalYear, data.budget_year) is None:
        errors["budget_year"] = "No such fiscal year."
    if data.based_on_id is not None:
        if db.session.get(Scenario, data.based_on_id) is None:
            errors["based_on"] = "No such scenario."
        elif existing is not None and data.based_on_id == existing.id:
            errors["based_on"] = "A scenario can't be based on itself."
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)


def _stale(name: str) -> ConflictError:
    return ConflictError(
        f"The scenario {name} was changed by someone else since you opened it. Reload it and try again."
    )


def create_scenario(actor: User, data: ScenarioInput) -> Scenario:
    _validate(data)
    scenario = Scenario(
        name=data.name.strip(),
        budget_year=data.budget_year,
        kind=data.kind,
        description=data.description,
        based_on_id=data.based_on_id,
    )
    db.session.add(scenario)
    db.session.flush()
    write_scenario_award_lines(scenario)  # awards already claim part of the year's money
    record_event(actor, "scenario.create", "scenario", scenario.id, after=snapshot(scenario))
    return scenario


def update_scenario(actor: User, scenario: Scenario, data: ScenarioInput, expected_version: int) -> None:
    if scenario.version != expected_version:
        raise _stale(scenario.name)
    if not scenario.is_editable:
        raise WorkflowError(f"The scenario {scenario.name} is {scenario.status.value}; unlock it first.")
    _validate(data, scenario)
    before = snapshot(scenario)
    name = scenario.name  # the record is unusable after a failed flush
    scenario.name = data.name.strip()
    scenario.budget_year = data.budget_year
    scenario.kind = data.kind
    scenario.description = data.description
    scenario.based_on_id = data.based_on_id
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise _stale(name) from exc
    record_event(actor, "scenario.update", "scenario", scenario.id, before=before, after=snapshot(scenario))


def _referred_to(scenario: Scenario) -> str | None:
    """Why the scenario can't be deleted because records point at it (None when nothing does).

    A request keeps the scenario its approval writes into; deleting the scenario under it
    would break that link (the database refuses it), so the person is told what to change."""
    counts = []
    for model, noun in ((TravelRequest, "travel request"), (StaffingRequest, "staffing request")):
        count = db.session.scalar(sa.select(sa.func.count(model.id)).where(model.scenario_id == scenario.id))
        if count:
            counts.append(f"{count} {noun}{'' if count == 1 else 's'}")
    if not counts:
        return None
    verb = "refers" if counts == ["1 travel request"] or counts == ["1 staffing request"] else "refer"
    return (
        f"{' and '.join(counts)} {verb} to {scenario.name}, so it can't be deleted. "
        "Lock it to keep it unchanged instead."
    )


def delete_scenario(actor: User, scenario: Scenario, expected_version: int) -> None:
    if scenario.version != expected_version:
        raise _stale(scenario.name)
    if not scenario.is_editable:
        raise WorkflowError(f"The scenario {scenario.name} is {scenario.status.value}; it can't be deleted.")
    if refusal := _referred_to(scenario):
        raise ConflictError(refusal)
    before = snapshot(scenario)
    line_count = db.session.scalar(sa.select(sa.func.count(BudgetLine.id)).where(BudgetLine.scenario_id == scenario.id))
    scenario_id = scenario.id
    db.session.execute(sa.update(Scenario).where(Scenario.based_on_id == scenario_id).values(based_on_id=None))
    db.session.execute(sa.delete(BudgetLine).where(BudgetLine.scenario_id == scenario_id))
    db.session.delete(scenario)
    db.session.flush()
    record_event(
        actor,
        "scenario.delete",
        "scenario",
        scenario_id,
        before=before,
        reason=f"deleted with {line_count} budget lines",
    )


def clone_scenario(actor: User, source: Scenario, name: str) -> Scenario:
    """A new draft scenario with a copy of every line (one INSERT ... SELECT, however many lines)."""
    _validate(ScenarioInput(name=name, budget_year=source.budget_year, kind=ScenarioKind.PLAN), None)
    copy = Scenario(
        name=name.strip(),
        budget_year=source.budget_year,
        kind=source.kind,
        description=f"Copy of {source.name}. {source.description}".strip(),
        based_on_id=source.id,
    )
    db.session.add(copy)
    db.session.flush()
    columns = [c for c in BudgetLine.__table__.columns if c.key not in ("id", "scenario_id", "version")]
    db.session.execute(
        sa.insert(BudgetLine.__table__).from_select(
            ["scenario_id", "version", *[c.key for c in columns]],
            # In the source's order: the copy's lines are listed as the source's were (without it the
            # database scans by whichever index it picks, and the copy's first line changes from run to run).
            sa.select(sa.literal(copy.id), sa.literal(1), *columns)
            .where(BudgetLine.scenario_id == source.id)
            .order_by(BudgetLine.id),
        )
    )
    write_scenario_award_lines(copy)  # the source may be a snapshot from before some awards
    count = db.session.scalar(sa.select(sa.func.count(BudgetLine.id)).where(BudgetLine.scenario_id == copy.id))
    record_event(
        actor,
        "scenario.clone",
        "scenario",
        copy.id,
        after=snapshot(copy),
        reason=f"cloned from {source.name} with {count} lines",
    )
    db.session.flush()
    return copy


def set_status(actor: User, scenario: Scenario, target: ScenarioStatus, expected_version: int | None = None) -> None:
    """Lock, unlock or mark as submitted, as a conditional update (two people at once: one wins)."""
    allowed = next(move.sources for move in SCENARIO_MOVES.values() if move.target == target)
    if scenario.status not in allowed:
        raise WorkflowError(f"{scenario.name} is {scenario.status.value}; it can't become {target.value}.")
    if expected_version is not None and expected_version != scenario.version:
        raise _stale(scenario.name)
    previous = scenario.status
    if not claim(scenario, allowed, status=target):
        raise _stale(scenario.name)
    if target == ScenarioStatus.DRAFT:
        write_scenario_award_lines(scenario)  # awards made or changed while it was locked
    record_event(
        actor,
        f"scenario.{target.value}",
        "scenario",
        scenario.id,
        before={"status": previous.value},
        after={"status": target.value},
    )
    db.session.flush()
