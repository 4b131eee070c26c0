"""From the solver's floats to whole dollars, keeping every fund's total exact.

Each pair goes to the floor or the ceiling of its solved amount, so no pair moves by
$1 or more and no constraint by more than $1 per pair it sums. Within each fund the
largest remainders take the ceiling (largest-remainder method), which fixes the fund's
total: its available when it must be spent, else its solved total rounded (never
above available). If that breaks a constraint, a repair step moves a dollar between
two pairs of the same fund (the total stays), or for an ``up_to`` fund rounds one pair
the other way (its total staying between the floor and ceiling of the solved one),
while that reduces the total breach. ``check`` then re-checks every constraint exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from planner.allocation.constraints import Constraint, all_constraints
from planner.allocation.grid import Grid
from planner.allocation.problem import Problem
from planner.money import floor_dollars

SNAP = 1e-4  # dollars: nearer than this to a whole dollar is solver noise, not a fraction
_EPS = 1e-6  # dollars: breaches smaller than this are float noise in the repair search


class Breach(NamedTuple):
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
        if value <= 0.0:  # most pairs get nothing
            floors.append(0)
            fractions.append(0.0)
            continue
        nearest = round(value)
        if abs(value - nearest) < SNAP:
            floors.append(int(nearest))
            fractions.append(0.0)
        else:
            floors.append(math.floor(value))
            fractions.append(value - math.floor(value))
    amounts = list(floors)
    totals: list[range] = []  # the whole-dollar totals each fund may end with
    for f, fund in enumerate(grid.problem.funds):
        pairs = grid.funds[f].pairs
        ceiling = floor_dollars(fund.available)  # never more than the fund has
        solved = grid.funds[f].of(values)
        if fund.spend == "all":
            totals.append(range(ceiling, ceiling + 1))
            target = ceiling
        else:
            totals.append(range(min(math.floor(solved), ceiling), min(math.ceil(solved), ceiling) + 1))
            target = min(round(solved), ceiling)
        candidates = sorted((p for p in pairs if fractions[p] > 0), key=lambda p: (-fractions[p], p))
        need = min(max(target - sum(floors[p] for p in pairs), 0), len(candidates))
        for p in candidates[:need]:
            amounts[p] += 1
    breaches = check(constraints, amounts)
    fractional = [p for p, fraction in enumerate(fractions) if fraction > 0]
    if breaches and fractional:
        _Repair(grid, constraints, amounts, floors, fractional, totals).run()
        breaches = check(constraints, amounts)
    return amounts, breaches


def check(constraints: Sequence[Constraint], amounts: Sequence[int]) -> list[Breach]:
    """Every constraint the whole-dollar amounts break, checked exactly in Decimal."""
    breaches = []
    for constraint in constraints:
        activity = constraint.activity(amounts)
        off = constraint.shortfall(activity)
        if off > 0:
            breaches.append(Breach(constraint, activity, off))
    return breaches


Move = tuple[tuple[int, int], ...]  # (pair, +1 or -1) for each pair that changes


class _Repair:
    """Greedy local search over the pairs with a fraction, each at its floor or ceiling."""

    def __init__(
        self,
        grid: Grid,
        constraints: Sequence[Constraint],
        amounts: list[int],
        floors: list[int],
        fractional: list[int],
        totals: list[range],
    ) -> None:
        self.constraints = constraints
        self.amounts = amounts
        self.floors = floors
        self.fractional = fractional
        self.totals = totals
        self.fund_of = {p: grid.pairs[p].fund for p in fractional}
        self.fund_total = [total.of(amounts) for total in grid.funds]
        movable = set(fractional)
        self.rows: dict[int, list[tuple[int, float]]] = defaultdict(list)  # pair -> (row, coefficient)
        self.members: dict[int, list[int]] = defaultdict(list)  # row -> movable pairs in it
        for k, constraint in enumerate(constraints):
            for part in constraint.parts:
                coefficient = float(part.coefficient)
                for p in part.total.pairs:
                    if p in movable:
                        self.rows[p].append((k, coefficient))
                        self.members[k].append(p)
        self.activity = {k: float(constraints[k].activity(amounts)) for k in self.members}
        self.by_fund: dict[int, list[int]] = defaultdict(list)
        for p in fractional:
            self.by_fund[self.fund_of[p]].append(p)

    def run(self) -> None:
        for _ in range(4 * len(self.fractional)):  # each move lowers the breach: this bounds the work
            best = max(self.moves(), key=self.gain, default=None)
            if best is None or self.gain(best) <= _EPS:
                return
            for p, step in best:
                self.amounts[p] += step
                self.fund_total[self.fund_of[p]] += step
                for k, coefficient in self.rows[p]:
                    self.activity[k] += step * coefficient

    def moves(self) -> Iterator[Move]:
        """Moves touching a breached row: flip one pair, or one up and one down in a fund."""
        breached = [k for k in self.members if self.breach(k, self.activity[k]) > _EPS]
        for p in {p for k in breached for p in self.members[k]}:
            step = -1 if self.amounts[p] > self.floors[p] else 1
            fund = self.fund_of[p]
            if self.fund_total[fund] + step in self.totals[fund]:
                yield ((p, step),)
            for q in self.by_fund[fund]:
                if (self.amounts[q] > self.floors[q]) == (step > 0):  # q can move the other way
                    yield ((p, step), (q, -step))

    def gain(self, move: Move) -> float:
        """How much the total breach falls with ``move``."""
        change: dict[int, float] = defaultdict(float)
        for p, step in move:
            for k, coefficient in self.rows[p]:
                change[k] += step * coefficient
        return sum(
            self.breach(k, self.activity[k]) - self.breach(k, self.activity[k] + delta) for k, delta in change.items()
        )

    def breach(self, k: int, activity: float) -> float:
        constraint = self.constraints[k]
        rhs = float(constraint.rhs)
        below = rhs - activity if constraint.sense in (">=", "==") else 0.0
        above = activity - rhs if constraint.sense in ("<=", "==") else 0.0
        return max(below, above, 0.0)


def remainder_home(
    problem: Problem,
    allocations: Sequence[tuple[Mapping[str, str], str, Decimal]],
    fund_id: str,
    remainder: Decimal,
) -> int | None:
    """Which of ``allocations`` ((cell key, fund, dollars)) can take ``remainder`` more from ``fund_id``.

    For a fund whose available has cents beyond the whole dollars it was solved in: the
    largest of its allocations that takes them without breaking a rule (or breaking one
    further), so the fund ends spent to the cent. The fund's own total is left out of the
    check: the caller adds exactly what the fund has. None when no allocation can.
    """
    grid = Grid.of(problem)

    def named(key: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(dict(key).items()))  # stored JSON may not keep the keys' order

    pair_of = {
        (named(dict(problem.cells[pair.cell].key)), problem.funds[pair.fund].id): p for p, pair in enumerate(grid.pairs)
    }
    amounts = [Decimal(0)] * len(grid.pairs)
    pairs: list[int | None] = []
    for key, fund, amount in allocations:
        p = pair_of.get((named(key), fund))
        pairs.append(p)
        if p is not None:
            amounts[p] += amount
    rows_of: dict[int, list[Constraint]] = defaultdict(list)
    for constraint in all_constraints(grid):
        if constraint.kind == "fund":
            continue
        for part in constraint.parts:
            for p in part.total.pairs:
                rows_of[p].append(constraint)
    candidates = sorted(
        (i for i, (_, fund, amount) in enumerate(allocations) if fund == fund_id and pairs[i] is not None),
        key=lambda i: (-allocations[i][2], i),
    )
    for i in candidates:
        p = pairs[i]
        before = [row.shortfall(row.activity(amounts)) for row in rows_of[p]]
        amounts[p] += remainder
        after = [row.shortfall(row.activity(amounts)) for row in rows_of[p]]
        amounts[p] -= remainder
        if all(a <= b for a, b in zip(after, before, strict=True)):
            return i
    return None
