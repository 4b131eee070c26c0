"""The LP the solver sees, in units of ``scale`` dollars.

Each cell's total is split into pieces, one per stretch of its objective (a value
segment; the shortfall below a target and the excess above it), filled in order because
the objective is concave (convex for targets). Cutting the pieces at the cell's ``max``
makes that cap a bound instead of a row.

Cells that no constraint tells apart form a group (grid.py): the solver sees one
variable per (group, fund) and one row per group, "its cells' pieces add up to what its
funds give". That is exact: every fund and rule sums whole groups, and the best way to
share a group's money among its cells is what its pieces say. After the solve each
group's money is spread back over its cells' (cell, fund) pairs.

Rules act on shared sums (what a rule matches, the base of a share), each one a variable
defined once, so that no long row repeats. Measured on the 37,600-cell benchmark: 987 rows
and 121,000 nonzeros against 75,600 and 1.1 million for the plain pair-by-pair model,
and HiGHS in under a second instead of about 15.

Solving in thousands (or more) of dollars keeps the numbers near 1e4, where the solvers'
tolerances mean something; amounts return to dollars at the edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple

from planner.allocation.constraints import ZERO, Constraint
from planner.allocation.grid import Grid, Total
from planner.allocation.problem import Cell, Problem
from planner.deadline import Deadline
from planner.lp import INF, LinearProgram, Solution

# A dollar that earns nothing costs this much (weights scaled to at most 1), so that
# among equally good allocations the solver leaves idle money unallocated rather
# than parking it in a cell past its valued range. CBC does park it otherwise.
TIE_BREAK = 1e-6
_DUST = 1e-7  # dollars: what is left of a need or a gift after spreading is float noise

Piece = tuple[Decimal | None, float]  # (width in dollars, None = no end; objective per dollar)


def choose_scale(problem: Problem) -> int:
    """A power of ten that brings the largest amount in the problem down to about 1e4."""
    amounts = [fund.available for fund in problem.funds]
    for cell in problem.cells:
        amounts += [cell.min, cell.max or 0, cell.target or 0]
        amounts += [segment.upto for segment in cell.value if segment.upto is not None]
    for rule in problem.rules:
        amounts += [rule.min or 0, rule.max or 0]
    largest = max(amounts, default=Decimal(0))
    return 10 ** max(0, largest.adjusted() - 4) if largest > 0 else 1


class Model(NamedTuple):
    prob: LinearProgram
    grid: Grid
    gifts: dict[tuple[int, int], int]  # (group, fund) -> the column of what the fund gives the group
    pieces: dict[int, range]  # cell -> its pieces' columns, in order
    rows: dict[str, int]  # constraint name -> its row
    caps: dict[str, int]  # cell_max constraint name -> the column of the piece its cap bounds
    objective: list[tuple[int, float]]  # the objective as stated, without the tie-break
    constant: float  # and its constant
    scale: int  # dollars per model unit
    weight_scale: float  # objective per model weight unit: the largest weight or penalty

    def pair_values(self, solution: Solution) -> list[float]:
        """The solution per (cell, fund) pair, in dollars (the solver's floats, not rounded)."""
        solved = solution.values
        values = [0.0] * len(self.grid.pairs)
        for g, group in enumerate(self.grid.groups):
            needs = [
                sum(solved[own.start : own.stop]) * self.scale for own in map(self.pieces.__getitem__, group.cells)
            ]
            gifts = [solved[self.gifts[g, f]] * self.scale for f in group.funds]
            for i, j, amount in spread(needs, gifts):
                values[self.grid.cells[group.cells[i]].pairs[j]] = amount  # a cell's pairs are in fund order
        return values

    def objective_value(self, solution: Solution) -> float:
        return solution.value(self.objective, self.constant) * self.scale * self.weight_scale


def spread(needs: Sequence[float], gifts: Sequence[float]) -> Iterator[tuple[int, int, float]]:
    """(cell, fund, amount): each fund's gift goes to the cells in order until each has
    what it needs (the north-west corner rule: the fewest pairs, so the fewest fractions)."""
    i = j = 0
    need, gift = (needs[0] if needs else 0.0), (gifts[0] if gifts else 0.0)
    while i < len(needs) and j < len(gifts):
        amount = min(need, gift)
        if amount > 0:
            yield i, j, amount
        need, gift = need - amount, gift - amount
        if need <= _DUST:
            i += 1
            need = needs[i] if i < len(needs) else 0.0
        if gift <= _DUST:
            j += 1
            gift = gifts[j] if j < len(gifts) else 0.0


def build_model(grid: Grid, constraints: Sequence[Constraint], scale: int, deadline: Deadline | None = None) -> Model:
    problem = grid.problem
    lp = LinearProgram("allocation", maximise=problem.objective == "value")
    gifts = add_gift_variables(lp, grid)
    pieces_of = value_pieces if problem.objective == "value" else target_pieces
    cell_pieces = [pieces_of(cell) for cell in problem.cells]
    # Weights are divided by the largest so that the tie-break below means the same
    # thing in every problem and stays above the solvers' tolerance (1e-7).
    weight_scale = max((abs(w) for pieces, _ in cell_pieces for _, w in pieces), default=0.0) or 1.0
    tie_break = TIE_BREAK if problem.objective == "targets" else -TIE_BREAK
    objective: list[tuple[int, float]] = []
    idle: list[tuple[int, float]] = []  # pieces that earn nothing
    piece_columns: dict[int, range] = {}
    caps: dict[str, int] = {}
    cells = problem.cells
    for g, group in enumerate(grid.groups):
        # The group's pieces, cell after cell, made as columns in one go.
        names: list[str] = []
        widths: list[float] = []
        weights: list[float] = []
        ends: list[int] = []  # where each cell's pieces end in the lists above
        for c in group.cells:
            if deadline is not None and c % 1024 == 0:
                deadline.check()
            # One plain loop: three comprehensions a cell cost a tenth of the model's time.
            prefix = f"piece_{c}_"
            for k, (width, weight) in enumerate(capped(cell_pieces[c][0], cells[c].max)):
                names.append(prefix + str(k))
                widths.append(INF if width is None else float(width) / scale)
                weights.append(weight)
            ends.append(len(names))
        columns = lp.columns(names, widths)
        start = columns.start
        for c, end in zip(group.cells, ends, strict=True):
            piece_columns[c] = range(start, columns.start + end)
            start = columns.start + end
            if cells[c].max is not None:
                caps[f"cell_max_{c}"] = start - 1
        for j, weight in zip(columns, weights, strict=True):
            if weight:
                objective.append((j, weight / weight_scale))
            else:
                idle.append((j, tie_break))
        # The group's cells' pieces add up to what its funds give it.
        row = [(gifts[g, f], -1.0) for f in group.funds] + [(j, 1.0) for j in columns]
        lp.row(f"group_{g}", row, "==", 0.0)
    sums = SumVariables(lp, grid, gifts)
    rows = {}
    for constraint in constraints:
        if constraint.kind == "cell_max":
            continue  # a bound on the cell's last piece
        terms = sums.expression(constraint)
        rows[constraint.name] = lp.row(constraint.name, terms, constraint.sense, float(constraint.rhs) / scale)
    # penalty * target for every cell with a target, those no fund may pay for included.
    constant = sum(offset for _, offset in cell_pieces) / scale / weight_scale
    lp.set_objective(objective + idle)
    return Model(lp, grid, gifts, piece_columns, rows, caps, objective, constant, scale, weight_scale)


def add_gift_variables(lp: LinearProgram, grid: Grid) -> dict[tuple[int, int], int]:
    """One column per (group, fund): what the fund gives the group's cells together."""
    return {(g, f): lp.column(f"gift_{g}_{f}") for g, group in enumerate(grid.groups) for f in group.funds}


class SumVariables:
    """Rows over sums of pairs, written over the (group, fund) columns.

    A sum that rules share (what a rule matches, the base of a share) becomes one
    column, defined by a row the first time a constraint asks for it.
    """

    def __init__(self, lp: LinearProgram, grid: Grid, gifts: dict[tuple[int, int], int]) -> None:
        group_of = {c: g for g, group in enumerate(grid.groups) for c in group.cells}
        self.lp = lp
        self.gift_of_pair = [gifts[group_of[pair.cell], pair.fund] for pair in grid.pairs]
        self.made: dict[str, int] = {}

    def terms(self, total: Total) -> list[int]:
        """The (group, fund) columns a sum of pairs adds up: each sums a whole group or none of it."""
        return list(dict.fromkeys(map(self.gift_of_pair.__getitem__, total.pairs)))

    def expression(self, constraint: Constraint) -> list[tuple[int, float]]:
        """The constraint's left-hand side: a rule's over sum columns, a fund's or a floor's directly."""
        if constraint.kind == "rule":
            return _merged([(self[part.total], float(part.coefficient)) for part in constraint.parts])
        (part,) = constraint.parts
        coefficient = float(part.coefficient)
        return [(j, coefficient) for j in self.terms(part.total)]

    def __getitem__(self, total: Total) -> int:
        if total.name not in self.made:
            j = self.lp.column(f"sum_{total.name}")
            row = [(j, 1.0)] + [(gift, -1.0) for gift in self.terms(total)]
            self.lp.row(f"sum_{total.name}", row, "==", 0.0)
            self.made[total.name] = j
        return self.made[total.name]


def _merged(terms: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Terms on the same column added up, in first-seen order (as an expression keeps them)."""
    merged: dict[int, float] = {}
    for j, value in terms:
        merged[j] = merged.get(j, 0.0) + value
    return list(merged.items())


def value_pieces(cell: Cell) -> tuple[list[Piece], float]:
    """The segments that earn something, then an unvalued rest (weights never increase)."""
    pieces: list[Piece] = []
    start = ZERO
    for upto, weight in cell.value:
        if weight <= ZERO:
            break
        pieces.append((None if upto is None else upto - start, float(weight)))
        if upto is None:
            return pieces, 0.0
        start = upto
    return [*pieces, (None, 0.0)], 0.0


def target_pieces(cell: Cell) -> tuple[list[Piece], float]:
    """penalty * |total - target| = penalty * target - penalty * (up to target) + penalty * (beyond)."""
    if cell.target is None or cell.penalty == 0:
        return [(None, 0.0)], 0.0
    penalty = float(cell.penalty)
    return [(cell.target, -penalty), (None, penalty)], penalty * float(cell.target)


def capped(pieces: Sequence[Piece], cap: Decimal | None) -> list[Piece]:
    """The pieces cut off at ``cap``, so that their widths add up to it.

    The last piece is the one just above the cap, cut to what is left of it (perhaps
    nothing): its reduced cost is then the price of raising the cap by a dollar.
    """
    if cap is None:
        return [piece for piece in pieces if piece[0] != 0]
    cut: list[Piece] = []
    start = ZERO
    for width, weight in pieces:
        if width == ZERO:
            continue
        room = cap - start
        if width is not None and width <= room:
            cut.append((width, weight))
            start += width
            continue
        cut.append((room, weight))
        break
    return cut  # the last piece has no end, so the loop always reaches the cap
