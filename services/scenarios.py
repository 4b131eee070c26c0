"""Creating, changing and deleting scenarios."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models import BudgetLine, FiscalYear, Scenario, ScenarioKind, User, db
from services.audit import record_event, snapshot
from services.errors import ConflictError, ValidationError, WorkflowError


@dataclass(frozen=True)
class ScenarioInput:
    name: str
    budget_year: int
    kind: ScenarioKind
    description: str = ""
    based_on_id: int | None = None


def _validate(data: ScenarioInput, existing: Scenario | None = None) -> None:
    errors = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "Give the scenario a name."
    clash = db.session.scalar(sa.select(Scenario.id).where(Scenario.name == name))
    if clash is not None and (existing is None or clash != existing.id):
        errors["name"] = "A scenario with this name exists."
    if db.session.get(FiscalYear, data.budget_year) is None:
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


def delete_scenario(actor: User, scenario: Scenario, expected_version: int) -> None:
    if scenario.version != expected_version:
        raise _stale(scenario.name)
    if not scenario.is_editable:
        raise WorkflowError(f"The scenario {scenario.name} is {scenario.status.value}; it can't be deleted.")
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
