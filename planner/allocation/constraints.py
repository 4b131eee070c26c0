"""The allocation's constraints as plain data, one small function per kind.

Each function yields labelled ``Constraint`` rows over sums of (cell, fund) pairs, in
dollars. The same rows feed the solver model, the elastic (infeasibility) model, the
binding report and the exact check after rounding, so each rule is written down once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import chain
from typing import Literal, NamedTuple

from planner.allocation.grid import Grid, Total
from planner.money import dollars

Kind = Literal["fund", "cell_min", "cell_max", "rule"]
Side = Literal["available", "spend_all", "min", "max", "min_share", "max_share"]
Sense = Literal[">=", "<=", "=="]

ONE = Decimal(1)
ZERO = Decimal(0)


class Part(NamedTuple):
    coefficient: Decimal
    total: Total


class Constraint(NamedTuple):
    """``sum(coefficient * total) <sense> rhs``, in dollars, with what it means.

    ``relaxable``: the elastic model may relax it (>= rows downwards, <= rows upwards,
    the == of a spend-all fund downwards only: a fund's ``available`` is never relaxed).
    """

    name: str  # unique and safe as a solver row name
    kind: Kind
    id: str
    label: str
    side: Side
    parts: tuple[Part, ...]
    sense: Sense
    rhs: Decimal
    relaxable: bool = True

    def activity(self, amounts: Sequence[int]) -> Decimal:
        """The exact left-hand side for whole-dollar amounts."""
        parts = self.parts
        if len(parts) == 1 and parts[0].coefficient is ONE:  # most rows: one sum, counted once
            return Decimal(parts[0].total.of(amounts))  # ints (or Decimals) add up exactly
        total = Decimal(0)
        for part in parts:
            amount = part.total.of(amounts)
            total += amount if part.coefficient is ONE else part.coefficient * amount
        return total

    def shortfall(self, activity: Decimal) -> Decimal:
        """How far ``activity`` is from satisfying the row (0 when it holds)."""
        if self.sense == "<=":
            return activity - self.rhs if activity > self.rhs else ZERO
        if self.sense == ">=":
            return self.rhs - activity if activity < self.rhs else ZERO
        return abs(activity - self.rhs)


def fund_limits(grid: Grid) -> Iterator[Constraint]:
    """A fund gives at most ``available``; with ``spend: all``, exactly that."""
    for f, fund in enumerate(grid.problem.funds):
        parts = (Part(ONE, grid.funds[f]),)
        if fund.spend == "all":
            yield Constraint(f"fund_{f}", "fund", fund.id, fund.label, "spend_all", parts, "==", fund.available)
        else:
            yield Constraint(
                f"fund_{f}", "fund", fund.id, fund.label, "available", parts, "<=", fund.available, relaxable=False
            )


def cell_floors(grid: Grid) -> Iterator[Constraint]:
    for c, cell in enumerate(grid.problem.cells):
        if cell.min > 0:
            cell_id = cell.id
            label = f"{cell_id}: at least {dollars(cell.min)}"
            yield Constraint(
                f"cell_min_{c}", "cell_min", cell_id, label, "min", (Part(ONE, grid.cells[c]),), ">=", cell.min
            )


def cell_caps(grid: Grid) -> Iterator[Constraint]:
    for c, cell in enumerate(grid.problem.cells):
        if cell.max is not None:
            cell_id = cell.id
            label = f"{cell_id}: at most {dollars(cell.max)}"
            yield Constraint(
                f"cell_max_{c}", "cell_max", cell_id, label, "max", (Part(ONE, grid.cells[c]),), "<=", cell.max
            )


def rule_amounts(grid: Grid) -> Iterator[Constraint]:
    """``min``/``max``: dollars over the pairs the rule's ``where`` matches."""
    for r, rule in enumerate(grid.problem.rules):
        parts = (Part(ONE, grid.rules[r].matching),)
        if rule.min is not None and rule.min > 0:
            yield Constraint(f"rule_{r}_min", "rule", rule.id, rule.label, "min", parts, ">=", rule.min)
        if rule.max is not None:
            yield Constraint(f"rule_{r}_max", "rule", rule.id, rule.label, "max", parts, "<=", rule.max)


def rule_shares(grid: Grid) -> Iterator[Constraint]:
    """``min_share``/``max_share`` as matching - share * base >= 0 (or <= 0): in dollars,
    so that a violation is measured in dollars too."""
    for r, rule in enumerate(grid.problem.rules):
        bounds: list[tuple[Side, Sense, Decimal]] = []
        # A 0% floor or a 100% ceiling can never bind: leave them out.
        if rule.min_share is not None and rule.min_share > 0:
            bounds.append(("min_share", ">=", rule.min_share))
        if rule.max_share is not None and rule.max_share < 1:
            bounds.append(("max_share", "<=", rule.max_share))
        totals = grid.rules[r]
        for side, sense, share in bounds:
            parts = (Part(ONE, totals.matching), Part(-share, totals.base)) if share else (Part(ONE, totals.matching),)
            yield Constraint(f"rule_{r}_{side}", "rule", rule.id, rule.label, side, parts, sense, Decimal(0))


CONSTRAINT_KINDS: tuple[Callable[[Grid], Iterator[Constraint]], ...] = (
    fund_limits,
    cell_floors,
    cell_caps,
    rule_amounts,
    rule_shares,
)


def all_constraints(grid: Grid) -> tuple[Constraint, ...]:
    return tuple(chain.from_iterable(kind(grid) for kind in CONSTRAINT_KINDS))


def model_rows(grid: Grid) -> tuple[Constraint, ...]:
    """Every constraint but the cells' caps, which the solver's model makes bounds
    (model.py): a solve makes those while the solver works, and ``with_caps`` puts them
    back in their place."""
    return tuple(chain.from_iterable(kind(grid) for kind in CONSTRAINT_KINDS if kind is not cell_caps))


def with_caps(rows: Sequence[Constraint], caps: Sequence[Constraint]) -> tuple[Constraint, ...]:
    """``model_rows`` and ``cell_caps``, in the order of ``all_constraints``."""
    before = sum(1 for row in rows if row.kind in ("fund", "cell_min"))  # the kinds listed before the caps
    return (*rows[:before], *caps, *rows[before:])
