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

from typing import TYPE_CHECKING

from planner.allocation.constraints import Constraint, cell_caps, model_rows, with_caps
from planner.allocation.grid import Grid
from planner.allocation.model import build_model, choose_scale
from planner.collector import collector_paused
from planner.deadline import Deadline, OutOfTime
from planner.solvers import Outcome, choose_backend, run

if TYPE_CHECKING:
    from planner.allocation.problem import Problem
    from planner.allocation.result import Result

# planner.allocation.answer (rounding, checks, explanations) is imported while the solver
# works, by _prepare_answer: a cold command loads it then rather than before the solve.


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
        rows = model_rows(grid)
        deadline.check()
        model = build_model(grid, rows, choose_scale(problem), deadline)
        timings["build"] = deadline.elapsed()
        caps: list[Constraint] = []  # only the answer's checks and explanations need them
        solved = run(model.prob, backend, deadline, meanwhile=lambda: _prepare_answer(grid, caps))
    except OutOfTime:
        solved = None
    from planner.allocation import answer

    if solved is not None:
        timings |= {"solve": solved.seconds, "solver": solved.solver_seconds}
    if solved is None or solved.outcome is Outcome.TIME_LIMIT:
        return answer.stopped(deadline, backend, timings)
    constraints = with_caps(rows, caps)
    if solved.outcome is Outcome.INFEASIBLE:
        return answer.infeasible(grid, constraints, model.scale, backend, deadline, timings)
    return answer.optimal(grid, constraints, model, solved.solution, backend, deadline, timings)


def _prepare_answer(grid: Grid, caps: list[Constraint]) -> None:
    """What the answer needs and the solution does not: the cells' caps (the model has
    them as bounds), and the answer's code."""
    caps.extend(cell_caps(grid))
    import planner.allocation.answer  # noqa: F401 - loaded now, used once the solution is back
