"""From the solver's floats to whole dollars, keeping every fund's total exact.

Each pair goes to the floor or the ceiling of its solved amount, so no pair moves by
$1 or more and no constraint by more than $1 per pair it sums. Within each fund the
largest remainders take the ceiling (largest-remainder method), which fixes the fund's
total. If that breaks a constraint, a repair step swaps the rounding of two pairs of
the same fund (one up, one down: the fund's total stays) while that reduces the total
breach. ``check`` then re-checks every constraint exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from planner.constraints import Constraint
from planner.grid import Grid
from planner.money import floor_dollars

SNAP = 1e-4  # dollars: nearer than this to a whole dollar is solver noise, not a fraction
_EPS = 1e-6  # dollars: breaches smaller than this are float noise in the repair search


@dataclass(frozen=True)
class Breach:
    constraint: Constraint
    activity: Decimal  # the row's left-hand side after rounding
    off: Decimal  # dollars by which it misses its bound


def round_to_dollars(
    grid: Grid, constraints: Sequence[Constraint], values: Sequence[float]
) -> tuple[list[int], list[Breach]]:
    """Whole-dollar amounts for the solved ``values`` and the constraints they still break."""
    floors: list[int] = []
    fractions: list[float] = []
    for value in values:
        value = max(value, 0.0)
        nearest = round(value)
        if abs(value - nearest) < SNAP:
            floors.append(int(nearest))
            fractions.append(0.0)
        else:
            floors.append(math.floor(value))
            fractions.append(value - math.floor(value))
    amounts = list(floors)
    for f, fund in enumerate(grid.problem.funds):
        pairs = grid.funds[f].pairs
        target = floor_dollars(fund.available)  # never more than the fund has
        if fund.spend == "up_to":
            target = min(target, round(grid.funds[f].of(values)))
        candidates = sorted((p for p in pairs if fractions[p] > 0), key=lambda p: (-fractions[p], p))
        need = min(max(target - sum(floors[p] for p in pairs), 0), len(candidates))
        for p in candidates[:need]:
            amounts[p] += 1
    breaches = check(constraints, amounts)
    fractional = [p for p, fraction in enumerate(fractions) if fraction > 0]
    if breaches and fractional:
        _Repair(grid, constraints, amounts, floors, fractional).run()
        breaches = check(constraints, amounts)
    return amounts, breaches


@dataclass
class _Repair:
    """Greedy swaps between a rounded-up and a rounded-down pair of the same fund."""

    grid: Grid
    constraints: Sequence[Constraint]
    amounts: list[int]
    floors: list[int]
    fractional: list[int]

    def __post_init__(self) -> None:
        movable = set(self.fractional)
        self.rows: dict[int, list[tuple[int, float]]] = defaultdict(list)  # pair -> (row, coefficient)
        self.members: dict[int, list[int]] = defaultdict(list)  # row -> movable pairs in it
        for k, constraint in enumerate(self.constraints):
            for part in constraint.parts:
                coefficient = float(part.coefficient)
                for p in part.total.pairs:
                    if p in movable:
                        self.rows[p].append((k, coefficient))
                        self.members[k].append(p)
        self.activity = {k: float(self.constraints[k].activity(self.amounts)) for k in self.members}
        self.by_fund: dict[int, list[int]] = defaultdict(list)
        for p in self.fractional:
            self.by_fund[self.grid.pairs[p].fund].append(p)

    def breach(self, k: int, activity: float) -> float:
        constraint = self.constraints[k]
        rhs = float(constraint.rhs)
        below = rhs - activity if constraint.sense in (">=", "==") else 0.0
        above = activity - rhs if constraint.sense in ("<=", "==") else 0.0
        return max(below, above, 0.0)

    def gain(self, down: int, up: int) -> float:
        """How much the total breach falls if ``down`` loses $1 and ``up`` gains $1."""
        change: dict[int, float] = defaultdict(float)
        for k, coefficient in self.rows[down]:
            change[k] -= coefficient
        for k, coefficient in self.rows[up]:
            change[k] += coefficient
        return sum(
            self.breach(k, self.activity[k]) - self.breach(k, self.activity[k] + delta) for k, delta in change.items()
        )

    def best_swap(self) -> tuple[float, int, int]:
        best = (_EPS, -1, -1)
        breached = [k for k in self.members if self.breach(k, self.activity[k]) > _EPS]
        touched = {p for k in breached for p in self.members[k]}
        for p in touched:
            is_up = self.amounts[p] > self.floors[p]
            for q in self.by_fund[self.grid.pairs[p].fund]:
                if (self.amounts[q] > self.floors[q]) == is_up:
                    continue
                down, up = (p, q) if is_up else (q, p)
                gain = self.gain(down, up)
                if gain > best[0]:
                    best = (gain, down, up)
        return best

    def run(self) -> None:
        for _ in range(4 * len(self.fractional)):  # every swap lowers the breach: this bounds the work
            _, down, up = self.best_swap()
            if down < 0:
                return
            self.amounts[down] -= 1
            self.amounts[up] += 1
            for k, coefficient in self.rows[down]:
                self.activity[k] -= coefficient
            for k, coefficient in self.rows[up]:
                self.activity[k] += coefficient


def check(constraints: Sequence[Constraint], amounts: Sequence[int]) -> list[Breach]:
    """Every constraint the whole-dollar amounts break, checked exactly in Decimal."""
    breaches = []
    for constraint in constraints:
        activity = constraint.activity(amounts)
        off = constraint.shortfall(activity)
        if off > 0:
            breaches.append(Breach(constraint, activity, off))
    return breaches
