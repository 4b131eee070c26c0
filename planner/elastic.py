"""When no allocation satisfies every rule: the relaxation of least total dollars.

The elastic model keeps the pair variables and every row, gives each relaxable row a
non-negative slack (in dollars, share rules included), and minimises the total slack.
A fund's ``available`` and non-negativity stay hard, so the elastic model is always
feasible: with every amount at zero, only floors and spend-all funds fall short.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pulp

from planner.constraints import Constraint, Part
from planner.deadline import Deadline
from planner.grid import Grid
from planner.model import SENSES
from planner.result import Conflict
from planner.solvers import Backend, Outcome, run

# The slack moves the row's left-hand side the way the relaxation allows.
_SLACK_SIGN = {">=": 1.0, "==": 1.0, "<=": -1.0}
_SNAP = 0.01  # dollars: a relaxation this close to a whole dollar is that dollar


def least_relaxation(
    grid: Grid, constraints: Sequence[Constraint], scale: int, backend: Backend, deadline: Deadline
) -> list[Conflict] | None:
    """The rows to relax and by how much; None when the time ran out first."""
    prob = pulp.LpProblem("elastic", pulp.LpMinimize)
    pair_vars = add_pair_variables(prob, grid)
    slacks: dict[str, pulp.LpVariable] = {}
    for constraint in constraints:
        expr = pairs_expression(constraint.parts, pair_vars)
        if constraint.relaxable:
            slack = prob.add_variable(f"relax_{constraint.name}", lowBound=0)
            expr.addterm(slack, _SLACK_SIGN[constraint.sense])
            slacks[constraint.name] = slack
        prob.addConstraint(
            pulp.LpConstraint(expr, SENSES[constraint.sense], constraint.name, float(constraint.rhs) / scale)
        )
    prob.setObjective(pulp.LpAffineExpression([(slack, 1.0) for slack in slacks.values()]))
    if run(prob, backend, deadline).outcome is not Outcome.OPTIMAL:
        return None  # the elastic model is always feasible: only the time can stop it
    conflicts = []
    for constraint in constraints:
        slack = slacks.get(constraint.name)
        relaxed = _whole((slack.varValue or 0.0) * scale) if slack is not None else 0
        if relaxed > 0:
            conflicts.append(Conflict(constraint.id, constraint.kind, constraint.label, constraint.side, relaxed))
    return conflicts


def add_pair_variables(prob: pulp.LpProblem, grid: Grid) -> tuple[pulp.LpVariable, ...]:
    return tuple(prob.add_variable(f"x_{pair.cell}_{pair.fund}", lowBound=0) for pair in grid.pairs)


def pairs_expression(parts: Sequence[Part], pair_vars: Sequence[pulp.LpVariable]) -> pulp.LpAffineExpression:
    """A row over the pairs themselves. Built from a list: several times faster than lpSum."""
    coefficients: dict[int, float] = {}
    for part in parts:
        coefficient = float(part.coefficient)
        for p in part.total.pairs:  # a share's matching pairs are in its base too: they add up
            coefficients[p] = coefficients.get(p, 0.0) + coefficient
    return pulp.LpAffineExpression([(pair_vars[p], c) for p, c in coefficients.items() if c])


def _whole(dollars: float) -> int:
    """Whole dollars, rounding a real fraction up so that the relaxation is enough."""
    nearest = round(dollars)
    return int(nearest) if abs(dollars - nearest) < _SNAP else math.ceil(dollars)
