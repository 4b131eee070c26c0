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
