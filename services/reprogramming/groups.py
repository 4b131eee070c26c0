"""Groups of a scenario's lines on one appropriation, named by dimensions: what a reprogramming moves.

A group is a dict of dimension → record id ({"region": 3, "priority": 2}); the program, project or
activity of 22 U.S.C. 2706 is whatever group the office names. Its base is the group's amount in the
scenario now: the operating plan as executed reprogrammings have changed it (they write the
scenario's lines), so the year's moves into and out of a group add up in its base.
"""

from __future__ import annotations

import sqlalchemy as sa

from models import BudgetLine, Country, Division, ObjectClass, Priority, ProgramType, Region, db

# The dimensions a group may name, in the order its words say them, with their model and line column.
DIMENSIONS: dict[str, type] = {
    "priority": Priority,
    "program_type": ProgramType,
    "region": Region,
    "country": Country,
    "division": Division,
    "object_class": ObjectClass,
}
COLUMNS = {
    "priority": BudgetLine.priority_id,
    "program_type": BudgetLine.program_type_id,
    "region": BudgetLine.region_id,
    "country": BudgetLine.country_id,
    "division": BudgetLine.division_id,
    "object_class": BudgetLine.object_class_id,
}


def in_group(group: dict[str, int]) -> list[sa.ColumnElement[bool]]:
    return [COLUMNS[dimension] == record_id for dimension, record_id in group.items()]


def group_lines(scenario_id: int, appropriation_id: int, group: dict[str, int]) -> list[BudgetLine]:
    """The scenario's lines on the appropriation in the group, in id order."""
    return list(
        db.session.scalars(
            sa.select(BudgetLine)
            .where(
                BudgetLine.scenario_id == scenario_id,
                BudgetLine.appropriation_id == appropriation_id,
                *in_group(group),
            )
            .order_by(BudgetLine.id)
        )
    )


def group_base(scenario_id: int, appropriation_id: int, group: dict[str, int]) -> int:
    """The group's amount in the scenario, in cents: its base."""
    total = db.session.scalar(
        sa.select(sa.func.sum(BudgetLine.amount_cents)).where(
            BudgetLine.scenario_id == scenario_id,
            BudgetLine.appropriation_id == appropriation_id,
            *in_group(group),
        )
    )
    return int(total or 0)


def group_label(group: dict[str, int]) -> str:
    """The group in words: "Protection in WHA", "Prosecution (Bilateral) in Nigeria, RPA"."""
    names = {dimension: db.session.get(DIMENSIONS[dimension], record_id) for dimension, record_id in group.items()}
    words = [names["priority"].name] if "priority" in names else []
    if "program_type" in names:
        kind = names["program_type"].name
        words.append(f"({kind})" if words else kind)
    place = names.get("country") or names.get("region")
    if place is not None:
        where = place.name if "country" in names else place.code
        words.append(f"in {where}" if words else where)
    head = " ".join(words)
    tail = [names["division"].code] if "division" in names else []
    if "object_class" in names:
        tail.append(f"object class {names['object_class'].code}")
    return ", ".join(filter(None, [head, *tail])) or "All lines"


def overlap(from_group: dict[str, int], to_group: dict[str, int]) -> bool:
    """Whether a line can be in both groups: they agree on every dimension both name."""
    return all(to_group[dimension] == record_id for dimension, record_id in from_group.items() if dimension in to_group)
