"""Making room in a plan for awards: lowering its planned program lines, the awards' cells first.

A plan usually spends its whole program appropriation on planned 41.0 lines by
region and priority; awards made from a notice are part of that money, not more
of it. So when awards would overdraw a plan, the planned program lines of the
same appropriation give way: first those in each award's own region and priority,
then the rest in proportion to their amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import sqlalchemy as sa

from models import Appropriation, BudgetLine, LineSource, LineStage, Scenario, db
from services.allocation.problems import program_object_class_id

Cell = tuple[int | None, int | None]  # (region id, priority id)


class Lowerable(Protocol):
    """A budget line, or its amount on paper (a preview of what would give way)."""

    id: int
    region_id: int | None
    priority_id: int | None
    amount_cents: int


def planned_program_lines(scenario: Scenario, appropriation: Appropriation) -> list[BudgetLine]:
    """The lines that may give way: planned (not committed or obligated), 41.0, not an award's own."""
    program_class = program_object_class_id()
    return list(
        db.session.scalars(
            sa.select(BudgetLine)
            .where(
                BudgetLine.scenario_id == scenario.id,
                BudgetLine.appropriation_id == appropriation.id,
                BudgetLine.object_class_id == program_class,
                BudgetLine.stage == LineStage.PLANNED,
                BudgetLine.source != LineSource.AWARD,
            )
            .order_by(BudgetLine.id)
        )
    )


def lower_lines(lines: Sequence[Lowerable], cents: int) -> int:
    """Lower the lines in proportion to their amounts by up to `cents`; returns how much was taken."""
    available = sum(line.amount_cents for line in lines)
    take = min(cents, available)
    if take <= 0:
        return 0
    remaining = take
    by_size = sorted(lines, key=lambda line: (-line.amount_cents, line.id or 0))
    for line in by_size:
        share = min(line.amount_cents, take * line.amount_cents // available, remaining)
        line.amount_cents -= share
        remaining -= share
    for line in by_size:  # what rounding down left over
        step = min(line.amount_cents, remaining)
        line.amount_cents -= step
        remaining -= step
    return take


def make_room(lines: Sequence[Lowerable], claims: dict[Cell, int], cents: int) -> int:
    """Take up to `cents` from `lines`: from each claim's cell up to its amount, then from all of
    them. Returns how much was taken (less than `cents` when the lines hold too little)."""
    taken = 0
    for cell, claim in sorted(claims.items(), key=lambda item: (-item[1], str(item[0]))):
        if taken >= cents:
            break
        same_cell = [line for line in lines if (line.region_id, line.priority_id) == cell]
        taken += lower_lines(same_cell, min(claim, cents - taken))
    return taken + lower_lines(lines, cents - taken)
