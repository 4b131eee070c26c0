"""Errors the planner raises. Callers catch these; nothing else escapes on bad input."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.allocation.result import Result


class PlannerError(Exception):
    """Base class for every error the planner raises on purpose."""


class InvalidProblem(PlannerError, ValueError):
    """The input does not follow the contract. ``str(error)`` is ``field: message``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SolverError(PlannerError):
    """The solver failed in a way that says nothing about the problem (crash, not installed)."""


class Infeasible(PlannerError):
    """Raised by ``Result.ensure_optimal()`` for an infeasible problem; carries the result."""

    def __init__(self, result: Result) -> None:
        names = ", ".join(f"{c.id} by ${c.relaxed_by:,}" for c in result.conflicts)
        super().__init__(f"the problem is infeasible; the least relaxation: {names or 'unknown'}")
        self.result = result


class TimeLimitReached(PlannerError):
    """Raised by ``Result.ensure_optimal()`` when the solver ran out of time."""

    def __init__(self, result: Result) -> None:
        super().__init__("the solver stopped at the time limit before proving an optimum")
        self.result = result
