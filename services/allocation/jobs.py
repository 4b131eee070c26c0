"""Allocation work as background jobs: a sensitivity sweep, and a run of a large problem.

Each runner takes the job's params (JSON, as `start_*` below wrote them) and reports its
progress; it computes first and writes last (services.jobs.lifecycle).
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from models import AllocationRun, Job, JobKind, JobState, Scenario, User, db
from services.allocation.problems import AllocationSettings, grid_cells
from services.allocation.results import SWEEP_STEPS, sensitivity
from services.allocation.runs import check_settings, run_with_settings
from services.errors import ValidationError
from services.jobs.lifecycle import Outcome, Progress, job_record, start_job


def sweep_solves(run: AllocationRun, steps: int = SWEEP_STEPS) -> int:
    """The size of a sweep: the run's cells times the levels solved."""
    return len(run.problem.get("cells", [])) * steps


def check_sweep(run: AllocationRun, fund: str, low: Decimal, high: Decimal) -> None:
    """What a sweep is refused for before it is queued: a fund the run does not have, levels out of order."""
    if fund not in {f["id"] for f in run.problem.get("funds", [])}:
        raise ValidationError("Choose one of the run's appropriations.", fields={"fund": "Not one of the run's funds."})
    if high < low:
        raise ValidationError("“To” must not be below “From”.", fields={"high": "Must not be less than From."})


def start_sweep(actor: User, run: AllocationRun, fund: str, low: Decimal, high: Decimal) -> Job:
    check_sweep(run, fund, low, high)
    title = f"Sensitivity of run {run.id}: {fund} from {low * 100:g}% to {high * 100:g}%"
    params = {"run_id": run.id, "fund": fund, "low": str(low), "high": str(high)}
    return start_job(actor, JobKind.ALLOCATION_SWEEP, title, params)


def sweeps_of(run: AllocationRun, limit: int = 10) -> list[Job]:
    """The run's finished sweeps, newest first (a sweep's result is kept against its run)."""
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(
                Job.kind == JobKind.ALLOCATION_SWEEP,
                Job.state == JobState.SUCCEEDED,
                Job.result_type == "allocation_run",
                Job.result_id == run.id,
            )
            .order_by(Job.id.desc())
            .limit(limit)
        )
    )


def run_sweep_job(actor: User, params: dict, progress: Progress) -> Outcome:
    run = job_record(AllocationRun, params["run_id"], "allocation run")

    def on_point(done: int, steps: int) -> None:
        progress(round(100 * done / steps), f"Solved {done} of {steps} levels")

    result = sensitivity(run, params["fund"], Decimal(params["low"]), Decimal(params["high"]), on_point=on_point)
    return Outcome(f"Solved {len(result.scales)} levels.", "allocation_run", run.id, result.to_json())


def start_allocation_run(actor: User, scenario: Scenario, settings: AllocationSettings) -> Job:
    check_settings(settings)  # refused now, not after a wait in the queue
    title = f"Allocation of {scenario.name}"
    return start_job(actor, JobKind.ALLOCATION_RUN, title, {"scenario_id": scenario.id, "settings": settings.to_json()})


def run_or_queue(actor: User, scenario: Scenario, settings: AllocationSettings, most_cells: int) -> AllocationRun | Job:
    """A run of up to `most_cells` cells is solved now; a larger one becomes a job (the caller hands it over)."""
    if grid_cells(scenario, settings) > most_cells:
        return start_allocation_run(actor, scenario, settings)
    return run_with_settings(actor, scenario, settings)


def run_allocation_job(actor: User, params: dict, progress: Progress) -> Outcome:
    scenario = job_record(Scenario, params["scenario_id"], "scenario")
    settings = AllocationSettings.from_json(params["settings"])
    progress(10, f"Building and solving {grid_cells(scenario, settings):,} cells")
    run = run_with_settings(actor, scenario, settings, on_solved=lambda: progress(90, "Saving the run"))
    return Outcome(f"Run {run.id}: {run.status.value}.", "allocation_run", run.id)
