"""Running the planner against a scenario, saving the run, and applying it as budget lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

import planner
from models import (
    AllocationRun,
    Appropriation,
    BudgetLine,
    LineSource,
    LineStage,
    Priority,
    ProgramType,
    Region,
    RunStatus,
    Scenario,
    User,
    db,
)
from models.base import utcnow
from money import from_cents, to_cents
from services import inputs
from services.allocation.problems import (
    AllocationSettings,
    build_problem,
    fund_id,
    lines_replaced_on_apply,
    program_appropriations,
    program_object_class_id,
)
from services.audit.events import record_event
from services.errors import SolverFailed, ValidationError, WorkflowError
from services.funds.control import ensure_not_overdrawn, lock_appropriations
from services.office.reference import programs_division_id
from services.office.settings import funds_control


def parse(problem_json: dict) -> planner.Problem:
    """The planner's own validation, as a ValidationError naming the field."""
    try:
        return planner.parse_problem(problem_json)
    except planner.InvalidProblem as exc:
        raise ValidationError(str(exc), fields={"problem": str(exc)}) from exc


def run_allocation(
    actor: User,
    scenario: Scenario,
    problem_json: dict,
    *,
    settings: AllocationSettings | None,
    name: str | None = None,
    on_solved: Callable[[], None] | None = None,
) -> AllocationRun:
    """Solve and save a run (whatever its status: an infeasible run explains its conflicts).
    `on_solved` is called between the solve and the write (a job's progress, which may stop it)."""
    problem = parse(problem_json)
    try:
        result = planner.solve(problem)
    except planner.SolverError as exc:
        raise SolverFailed(f"The solver failed ({exc}); nothing was saved. Try again in a moment.") from exc
    if on_solved is not None:
        on_solved()
    result_json = result.to_json()
    run = AllocationRun(
        scenario_id=scenario.id,
        name=name or problem_json.get("name") or f"Allocation for {scenario.name}",
        settings=settings.to_json() if settings else None,
        problem=problem_json,
        result=result_json,
        status=RunStatus(result.status),
        solver=result.solver,
        seconds=round(result.seconds, 3),
        created_by_id=actor.id,
    )
    db.session.add(run)
    db.session.flush()
    record_event(
        actor,
        "allocation_run.create",
        "allocation_run",
        run.id,
        after={
            "scenario_id": scenario.id,
            "status": run.status.value,
            "solver": run.solver,
            "objective": result_json["objective"],
        },
    )
    return run


def run_with_settings(
    actor: User,
    scenario: Scenario,
    settings: AllocationSettings,
    *,
    name: str | None = None,
    on_solved: Callable[[], None] | None = None,
) -> AllocationRun:
    """Build the scenario's problem from the settings, then solve and save it as run_allocation does."""
    check_settings(settings)
    problem = build_problem(scenario, settings)
    return run_allocation(actor, scenario, problem, settings=settings, name=name, on_solved=on_solved)


def check_settings(settings: AllocationSettings) -> None:
    errors = inputs.check(settings)
    if errors:
        raise ValidationError("Check the settings.", fields=errors)


def rerun(actor: User, run: AllocationRun) -> AllocationRun:
    settings = AllocationSettings.from_json(run.settings) if run.settings is not None else None
    return run_allocation(actor, run.scenario, run.problem, settings=settings, name=run.name)


@dataclass(frozen=True)
class ApplyPlan:
    """What applying a run would do, shown before the button is pressed."""

    replaced_count: int
    replaced_cents: int
    new_count: int
    new_cents: int
    cents_added: int = 0  # what the funds have beyond the run's whole dollars, on its lines too


def _codes(model) -> dict[str, int]:
    return {code: record_id for record_id, code in db.session.execute(sa.select(model.id, model.code))}


def _allocated_cents(
    run: AllocationRun, appropriations: dict[str, Appropriation], replaced: sa.ColumnElement[bool]
) -> list[int]:
    """Each allocation's cents: the planner's whole dollars, plus, for a fund to be spent in full,
    the cents its available has beyond the whole dollars it was solved in, on the one allocation
    that can take them breaking no rule, so the fund ends at $0.00 available."""
    allocations = run.result.get("allocations", [])
    cents = [to_cents(Decimal(a["amount"])) for a in allocations]
    funds = run.problem.get("funds", [])
    spent_in_full = [f["id"] for f in funds if f.get("spend") == "all" and f["id"] in appropriations]
    if not spent_in_full:
        return cents
    problem = parse(run.problem)
    as_dollars = [(a["key"], a["fund"], Decimal(a["amount"])) for a in allocations]
    for fund in spent_in_full:
        record = appropriations[fund]
        kept = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
                BudgetLine.scenario_id == run.scenario_id,
                BudgetLine.appropriation_id == record.id,
                sa.not_(replaced),
            )
        )
        allocated = sum(c for a, c in zip(allocations, cents, strict=True) if a["fund"] == fund)
        remainder = record.allotted_cents - int(kept) - allocated
        if not 0 < remainder < 100:
            continue  # nothing left, or more than rounding left (the scenario changed since the run)
        home = planner.remainder_home(problem, as_dollars, fund, from_cents(remainder))
        if home is not None:
            cents[home] += remainder
    return cents


def _new_lines(run: AllocationRun, appropriations: dict[str, Appropriation], cents: list[int]) -> list[BudgetLine]:
    regions, priorities, program_types = _codes(Region), _codes(Priority), _codes(ProgramType)
    division_id = programs_division_id()  # program funds are that division's lines
    object_class_id = program_object_class_id()
    lines = []
    for index, allocation in enumerate(run.result["allocations"]):
        key, fund = allocation["key"], allocation["fund"]
        if fund not in appropriations:
            raise ValidationError(
                f"allocations[{index}].fund: {fund} is not a program appropriation of FY{run.scenario.budget_year}",
                fields={"fund": fund},
            )
        unknown = [d for d, known in (("region", regions), ("priority", priorities)) if key.get(d) not in known]
        if unknown or ("program_type" in key and key["program_type"] not in program_types):
            raise ValidationError(
                f"allocations[{index}].key: {key} names no known region and priority", fields={"key": str(key)}
            )
        names = " — ".join(str(v) for v in key.values())
        lines.append(
            BudgetLine(
                scenario_id=run.scenario_id,
                fiscal_year=run.scenario.budget_year,
                appropriation_id=appropriations[fund].id,
                division_id=division_id,
                object_class_id=object_class_id,
                region_id=regions[key["region"]],
                priority_id=priorities[key["priority"]],
                program_type_id=program_types.get(key.get("program_type")) if key.get("program_type") else None,
                description=f"Allocation run {run.id}: {names}",
                amount_cents=cents[index],
                stage=LineStage.PLANNED,
                source=LineSource.ALLOCATION,
                source_id=run.id,
                created_by_id=run.created_by_id,
            )
        )
    return lines


def _targets(run: AllocationRun) -> tuple[dict[str, Appropriation], sa.ColumnElement[bool]]:
    settings = AllocationSettings.from_json(run.settings)
    appropriations = {fund_id(a): a for a in program_appropriations(run.scenario)}
    funds_in_run = [a.id for fid, a in appropriations.items() if fid in {f["id"] for f in run.problem["funds"]}]
    return appropriations, lines_replaced_on_apply(run.scenario, settings, funds_in_run)


def _plan(run: AllocationRun) -> tuple[ApplyPlan, dict[str, Appropriation], sa.ColumnElement[bool], list[int]]:
    appropriations, replaced = _targets(run)
    count, cents = db.session.execute(
        sa.select(sa.func.count(BudgetLine.id), sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
            replaced
        )
    ).one()
    allocated = _allocated_cents(run, appropriations, replaced)
    whole = sum(to_cents(Decimal(a["amount"])) for a in run.result.get("allocations", []))
    plan = ApplyPlan(int(count), int(cents), len(allocated), sum(allocated), sum(allocated) - whole)
    return plan, appropriations, replaced, allocated


def apply_plan(run: AllocationRun) -> ApplyPlan:
    return _plan(run)[0]


def apply_run(actor: User, run: AllocationRun) -> ApplyPlan:
    """Write the allocation into the scenario as budget lines, replacing earlier allocation
    (and, when the settings say so, program) lines on the same funds. Idempotent."""
    if not run.is_optimal:
        raise WorkflowError(
            f"Run {run.id} is {run.status.value.replace('_', ' ')}: only an optimal run can be "
            "applied. Fix the conflicts and run again."
        )
    if not run.scenario.is_editable:
        raise WorkflowError(f"The scenario {run.scenario.name} is {run.scenario.status.value}; unlock it first.")
    lock_appropriations(record.id for record in _targets(run)[0].values())  # before the totals are read
    plan, appropriations, replaced, allocated = _plan(run)
    new_lines = _new_lines(run, appropriations, allocated)
    db.session.execute(sa.delete(BudgetLine).where(replaced))
    db.session.add_all(new_lines)
    db.session.flush()
    # The scenario may have changed since the run: never leave a fund overdrawn.
    warnings = [
        ensure_not_overdrawn(run.scenario, db.session.get(Appropriation, appropriation_id), funds_control())
        for appropriation_id in sorted({line.appropriation_id for line in new_lines})
    ]
    run.applied_at, run.applied_by_id = utcnow(), actor.id
    db.session.flush()
    record_event(
        actor,
        "allocation_run.apply",
        "allocation_run",
        run.id,
        after={"scenario_id": run.scenario_id, "lines": len(new_lines), "amount_cents": plan.new_cents},
        reason=" ".join([f"replaced {plan.replaced_count} lines.", *filter(None, warnings)]),
    )
    return plan
