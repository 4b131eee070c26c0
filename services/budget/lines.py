"""Creating, changing and deleting budget lines, with funds control and audit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from sqlalchemy.orm.exc import StaleDataError

from models import (
    Appropriation,
    BudgetLine,
    Country,
    Division,
    FiscalYear,
    LineSource,
    LineStage,
    ObjectClass,
    Priority,
    ProgramType,
    Region,
    Scenario,
    User,
    db,
)
from money import to_cents
from services import inputs
from services.audit.events import record_event, snapshot
from services.errors import ConflictError, ValidationError, WorkflowError
from services.funds.control import check_funds, lock_appropriations
from services.office.settings import funds_control


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """What a person may set on a budget line, by id."""

    RULES: ClassVar = (
        inputs.Rule(("country",), "The country lies in the region."),
        inputs.Rule(("fiscal_year",), "A year in which the appropriation is available."),
        # Funds control (services/funds/control.check_funds): stated so a refused overdraft is documented.
        inputs.Rule(
            ("amount",),
            "An increase must not overdraw the appropriation's allotment in the scenario where the office "
            "refuses overdrafts (a decrease is always allowed).",
        ),
    )

    scenario_id: int = inputs.reference("Scenario", to=Scenario)
    fiscal_year: int = inputs.year("Fiscal year")
    appropriation_id: int = inputs.reference("Appropriation", to=Appropriation)
    division_id: int = inputs.reference("Division", to=Division)
    object_class_id: int = inputs.reference("Object class", to=ObjectClass)
    region_id: int | None = inputs.reference("Region", to=Region, required=False)
    country_id: int | None = inputs.reference("Country", to=Country, required=False)
    priority_id: int | None = inputs.reference("Priority", to=Priority, required=False)
    program_type_id: int | None = inputs.reference("Program type", to=ProgramType, required=False)
    description: str = inputs.text("Description", max_length=500, required=False)
    amount: Decimal = inputs.money(
        "Amount (dollars)", minimum=Decimal(0), message="Enter zero or more: lower a line to record a reduction."
    )
    stage: LineStage = inputs.choice("Stage", LineStage, default=LineStage.PLANNED)


def _validated(data: LineInput) -> Scenario:
    scenario = db.session.get(Scenario, data.scenario_id)
    if scenario is None:
        raise ValidationError("Choose a scenario.", fields={"scenario": "No such scenario."})
    missing = inputs.missing_references(data)
    if db.session.get(FiscalYear, data.fiscal_year) is None:
        missing["fiscal_year"] = "No such fiscal year."
    if missing:
        raise ValidationError("Some choices no longer exist.", fields=missing)
    errors = inputs.check(data)
    if errors:
        raise ValidationError("Check the highlighted fields.", fields=errors)
    appropriation = db.session.get(Appropriation, data.appropriation_id)
    years = appropriation.availability_years
    if data.fiscal_year < appropriation.fiscal_year or (
        years is not None and data.fiscal_year >= appropriation.fiscal_year + years
    ):
        raise ValidationError(
            "The fiscal year is outside the appropriation's period of availability.",
            fields={"fiscal_year": f"{appropriation.label} is available in {_availability_years(appropriation)} only."},
        )
    if data.country_id is not None:
        country = db.session.get(Country, data.country_id)
        if data.region_id is not None and country.region_id != data.region_id:
            raise ValidationError(
                "The country is not in the region.",
                fields={"country": f"{country.name} is in {country.region.name}."},
            )
    return scenario


def _availability_years(appropriation: Appropriation) -> str:
    if appropriation.availability_years is None:
        return f"FY{appropriation.fiscal_year} and later"
    last = appropriation.fiscal_year + appropriation.availability_years - 1
    return f"FY{appropriation.fiscal_year}" + (f"–FY{last}" if last != appropriation.fiscal_year else "")


def _ensure_editable(scenario: Scenario) -> None:
    if not scenario.is_editable:
        raise WorkflowError(f"The scenario {scenario.name} is {scenario.status.value}; unlock it to change its lines.")


def _apply(line: BudgetLine, data: LineInput) -> None:
    line.scenario_id = data.scenario_id
    line.fiscal_year = data.fiscal_year
    line.appropriation_id = data.appropriation_id
    line.division_id = data.division_id
    line.object_class_id = data.object_class_id
    line.region_id = data.region_id
    line.country_id = data.country_id
    line.priority_id = data.priority_id
    line.program_type_id = data.program_type_id
    line.description = data.description.strip()
    line.amount_cents = to_cents(data.amount)
    line.stage = data.stage


def create_line(actor: User, data: LineInput, source: LineSource = LineSource.MANUAL) -> tuple[BudgetLine, str | None]:
    """Add a line; returns it with a funds warning when the office setting is "warn"."""
    scenario = _validated(data)
    _ensure_editable(scenario)
    appropriation = db.session.get(Appropriation, data.appropriation_id)
    warning = check_funds(scenario, appropriation, to_cents(data.amount), funds_control())
    line = BudgetLine(source=source, created_by_id=actor.id)
    _apply(line, data)
    db.session.add(line)
    db.session.flush()
    record_event(actor, "budget_line.create", "budget_line", line.id, after=snapshot(line), reason=warning or "")
    return line, warning


def update_line(actor: User, line: BudgetLine, data: LineInput, expected_version: int) -> str | None:
    """Change a line read at `expected_version`; a stale version is a ConflictError."""
    if line.version != expected_version:
        raise ConflictError(_stale_message(line.id))
    _ensure_editable(line.scenario)
    scenario = _validated(data)
    _ensure_editable(scenario)
    # Any change of a line takes its appropriation's lock (not only an increase): a reprogramming changes
    # many of its lines at once, and two writers that met on the lines and their kept sums could deadlock.
    lock_appropriations([line.appropriation_id, data.appropriation_id])
    before = snapshot(line)
    new_cents = to_cents(data.amount)
    same_pot = line.scenario_id == data.scenario_id and line.appropriation_id == data.appropriation_id
    increase = new_cents - line.amount_cents if same_pot else new_cents
    appropriation = db.session.get(Appropriation, data.appropriation_id)
    warning = check_funds(scenario, appropriation, increase, funds_control())
    line_id = line.id
    _apply(line, data)
    _flush_or_conflict(line_id)
    record_event(
        actor, "budget_line.update", "budget_line", line.id, before=before, after=snapshot(line), reason=warning or ""
    )
    return warning


def delete_line(actor: User, line: BudgetLine, expected_version: int) -> None:
    if line.version != expected_version:
        raise ConflictError(_stale_message(line.id))
    _ensure_editable(line.scenario)
    lock_appropriations([line.appropriation_id])
    before = snapshot(line)
    line_id = line.id
    db.session.delete(line)
    _flush_or_conflict(line_id)
    record_event(actor, "budget_line.delete", "budget_line", line_id, before=before)
    db.session.flush()


def _stale_message(line_id: int) -> str:
    return (
        f"Budget line {line_id} was changed by someone else since you opened it. "
        "Your changes were not saved: reload the line, check their change and try again."
    )


def _flush_or_conflict(line_id: int) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:  # another transaction saved a newer version first
        raise ConflictError(_stale_message(line_id)) from exc
