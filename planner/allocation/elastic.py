"""When no allocation satisfies every rule: the relaxation of least total dollars.

The elastic model keeps every row, gives each relaxable row a non-negative slack (in
dollars, share rules included), and minimises the total slack. A fund's ``available``
and non-negativity stay hard, so the elastic model is always feasible: with every
amount at zero, only floors and spend-all funds fall short.

It works on the same groups of cells as the model (grid.py). Within a group only the
cells' caps tell the cells apart, so the group's total may exceed the sum of its caps
by the relaxation, which is then laid on its first capped cell: any split costs the
same, and one cap is the simplest to act on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from planner.allocation.constraints import Constraint
from planner.allocation.grid import Grid
from planner.allocation.model import SumVariables, add_gift_variables
from planner.allocation.result import Conflict
from planner.deadline import Deadline
from planner.lp import LinearProgram
from planner.solvers import Backend, Outcome, run

# The slack moves the row's left-hand side the way the relaxation allows.
_SLACK_SIGN = {">=": 1.0, "==": 1.0, "<=": -1.0}
_SNAP = 0.01  # dollars: a relaxation this close to a whole dollar is that dollar


def least_relaxation(
    grid: Grid, constraints: Sequence[Constraint], scale: int, backend: Backend, deadline: Deadline
) -> list[Conflict] | None:
    """The rows to relax and by how much; None when the time ran out first."""
    lp = LinearProgram("elastic", maximise=False)
    gifts = add_gift_variables(lp, grid)
    sums = SumVariables(lp, grid, gifts)
    caps = {c.name: c for c in constraints if c.kind == "cell_max"}
    slacks: dict[str, int] = {}  # constraint name -> its slack's column
    for constraint in constraints:
        if constraint.kind == "cell_max":
            continue  # by group, below
        terms = sums.expression(constraint)
        if constraint.relaxable:
            slacks[constraint.name] = lp.column(f"relax_{constraint.name}")
            terms.append((slacks[constraint.name], _SLACK_SIGN[constraint.sense]))
        lp.row(constraint.name, terms, constraint.sense, float(constraint.rhs) / scale)
    for g, group in enumerate(grid.groups):
        group_caps = [caps[f"cell_max_{c}"] for c in group.cells if f"cell_max_{c}" in caps]
        if len(group_caps) < len(group.cells):
            continue  # a cell without a cap takes whatever the group gets
        first = group_caps[0]
        slacks[first.name] = lp.column(f"relax_group_{g}")
        row = [(gifts[g, f], 1.0) for f in group.funds] + [(slacks[first.name], -1.0)]
        room = sum(cap.rhs for cap in group_caps)
        lp.row(f"caps_{g}", row, "<=", float(room) / scale)
    lp.set_objective((slack, 1.0) for slack in slacks.values())
    solved = run(lp, backend, deadline)
    if solved.outcome is not Outcome.OPTIMAL:
        return None  # the elastic model is always feasible: only the time can stop it
    conflicts = []
    for constraint in constraints:
        slack = slacks.get(constraint.name)
        relaxed = _whole(solved.solution.values[slack] * scale) if slack is not None else 0
        if relaxed > 0:
            conflicts.append(Conflict(constraint.id, constraint.kind, constraint.label, constraint.side, relaxed))
    return conflicts


def _whole(dollars: float) -> int:
    """Whole dollars, rounding a real fraction up so that the relaxation is enough."""
    nearest = round(dollars)
    return int(nearest) if abs(dollars - nearest) < _SNAP else math.ceil(dollars)
