"""The time limit is enforced and reported as time_limit, never as optimal."""

from __future__ import annotations

import pytest
from planner_helpers import SOLVERS, fund, problem, run

from planner import TimeLimitReached, parse_problem
from planner.allocation.constraints import all_constraints
from planner.allocation.grid import Grid
from planner.allocation.model import build_model, choose_scale
from planner.deadline import Deadline
from planner.solvers import Outcome, choose_backend
from planner.solvers import run as run_solver


def large_problem(countries: int = 250) -> dict:
    """countries x 4 x 5 cells with three segments each, two funds and a share rule."""
    cells = [
        {
            "key": {"region": f"R{n % 6}", "country": f"C{n}", "priority": f"p{p}", "program_type": f"t{t}"},
            "max": 400_000,
            "value": [{"upto": 20_000 + 97 * n, "weight": 1.0 + (n * 7 + p) % 13 / 10}, {"upto": None, "weight": 0.1}],
        }
        for n in range(countries)
        for p in range(4)
        for t in range(5)
    ]
    funds = [fund("F", 60_000_000, "all"), fund("G", 20_000_000, eligible={"program_type": ["t0", "t1"]})]
    rules = [{"id": "p0", "where": {"priority": ["p0"]}, "min_share": 0.2, "max_share": 0.4}]
    return problem(cells, funds, rules)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_tiny_limit_stops_before_an_optimum(solver: str) -> None:
    # A limit that has passed before the first check, however fast the machine.
    result = run(large_problem(), solver, time_limit=1e-9)
    assert result.status == "time_limit"
    assert result.objective is None
    assert result.allocations == ()
    assert "time limit of 1e-09 s ran out" in result.messages[0]
    with pytest.raises(TimeLimitReached):
        result.ensure_optimal()


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_solver_itself_is_stopped_and_not_taken_for_optimal(solver: str) -> None:
    # The model is built first; the deadline then leaves the solver no time at all, so it
    # must stop on its own limit (a status PuLP still calls "Optimal") and we say so.
    problem_ = parse_problem(large_problem(120))
    grid = Grid.of(problem_)
    model = build_model(grid, all_constraints(grid), choose_scale(problem_))
    solved = run_solver(model.prob, choose_backend(solver), _deadline_that_lasts_until_the_solver_starts())
    assert solved.outcome is Outcome.TIME_LIMIT


def _deadline_that_lasts_until_the_solver_starts() -> Deadline:
    class LastsOneCheck(Deadline):
        """Lets the first check pass (so the solve starts), then has no time left."""

        def __init__(self) -> None:
            super().__init__(3600.0)
            self.checked = False

        def check(self) -> None:
            self.checked = True

        def remaining(self) -> float | None:
            return 0.0 if self.checked else 3600.0

    return LastsOneCheck()


def test_the_problems_own_limit_applies_and_an_argument_overrides_it() -> None:
    data = large_problem(60)
    data["options"] = {"time_limit_s": 1e-9}
    assert run(data).status == "time_limit"
    assert run(data, time_limit=600).status == "optimal"
