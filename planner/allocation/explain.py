"""Why the optimum is where it is: binding constraints with prices, and money left over.

Binding is read from slack, computed from the solved amounts, because the two solvers
disagree on slack signs and CBC may drop the dual of a row its presolve made a bound.
Shadow prices are normalised to d(objective)/d(bound), in the objective's own sense.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from planner.allocation.constraints import ONE, Constraint
from planner.allocation.grid import Grid
from planner.allocation.model import Model
from planner.allocation.problem import Cell
from planner.allocation.result import Binding
from planner.allocation.rounding import Breach
from planner.lp import Solution
from planner.money import dollars
from planner.solvers import Backend

_ZERO_PRICE = 1e-9
_FEASIBILITY = 1e-7  # the solvers' default primal feasibility tolerance, in model units


def solved_activity(constraint: Constraint, values: Sequence[float]) -> tuple[float, float]:
    """(left-hand side, sum of absolute terms) of a row at the solved amounts, in dollars."""
    parts = constraint.parts
    if len(parts) == 1 and parts[0].coefficient is ONE:  # most rows: one sum, counted once
        total = parts[0].total.of(values)
        return total, total
    activity = size = 0.0
    for part in parts:
        total = part.total.of(values)
        coefficient = float(part.coefficient)
        activity += coefficient * total
        size += abs(coefficient) * total
    return activity, size


def is_binding(constraint: Constraint, values: Sequence[float], precision: float, scale: int) -> bool:
    if constraint.sense == "==":
        return True
    activity, size = solved_activity(constraint, values)
    rhs = float(constraint.rhs)
    slack = activity - rhs if constraint.sense == ">=" else rhs - activity
    return slack <= precision * (size + abs(rhs)) + _FEASIBILITY * scale


def binding(
    rows: Sequence[Constraint],
    model: Model,
    solution: Solution,
    backend: Backend,
    objective: str,
    values: Sequence[float],
) -> list[Binding]:
    """The binding ``rows`` with their normalised shadow prices and a sentence each."""
    found = []
    for constraint in rows:
        price = shadow_price(constraint, model, solution, backend)
        found.append(
            Binding(
                constraint.id,
                constraint.kind,
                constraint.label,
                constraint.side,
                price,
                explanation(constraint, price, objective, values),
            )
        )
    return found


def shadow_price(constraint: Constraint, model: Model, solution: Solution, backend: Backend) -> float | None:
    """d(objective)/d(bound) per dollar: a row's dual, or for a cell's cap the reduced
    cost of the piece it bounds. None when the solver gave none."""
    if constraint.name in model.rows:
        raw = solution.row_duals[model.rows[constraint.name]]
    elif constraint.name in model.caps:
        raw = solution.reduced_costs[model.caps[constraint.name]]
    else:
        raw = None
    if raw is None:
        return None
    price = raw * backend.dual_sign(model.prob.maximise) * model.weight_scale
    # Digits finer than 1e-5 of the largest weight are the tie-break's and the solver's noise.
    decimals = 5 - math.floor(math.log10(model.weight_scale))
    return round(price, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def _amount(number: float) -> str:
    return f"{number:,.0f}" if number >= 1000 else f"{number:.4g}"


def _effect(price: float, objective: str) -> str:
    """What a +1 move of the bound does to the objective, in words."""
    size = _amount(abs(price))
    if objective == "value":
        return f"{'raises' if price > 0 else 'lowers'} the total value by {size}"
    # targets: the objective is the dollars the cells are off their targets (each counted by its penalty, 1 by default)
    if price > 0:
        return f"takes the allocation ${size} further from its targets"
    return f"brings the allocation ${size} closer to its targets"


def explanation(constraint: Constraint, price: float | None, objective: str, values: Sequence[float]) -> str:
    if price is None:
        return "It is met exactly; the solver gave no figure for what relaxing it would buy."
    if abs(price) < _ZERO_PRICE:
        return "It is met exactly but costs nothing: relaxing it would not improve the allocation."
    side = constraint.side
    if side in ("min_share", "max_share"):
        base = constraint.parts[-1].total.of(values)  # matching - share * base: the base is last
        point = base / 100  # one percentage point of the share's base, in dollars
        which = "minimum" if side == "min_share" else "maximum"
        return (
            f"Raising this {which} share by one percentage point (about {dollars(round(point))}) "
            f"{_effect(price * point, objective)}."
        )
    sentences = {
        "min": "Raising this floor by $1 {effect}.",
        "max": "Raising this cap by $1 {effect}.",
        "available": "One more dollar in this fund {effect}.",
        "spend_all": "Requiring this fund to spend $1 more {effect}.",
    }
    return sentences[side].format(effect=_effect(price, objective))


def unallocated_messages(
    grid: Grid, binding_rows: Sequence[Constraint], values: Sequence[float], amounts: Sequence[int]
) -> list[str]:
    """For each fund that keeps a dollar or more: how much, and what stops its cells taking it."""
    problem = grid.problem
    capped_cells = {c.id for c in binding_rows if c.kind == "cell_max"}
    ceilings = [c for c in binding_rows if c.kind == "rule" and c.side in ("max", "max_share")]
    held_by = {c.id: set(c.parts[0].total.pairs) for c in ceilings}  # the matching pairs come first
    messages = []
    for f, fund in enumerate(problem.funds):
        pairs = grid.funds[f].pairs
        left = fund.available - sum(amounts[p] for p in pairs)
        if left < 1 or fund.spend == "all":  # a spend-all fund short of available is a breach, said elsewhere
            continue
        if not pairs:
            messages.append(f"{dollars(left)} of {fund.label} is left unallocated: no cell is eligible for it.")
            continue
        at_max = earn_nothing = other = 0
        rules: set[str] = set()
        for p in pairs:
            c = grid.pairs[p].cell
            cell = problem.cells[c]
            holding = {rule_id for rule_id, members in held_by.items() if p in members}
            if cell.id in capped_cells:
                at_max += 1
            elif holding:
                rules |= holding
            elif not _gains_from_more(problem.objective, cell, grid.cells[c].of(values)):
                earn_nothing += 1
            else:
                other += 1
        reasons = [
            f"{at_max} eligible cell(s) are at their maximum" if at_max else "",
            f"{earn_nothing} {_saturated(problem.objective)}" if earn_nothing else "",
            f"rules {', '.join(sorted(rules))} are at their limit" if rules else "",
            f"{other} cell(s) are held by other constraints" if other else "",
        ]
        messages.append(
            f"{dollars(left)} of {fund.label} is left unallocated, because spending it would not "
            f"improve the objective: {'; '.join(r for r in reasons if r)}."
        )
    return messages


def _gains_from_more(objective: str, cell: Cell, total: float) -> bool:
    """Would one more dollar in this cell improve the objective?"""
    if objective == "targets":
        return cell.target is not None and cell.penalty > 0 and total < float(cell.target) - 0.5
    return any(
        segment.weight > 0 and (segment.upto is None or total < float(segment.upto) - 0.5) for segment in cell.value
    )


def _saturated(objective: str) -> str:
    if objective == "targets":
        return "eligible cell(s) are at or above their target, or have none"
    return "eligible cell(s) earn nothing more (past their last valued segment, or no value)"


def input_notes(grid: Grid) -> list[str]:
    """Things in the input that are allowed but probably not meant."""
    problem = grid.problem
    notes = [
        f"Fund {fund.id} is eligible for no cell." for f, fund in enumerate(problem.funds) if not grid.funds[f].pairs
    ]
    notes += [
        f"Rule {rule.id} matches no (cell, fund) pair; check its where."
        for rule, totals in zip(problem.rules, grid.rules, strict=True)
        if not totals.matching.pairs
    ]
    if problem.objective == "targets" and all(cell.target is None for cell in problem.cells):
        notes.append("The objective is targets, but no cell has a target: any feasible allocation is optimal.")
    return notes


def breach_message(breach: Breach) -> str:
    constraint = breach.constraint
    return (
        f"After rounding to whole dollars, {constraint.kind.replace('_', ' ')} {constraint.id} "
        f"({constraint.side}) misses its bound by {dollars(breach.off)}."
    )
