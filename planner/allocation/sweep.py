"""Sensitivity: solve again with one fund's ``available`` scaled over a range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planner.allocation.problem import Problem
from planner.allocation.result import Result
from planner.allocation.solve import solve
from planner.errors import InvalidProblem
from planner.fields import as_decimal
from planner.money import json_amount, whole_dollars

FORMAT = "allocation-sweep/1"


@dataclass(frozen=True)
class SweepPoint:
    scale: Decimal
    available: Decimal
    result: Result


@dataclass(frozen=True)
class Sweep:
    fund: str
    points: tuple[SweepPoint, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "fund": self.fund,
            "points": [
                {
                    "scale": float(point.scale),
                    "available": json_amount(point.available),
                    "result": point.result.to_json(),
                }
                for point in self.points
            ],
        }


def sweep_scales(low: Decimal, high: Decimal, steps: int) -> list[Decimal]:
    """``steps`` evenly spaced scales from ``low`` to ``high``, both included, exactly."""
    if steps == 1:
        return [low]
    return [low + (high - low) * i / (steps - 1) for i in range(steps)]


def sweep(
    problem: Problem,
    fund_id: str,
    low: float | Decimal = Decimal("0.7"),
    high: float | Decimal = Decimal("1.3"),
    steps: int = 7,
    solver: str | None = None,
    *,
    time_limit: float | None = None,
    on_point: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Solve ``problem`` ``steps`` times, ``fund_id``'s available scaled from ``low`` to ``high``.

    Each point's ``available`` is the scaled amount in whole dollars; each solve has the
    problem's (or the given) time limit. ``on_point(done, steps)`` is called before each solve
    and after the last (a progress bar; it may raise to stop the sweep).
    """
    low_scale = as_decimal(low, "from")
    high_scale = as_decimal(high, "to")
    if low_scale < 0:
        raise InvalidProblem("from", "must not be negative")
    if high_scale < low_scale:
        raise InvalidProblem("to", f"must not be less than from ({low_scale})")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InvalidProblem("steps", "must be a whole number, at least 1")
    try:
        base = problem.fund(fund_id).available
    except KeyError:
        raise InvalidProblem("fund", f"no fund has the id '{fund_id}'") from None
    points = []
    for done, scale in enumerate(sweep_scales(low_scale, high_scale, steps)):
        if on_point is not None:
            on_point(done, steps)
        available = Decimal(whole_dollars(base * scale))
        result = solve(problem.with_available(fund_id, available), solver, time_limit=time_limit)
        points.append(SweepPoint(scale, available, result))
    if on_point is not None:
        on_point(steps, steps)
    return Sweep(fund_id, tuple(points))
