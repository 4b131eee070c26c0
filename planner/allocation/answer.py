"""From the solver's outcome to the ``Result``: round, check and explain.

Nothing here needs the solver's answer to be loaded: ``solve`` imports this module while
HiGHS works in its own process (``python -m planner``'s), so a cold command does not
wait for it before the solve.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.allocation.constraints import Constraint
from planner.allocation.explain import binding, breach_message, input_notes, is_binding, unallocated_messages
from planner.allocation.grid import Grid
from planner.allocation.model import Model
from planner.allocation.result import Allocation, CellTotal, FundTotal, Result
from planner.allocation.rounding import round_to_dollars
from planner.deadline import Deadline, OutOfTime
from planner.lp import Solution
from planner.money import dollars
from planner.solvers import Backend


def optimal(
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


def infeasible(
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


def stopped(deadline: Deadline, backend: Backend, timings: dict[str, float]) -> Result:
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
