"""``solve(problem) -> Result``: build the model, solve it, round, check and explain.

The time limit covers the whole call: the model building and the hand-over to HiGHS
check it as they go, the solver gets what is left when it starts (HiGHS and CBC both
honour it for LPs), and a stop is reported as ``time_limit``, never as optimal. An
infeasible problem gets the rest of the time for its least relaxation. Measured at
37,600 cells: HiGHS results come back within 0.3 s of the limit; CBC's input file is
written by PuLP without a look at the clock, which can cost it a few seconds more.
These are LPs: a MIP (proposal selection) needs a worker process it can stop.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.allocation.constraints import Constraint, all_constraints
from planner.allocation.explain import binding, breach_message, input_notes, is_binding, unallocated_messages
from planner.allocation.grid import Grid
from planner.allocation.model import Model, build_model, choose_scale
from planner.allocation.problem import Problem
from planner.allocation.result import Allocation, CellTotal, FundTotal, Result
from planner.allocation.rounding import round_to_dollars
from planner.collector import collector_paused
from planner.deadline import Deadline, OutOfTime
from planner.lp import Solution
from planner.money import dollars
from planner.solvers import Backend, Outcome, choose_backend, run


def solve(problem: Problem, solver: str | None = None, *, time_limit: float | None = None) -> Result:
    """Solve ``problem`` with ``solver`` ("highs", "cbc", or None for the best available).

    ``time_limit`` (seconds) overrides ``problem.options.time_limit_s``. Returns a Result
    whose status is optimal, infeasible or time_limit; raises SolverError only when the
    solver itself fails.
    """
    with collector_paused():
        return _solve(problem, solver, time_limit)


def _solve(problem: Problem, solver: str | None, time_limit: float | None) -> Result:
    deadline = Deadline(time_limit if time_limit is not None else problem.options.time_limit_s)
    backend = choose_backend(solver)
    timings: dict[str, float] = {}
    try:
        grid = Grid.of(problem)
        deadline.check()
        constraints = all_constraints(grid)
        deadline.check()
        model = build_model(grid, constraints, choose_scale(problem), deadline)
        timings["build"] = deadline.elapsed()
        solved = run(model.prob, backend, deadline)
    except OutOfTime:
        return _stopped(deadline, backend, timings)
    timings |= {"solve": solved.seconds, "solver": solved.solver_seconds}
    if solved.outcome is Outcome.TIME_LIMIT:
        return _stopped(deadline, backend, timings)
    if solved.outcome is Outcome.INFEASIBLE:
        return _infeasible(grid, constraints, model.scale, backend, deadline, timings)
    return _optimal(grid, constraints, model, solved.solution, backend, deadline, timings)


def _optimal(
    grid: Grid,
    constraints: Sequence[Constraint],
    model: Model,
    solution: Solution,
    backend: Backend,
    deadline: Deadline,
    timings: dict[str, float],
) -> Result:
    started = deadline.elapsed()
    problem = grid.problem
    values = model.pair_values(solution)
    amounts, breaches = round_to_dollars(grid, constraints, values)
    binding_rows = [c for c in constraints if is_binding(c, values, backend.precision, model.scale)]
    messages = (
        input_notes(grid)
        + unallocated_messages(grid, binding_rows, values, amounts)
        + [breach_message(breach) for breach in breaches]
    )
    timings["finish"] = deadline.elapsed() - started
    return Result(
        status="optimal",
        objective=model.objective_value(solution),
        allocations=tuple(
            Allocation(problem.cells[pair.cell].key, problem.funds[pair.fund].id, amount)
            for pair, amount in zip(grid.pairs, amounts, strict=True)
            if amount
        ),
        cells=tuple(CellTotal(cell.key, grid.cells[c].of(amounts)) for c, cell in enumerate(problem.cells)),
        funds=tuple(
            FundTotal(fund.id, fund.available, grid.funds[f].of(amounts)) for f, fund in enumerate(problem.funds)
        ),
        binding=tuple(binding(binding_rows, model, solution, backend, problem.objective, values)),
        messages=tuple(messages),
        solver=backend.name,
        seconds=deadline.elapsed(),
        timings=timings,
    )


def _infeasible(
    grid: Grid,
    constraints: Sequence[Constraint],
    scale: int,
    backend: Backend,
    deadline: Deadline,
    timings: dict[str, float],
) -> Result:
    from planner.allocation.elastic import least_relaxation  # only an infeasible problem needs it

    messages = ["No allocation satisfies every constraint."]
    try:
        conflicts = least_relaxation(grid, constraints, scale, backend, deadline)
    except OutOfTime:
        conflicts = None
    if conflicts is None:
        messages.append("The time limit ran out before the least relaxation was found.")
        conflicts = []
    else:
        total = sum(conflict.relaxed_by for conflict in conflicts)
        messages.append(
            f"The least relaxation that makes it feasible moves {len(conflicts)} constraint(s) "
            f"by {dollars(total)} in all; see conflicts."
        )
    return Result(
        status="infeasible",
        objective=None,
        conflicts=tuple(conflicts),
        messages=tuple(input_notes(grid) + messages),
        solver=backend.name,
        seconds=deadline.elapsed(),
        timings=timings,
    )


def _stopped(deadline: Deadline, backend: Backend, timings: dict[str, float]) -> Result:
    message = (
        f"The time limit of {deadline.seconds:g} s ran out before an optimum was proven, "
        "so no allocation is reported. Allow more time (options.time_limit_s or --time-limit)."
    )
    return Result(
        status="time_limit",
        objective=None,
        messages=(message,),
        solver=backend.name,
        seconds=deadline.elapsed(),
        timings=timings,
    )
