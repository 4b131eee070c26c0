"""Building an allocation problem (allocation-problem/1) from a plan scenario.

The grid is region × priority (× program type on request); the funds are the
program appropriations of the scenario's budget year, less what the scenario
already spends from them outside the grid and less what awards already claim
(their funding lines: the mortgage on this year, which the allocation keeps); directives become rules; the
settings add floors, caps, shares and weights. Weights default from the TIP
Report: a region with more Tier 2 Watch List and Tier 3 countries gets more
value per dollar.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import sqlalchemy as sa

from models import (
    Appropriation,
    BudgetLine,
    Country,
    CountryTier,
    FundsCategory,
    LineSource,
    ObjectClass,
    Priority,
    ProgramType,
    Region,
    Scenario,
    ScenarioKind,
    db,
)
from money import format_dollars
from services import inputs

PROGRAM_OBJECT_CLASS = "41.0"  # grants, subsidies and contributions
NEEDY_TIERS = ("Tier 2 Watch List", "Tier 3")
# Value per dollar before the region's need: protection first, as most offices weigh it.
PRIORITY_WEIGHTS = {
    "protection": Decimal("1.2"),
    "prosecution": Decimal("1.0"),
    "prevention": Decimal("1.0"),
    "partnership": Decimal("0.8"),
}
# Diminishing returns, in multiples of an even share of the money: the full weight up to
# half an even share, 60% of it up to a whole share, 35% up to two shares, 15% beyond.
# Breakpoints below the even share make the weights trade off against each other.
SEGMENTS = (
    (Decimal("0.5"), Decimal(1)),
    (Decimal(1), Decimal("0.6")),
    (Decimal(2), Decimal("0.35")),
    (None, Decimal("0.15")),
)


class Objective(enum.StrEnum):
    """What the allocation makes best (allocation-problem/1's `objective`)."""

    VALUE = "value"
    TARGETS = "targets"

    @property
    def label(self) -> str:
        return {
            "value": "Most value: diminishing returns by weight",
            "targets": "Closest to targets: last year's amounts",
        }[self.value]


# The limits of the settings given by region, priority or cell (the page asks for one field each).
LEAST_AMOUNT = 0  # a region's floor or cap, in whole dollars
SHARES = (Decimal(0), Decimal(1))  # a priority's least or most share of the program funds
WEIGHTS = (Decimal(0), Decimal(1000))  # value per dollar of a region × priority


@dataclass(frozen=True)
class AllocationSettings:
    """What a resource manager chooses on the Allocation page (stored with each run)."""

    objective: Objective = inputs.choice("Objective", Objective, default=Objective.VALUE)
    by_program_type: bool = inputs.boolean("Split each region and priority by program type", default=False)
    spend_all: bool = inputs.boolean("Allocate every dollar of each appropriation", default=True)
    replace_program_lines: bool = inputs.boolean(
        "Replace the scenario's program lines (object class 41.0) on these appropriations", default=True
    )
    include_directives: bool = inputs.boolean("Honour the appropriations' directives", default=True)
    time_limit_s: int = inputs.integer("Time limit (seconds)", minimum=1, maximum=120, default=20)
    region_floors: dict[str, int] = field(default_factory=dict)  # region code → whole dollars
    region_caps: dict[str, int] = field(default_factory=dict)
    priority_min_shares: dict[str, str] = field(default_factory=dict)  # priority code → "0.30"
    priority_max_shares: dict[str, str] = field(default_factory=dict)
    weights: dict[str, str] = field(default_factory=dict)  # "AF/protection" → value per dollar

    def __post_init__(self):
        object.__setattr__(self, "objective", Objective(self.objective))  # given as its value, as stored

    def to_json(self) -> dict:
        return asdict(self) | {"objective": self.objective.value}

    @classmethod
    def from_json(cls, data: dict | None) -> AllocationSettings:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in (data or {}).items() if key in known})


def fund_id(appropriation: Appropriation) -> str:
    return f"{appropriation.account_code}-FY{appropriation.fiscal_year}"


def program_appropriations(scenario: Scenario) -> list[Appropriation]:
    """Foreign-assistance appropriations of the scenario's budget year (new money to allocate)."""
    return list(
        db.session.scalars(
            sa.select(Appropriation)
            .where(
                Appropriation.fiscal_year == scenario.budget_year,
                Appropriation.category == FundsCategory.FOREIGN_ASSISTANCE,
            )
            .order_by(Appropriation.account_code)
        )
    )


def program_object_class_id() -> int:
    """The id of object class 41.0, where program money lives."""
    return db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == PROGRAM_OBJECT_CLASS))


def lines_replaced_on_apply(scenario: Scenario, settings: AllocationSettings, appropriation_ids: list[int]):
    """The condition on the scenario's lines that applying a run replaces."""
    replaced = BudgetLine.source == LineSource.ALLOCATION
    if settings.replace_program_lines:
        # Awards are made: their lines are the mortgage, never replaced by a plan.
        program = sa.and_(
            BudgetLine.object_class_id == program_object_class_id(), BudgetLine.source != LineSource.AWARD
        )
        replaced = sa.or_(replaced, program)
    return sa.and_(BudgetLine.scenario_id == scenario.id, BudgetLine.appropriation_id.in_(appropriation_ids), replaced)


def spoken_for_cents(scenario: Scenario, settings: AllocationSettings, appropriation: Appropriation) -> int:
    """What the scenario spends from the appropriation on lines the allocation leaves alone."""
    kept = sa.not_(lines_replaced_on_apply(scenario, settings, [appropriation.id]))
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
            BudgetLine.scenario_id == scenario.id, BudgetLine.appropriation_id == appropriation.id, kept
        )
    )
    return int(total)


def awarded_cents(scenario: Scenario, appropriation: Appropriation) -> int:
    """The part of what is spoken for that awards already claim (the mortgage on this year)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
            BudgetLine.scenario_id == scenario.id,
            BudgetLine.appropriation_id == appropriation.id,
            BudgetLine.source == LineSource.AWARD,
        )
    )
    return int(total)


def _fund_label(scenario: Scenario, appropriation: Appropriation) -> str:
    label = f"{appropriation.label} ({appropriation.title})"
    awarded = awarded_cents(scenario, appropriation)
    if awarded:
        label += f", less {format_dollars(awarded)} already awarded"
    return label


def _whole_dollars(cents: int, *, up: bool = False) -> int:
    """The planner solves in whole dollars: money to spend rounds down, a legal minimum up (so it holds)."""
    return int((Decimal(cents) / 100).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR))


def region_need() -> dict[str, Decimal]:
    """1 + the share of the region's countries on the Tier 2 Watch List or Tier 3 (latest report)."""
    latest = db.session.scalar(sa.select(sa.func.max(CountryTier.report_year)))
    rows = db.session.execute(
        sa.select(
            Region.code,
            sa.func.count(Country.id),
            sa.func.count(CountryTier.id).filter(CountryTier.tier.in_(NEEDY_TIERS)),
        )
        .select_from(Region)
        .outerjoin(Country, Country.region_id == Region.id)
        .outerjoin(CountryTier, sa.and_(CountryTier.country_id == Country.id, CountryTier.report_year == latest))
        .group_by(Region.code)
    )
    return {
        code: Decimal(1) + (Decimal(needy) / countries if countries else Decimal(0)) for code, countries, needy in rows
    }


def default_weights() -> dict[str, str]:
    need = region_need()
    priorities = [p.code for p in db.session.scalars(sa.select(Priority).order_by(Priority.sort_order))]
    return {
        f"{region}/{priority}": str((factor * PRIORITY_WEIGHTS.get(priority, Decimal(1))).quantize(Decimal("0.01")))
        for region, factor in sorted(need.items())
        for priority in priorities
    }


def _prior_year_amounts(scenario: Scenario, by_program_type: bool) -> dict[tuple, int]:
    """Program amounts by cell in the scenario this one is based on (else the latest enacted)."""
    base = scenario.based_on or db.session.scalar(
        sa.select(Scenario)
        .where(Scenario.kind == ScenarioKind.ENACTED, Scenario.id != scenario.id)
        .order_by(Scenario.budget_year.desc())
        .limit(1)
    )
    if base is None:
        return {}
    columns = [Region.code, Priority.code] + ([ProgramType.code] if by_program_type else [])
    query = (
        sa.select(*columns, sa.func.sum(BudgetLine.amount_cents))
        .join(Region, BudgetLine.region_id == Region.id)
        .join(Priority, BudgetLine.priority_id == Priority.id)
        .where(BudgetLine.scenario_id == base.id, BudgetLine.object_class_id == program_object_class_id())
        .group_by(*columns)
    )
    if by_program_type:
        query = query.join(ProgramType, BudgetLine.program_type_id == ProgramType.id)
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(query)}


def needs_program_types(appropriations: list[Appropriation], settings: AllocationSettings) -> bool:
    return settings.include_directives and any(
        "program_type" in directive.where for a in appropriations for directive in a.directives
    )


def build_problem(scenario: Scenario, settings: AllocationSettings) -> dict:
    """The allocation-problem/1 document for the scenario and settings."""
    appropriations = program_appropriations(scenario)
    if needs_program_types(appropriations, settings) and not settings.by_program_type:
        settings = replace(settings, by_program_type=True)  # a directive names program types: the grid must too
    regions = [r.code for r in db.session.scalars(sa.select(Region).order_by(Region.code))]
    priorities = [p.code for p in db.session.scalars(sa.select(Priority).order_by(Priority.sort_order))]
    program_types = (
        [t.code for t in db.session.scalars(sa.select(ProgramType).order_by(ProgramType.code))]
        if settings.by_program_type
        else [None]
    )
    funds = [
        {
            "id": fund_id(a),
            "label": _fund_label(scenario, a),
            "available": max(_whole_dollars(a.allotted_cents - spoken_for_cents(scenario, settings, a)), 0),
            "spend": "all" if settings.spend_all else "up_to",
        }
        for a in appropriations
    ]
    total_available = sum(f["available"] for f in funds)
    cell_count = len(regions) * len(priorities) * len(program_types)
    even_share = max(total_available // max(cell_count, 1), 1)
    weights = default_weights() | settings.weights
    prior = _prior_year_amounts(scenario, settings.by_program_type) if settings.objective == Objective.TARGETS else {}
    cells = []
    for region in regions:
        for priority in priorities:
            for program_type in program_types:
                key = {"region": region, "priority": priority}
                if program_type is not None:
                    key["program_type"] = program_type
                weight = Decimal(weights.get(f"{region}/{priority}", "1"))
                cell: dict = {
                    "key": key,
                    "value": [
                        {"upto": None if upto is None else int(even_share * upto), "weight": float(weight * factor)}
                        for upto, factor in SEGMENTS
                    ],
                }
                if settings.objective == Objective.TARGETS:
                    cell["target"] = _whole_dollars(prior.get(tuple(v for v in key.values()), 0))
                cells.append(cell)
    return {
        "format": "allocation-problem/1",
        "name": f"{scenario.name}: program funds by region and priority",
        "objective": settings.objective.value,
        "cells": cells,
        "funds": funds,
        "rules": _rules(appropriations, settings),
        "options": {"time_limit_s": settings.time_limit_s},
    }


def _rules(appropriations: list[Appropriation], settings: AllocationSettings) -> list[dict]:
    rules = []
    if settings.include_directives:
        for appropriation in appropriations:
            for directive in appropriation.directives:
                rule = {
                    "id": f"directive-{directive.id}",
                    "label": f"{directive.label} ({appropriation.label})",
                    "where": {**directive.where, "fund": [fund_id(appropriation)]},
                }
                if directive.min_cents is not None:
                    rule["min"] = _whole_dollars(directive.min_cents, up=True)
                if directive.max_cents is not None:
                    rule["max"] = _whole_dollars(directive.max_cents)
                rules.append(rule)
    for region, amount in sorted(settings.region_floors.items()):
        rules.append(
            {
                "id": f"floor-{region}",
                "label": f"Not less than ${amount:,} for {region}",
                "where": {"region": [region]},
                "min": amount,
            }
        )
    for region, amount in sorted(settings.region_caps.items()):
        rules.append(
            {
                "id": f"cap-{region}",
                "label": f"No more than ${amount:,} for {region}",
                "where": {"region": [region]},
                "max": amount,
            }
        )
    for priority in sorted(set(settings.priority_min_shares) | set(settings.priority_max_shares)):
        rule: dict = {"id": f"share-{priority}", "where": {"priority": [priority]}}
        low, high = settings.priority_min_shares.get(priority), settings.priority_max_shares.get(priority)
        if low is not None:
            rule["min_share"] = float(Decimal(low))
        if high is not None:
            rule["max_share"] = float(Decimal(high))
        bounds = " and ".join(
            part
            for part in (f"at least {Decimal(low):.0%}" if low else "", f"at most {Decimal(high):.0%}" if high else "")
            if part
        )
        rule["label"] = f"{priority.capitalize()}: {bounds} of the program funds"
        rules.append(rule)
    return rules
