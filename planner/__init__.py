"""Apportion's planner: allocate funds to a grid of cells with a linear program.

Pure Python and PuLP; no web framework. The public interface:

    problem = parse_problem(json_dict)      # or load_problem(path); raises InvalidProblem
    result = solve(problem)                 # Result; result.to_json() is allocation-result/1
    i = remainder_home(problem, allocations, fund_id, cents)  # which allocation takes a fund's cents
    curve = sweep(problem, "INCLE-FY27")    # Sweep; curve.to_json() is allocation-sweep/1

    proposals = parse_selection(json_dict)  # or load_selection(path); raises InvalidProblem
    chosen = select(proposals)              # SelectionResult; chosen.to_json() is selection-result/1

and on the command line ``python -m planner solve|sweep|select``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name and the module it lives in. They are imported on first use, so that
# ``python -m planner solve`` loads neither the selection (multiprocessing, its worker)
# nor the sweep: a cold command spends its time on its own problem.
_HOMES = {
    "planner.allocation.problem": (
        "Cell",
        "Fund",
        "Options",
        "Problem",
        "Rule",
        "Segment",
        "load_problem",
        "parse_problem",
    ),
    "planner.allocation.result": ("Allocation", "Binding", "CellTotal", "Conflict", "FundTotal", "Result"),
    "planner.allocation.rounding": ("remainder_home",),
    "planner.allocation.solve": ("solve",),
    "planner.allocation.sweep": ("Sweep", "SweepPoint", "sweep"),
    "planner.errors": ("Infeasible", "InvalidProblem", "PlannerError", "SolverError", "TimeLimitReached"),
    "planner.selection.problem": (
        "Proposal",
        "SelectionOptions",
        "SelectionProblem",
        "SelectionRule",
        "load_selection",
        "parse_selection",
    ),
    "planner.selection.result": (
        "SelectionBinding",
        "SelectionConflict",
        "SelectionInfeasible",
        "SelectionResult",
        "SelectionTimeLimitReached",
        "Unfunded",
    ),
    "planner.selection.solve": ("select",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

if TYPE_CHECKING:
    from planner.allocation.problem import Cell, Fund, Options, Problem, Rule, Segment, load_problem, parse_problem
    from planner.allocation.result import Allocation, Binding, CellTotal, Conflict, FundTotal, Result
    from planner.allocation.rounding import remainder_home
    from planner.allocation.solve import solve
    from planner.allocation.sweep import Sweep, SweepPoint, sweep
    from planner.errors import Infeasible, InvalidProblem, PlannerError, SolverError, TimeLimitReached
    from planner.selection.problem import (
        Proposal,
        SelectionOptions,
        SelectionProblem,
        SelectionRule,
        load_selection,
        parse_selection,
    )
    from planner.selection.result import (
        SelectionBinding,
        SelectionConflict,
        SelectionInfeasible,
        SelectionResult,
        SelectionTimeLimitReached,
        Unfunded,
    )
    from planner.selection.solve import select


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME_OF[name]), name)
    globals()[name] = value  # once found, a plain attribute
    return value


__all__ = [
    "Allocation",
    "Binding",
    "Cell",
    "CellTotal",
    "Conflict",
    "Fund",
    "FundTotal",
    "Infeasible",
    "InvalidProblem",
    "Options",
    "PlannerError",
    "Problem",
    "Proposal",
    "Result",
    "Rule",
    "Segment",
    "SelectionBinding",
    "SelectionConflict",
    "SelectionInfeasible",
    "SelectionOptions",
    "SelectionProblem",
    "SelectionResult",
    "SelectionRule",
    "SelectionTimeLimitReached",
    "SolverError",
    "Sweep",
    "SweepPoint",
    "TimeLimitReached",
    "Unfunded",
    "load_problem",
    "load_selection",
    "parse_problem",
    "parse_selection",
    "remainder_home",
    "select",
    "solve",
    "sweep",
]
