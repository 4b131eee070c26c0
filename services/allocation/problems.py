"""Building an allocation problem (allocation-problem/1) from a plan scenario.

The grid is region × priority (× program type on request); the funds are the
program appropriations of the scenario's budget year, less what the scenario
already spends from them outside the grid and less what awards already claim
(their funding lines: the mortgage on this year, which the allocation keeps); directives become rules; the
settings add floors, caps, shares and weights. Weights default from the TIP
Report: a region with more Tier 2 Watch List and Tier 3 countries gets more
value per dollar.

The default objective is `targets`: each cell's target is last year's plan for it
(the base scenario's program lines other than awards, the lines an allocation stands
for), grown or cut to this year's money, leaning to the weighted priorities
(services/allocation/targets.py). `allocation_setup` is the one place that builds the
problem, and what the setup page shows about it: the money by appropriation, last
year's plan beside it and the rules in words, so the page and the run cannot disagree.
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
from services.allocation.targets import spread_targets

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

    TARGETS = "targets"
    VALUE = "value"

    @property
    def label(self) -> str:
        return {
            "targets": (
                "Closest to last year's plan, grown or cut to this year's money, leaning to the weighted priorities"
            ),
            "value": "Most value: diminishing returns by weight",
        }[self.value]


# The limits of the settings given by region, priority or cell (the page asks for one field each).
LEAST_AMOUNT = 0  # a region's floor or cap, in whole dollars
SHARES = (Decimal(0), Decimal(1))  # a priority's least or most share of the program funds
WEIGHTS = (Decimal(0), Decimal(1000))  # value per dollar of a region × priority


@dataclass(frozen=True)
class AllocationSettings:
    """What a resource manager chooses on the Allocation page (stored with each run)."""

    objective: Objective = inputs.choice("Objective", Objective, default=Objective.TARGETS)
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


def base_scenario(scenario: Scenario) -> Scenario | None:
    """Last year's plan: the scenario this one is based on, else the latest enacted one."""
    return scenario.based_on or db.session.scalar(
        sa.select(Scenario)
        .where(Scenario.kind == ScenarioKind.ENACTED, Scenario.id != scenario.id)
        .order_by(Scenario.budget_year.desc())
        .limit(1)
    )


def _last_year_lines(base: Scenario) -> sa.ColumnElement[bool]:
    """The base scenario's lines an allocation stands for: program lines (41.0) other than awards.
    Awards are left out on both sides: this year's are kept outside the grid, so last year's are too."""
    return sa.and_(
        BudgetLine.scenario_id == base.id,
        BudgetLine.object_class_id == program_object_class_id(),
        BudgetLine.source != LineSource.AWARD,
    )


def last_year_by_cell(scenario: Scenario, by_program_type: bool) -> dict[tuple, int] | None:
    """Last year's plan by cell, in cents (None when there is no last year's plan at all)."""
    base = base_scenario(scenario)
    if base is None:
        return None
    columns = [Region.code, Priority.code] + ([ProgramType.code] if by_program_type else [])
    query = (
        sa.select(*columns, sa.func.sum(BudgetLine.amount_cents))
        .join(Region, BudgetLine.region_id == Region.id)
        .join(Priority, BudgetLine.priority_id == Priority.id)
        .where(_last_year_lines(base))
        .group_by(*columns)
    )
    if by_program_type:
        query = query.join(ProgramType, BudgetLine.program_type_id == ProgramType.id)
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(query)}


def _last_year_by_account(scenario: Scenario) -> dict[str, int] | None:
    """Last year's plan by account code (INCLE, ESF, ...), in cents."""
    base = base_scenario(scenario)
    if base is None:
        return None
    rows = db.session.execute(
        sa.select(Appropriation.account_code, sa.func.sum(BudgetLine.amount_cents))
        .join(Appropriation, BudgetLine.appropriation_id == Appropriation.id)
        .where(_last_year_lines(base), BudgetLine.region_id.is_not(None), BudgetLine.priority_id.is_not(None))
        .group_by(Appropriation.account_code)
    )
    return {code: int(cents) for code, cents in rows}


def needs_program_types(appropriations: list[Appropriation], settings: AllocationSettings) -> bool:
    return settings.include_directives and any(
        "program_type" in directive.where for a in appropriations for directive in a.directives
    )


@dataclass(frozen=True)
class FundMoney:
    """One appropriation's money as the problem sees it: allotted = kept + awarded + to allocate (+ cents)."""

    id: str
    label: str
    allotted_cents: int
    kept_cents: int  # on lines the allocation leaves alone, other than awards
    awarded_cents: int  # awards' lines on this year: the mortgage, kept too
    available: int  # whole dollars to allocate: the problem's fund `available`
    last_year_cents: int | None  # last year's plan on the same account; None with no last year

    @property
    def to_allocate_cents(self) -> int:
        return self.available * 100

    @property
    def cents_beyond(self) -> int:
        """The cents the fund has beyond the whole dollars solved (applying puts them on one line)."""
        return max(self.allotted_cents - self.kept_cents - self.awarded_cents - self.to_allocate_cents, 0)


@dataclass(frozen=True)
class RuleWords:
    """A rule in words: `before`, then the amount (cents, shown as money) when there is one, then `after`."""

    before: str
    cents: int | None = None
    after: str = ""


@dataclass(frozen=True)
class AllocationSetup:
    """The problem a run would solve, and what the setup page says about it."""

    problem: dict
    settings: AllocationSettings  # as the problem uses them (program types added when a directive names one)
    funds: list[FundMoney]
    rules: list[RuleWords]
    last_year_cents: int | None  # last year's plan in the grid; None with no last year
    base_name: str | None

    @property
    def available(self) -> int:
        return sum(fund.available for fund in self.funds)

    def total(self, part: str) -> int:
        return sum(getattr(fund, part) for fund in self.funds)

    @property
    def change_cents(self) -> int | None:
        return None if self.last_year_cents is None else self.available * 100 - self.last_year_cents

    @property
    def change_word(self) -> str:
        """Whether this year has "more", "less" or "the same" money as last year's plan."""
        change = self.change_cents or 0
        return "more" if change > 0 else "less" if change < 0 else "the same"

    @property
    def cents_beyond(self) -> int:
        return sum(fund.cents_beyond for fund in self.funds)

    @property
    def uses_targets(self) -> bool:
        return self.settings.objective == Objective.TARGETS


def grid_cells(scenario: Scenario, settings: AllocationSettings) -> int:
    """How many cells the problem for these settings has (regions × priorities × program types where split),
    without building it: what decides whether a run is a background job."""
    count = db.session.scalar(sa.select(sa.func.count(Region.id))) * db.session.scalar(
        sa.select(sa.func.count(Priority.id))
    )
    if settings.by_program_type or needs_program_types(program_appropriations(scenario), settings):
        count *= db.session.scalar(sa.select(sa.func.count(ProgramType.id)))
    return count


def build_problem(scenario: Scenario, settings: AllocationSettings) -> dict:
    """The allocation-problem/1 document for the scenario and settings."""
    return allocation_setup(scenario, settings).problem


def allocation_setup(scenario: Scenario, settings: AllocationSettings) -> AllocationSetup:
    """The problem for the scenario and settings, with the money, last year's plan and the rules behind it."""
    appropriations = program_appropriations(scenario)
    if needs_program_types(appropriations, settings) and not settings.by_program_type:
        settings = replace(settings, by_program_type=True)  # a directive names program types: the grid must too
    names = _names()
    regions = [r.code for r in db.session.scalars(sa.select(Region).order_by(Region.code))]
    priorities = [p.code for p in db.session.scalars(sa.select(Priority).order_by(Priority.sort_order))]
    program_types = (
        [t.code for t in db.session.scalars(sa.select(ProgramType).order_by(ProgramType.code))]
        if settings.by_program_type
        else [None]
    )
    last_by_account = _last_year_by_account(scenario)
    money = [_fund_money(scenario, settings, a, last_by_account) for a in appropriations]
    funds = [
        {
            "id": fund.id,
            "label": _fund_label(scenario, a),
            "available": fund.available,
            "spend": "all" if settings.spend_all else "up_to",
        }
        for fund, a in zip(money, appropriations, strict=True)
    ]
    total_available = sum(f["available"] for f in funds)
    keys = [
        (region, priority, program_type)
        for region in regions
        for priority in priorities
        for program_type in program_types
    ]
    even_share = max(total_available // max(len(keys), 1), 1)
    weights = default_weights() | settings.weights
    cell_weights = [Decimal(weights.get(f"{region}/{priority}", "1")) for region, priority, _ in keys]
    last_year = last_year_by_cell(scenario, settings.by_program_type)
    cell_keys = [tuple(part for part in key if part is not None) for key in keys]
    targets = (
        spread_targets([(last_year or {}).get(key, 0) for key in cell_keys], cell_weights, total_available)
        if settings.objective == Objective.TARGETS
        else None
    )
    cells = []
    for index, (region, priority, program_type) in enumerate(keys):
        key = {"region": region, "priority": priority}
        if program_type is not None:
            key["program_type"] = program_type
        weight = cell_weights[index]
        cell: dict = {
            "key": key,
            "value": [
                {"upto": None if upto is None else int(even_share * upto), "weight": float(weight * factor)}
                for upto, factor in SEGMENTS
            ],
        }
        if targets is not None:
            cell["target"] = targets[index]
        cells.append(cell)
    rules = _rules(appropriations, settings, names)
    problem = {
        "format": "allocation-problem/1",
        "name": f"{scenario.name}: program funds by region and priority",
        "objective": settings.objective.value,
        "cells": cells,
        "funds": funds,
        "rules": [rule for rule, _ in rules],
        "options": {"time_limit_s": settings.time_limit_s},
    }
    base = base_scenario(scenario)
    return AllocationSetup(
        problem=problem,
        settings=settings,
        funds=money,
        rules=[words for _, words in rules],
        last_year_cents=None if last_year is None else sum(last_year.values()),
        base_name=None if base is None else base.name,
    )


def _fund_money(
    scenario: Scenario, settings: AllocationSettings, appropriation: Appropriation, last_by_account: dict | None
) -> FundMoney:
    spoken_for = spoken_for_cents(scenario, settings, appropriation)
    awarded = awarded_cents(scenario, appropriation)
    return FundMoney(
        id=fund_id(appropriation),
        label=f"{appropriation.label} ({appropriation.title})",
        allotted_cents=appropriation.allotted_cents,
        kept_cents=spoken_for - awarded,
        awarded_cents=awarded,
        available=max(_whole_dollars(appropriation.allotted_cents - spoken_for), 0),
        last_year_cents=None if last_by_account is None else last_by_account.get(appropriation.account_code, 0),
    )


def _names() -> dict[str, dict[str, str]]:
    """Each dimension's codes → names, for rules in words (priorities capitalised)."""
    return {
        "region": dict(db.session.execute(sa.select(Region.code, Region.name)).tuples().all()),
        "priority": {
            code: name.capitalize() for code, name in db.session.execute(sa.select(Priority.code, Priority.name))
        },
        "program_type": dict(db.session.execute(sa.select(ProgramType.code, ProgramType.name)).tuples().all()),
    }


def _where_words(where: dict, names: dict[str, dict[str, str]]) -> str:
    """A rule's `where` in names, e.g. Africa, Protection; a dimension's values joined by "or"."""
    parts = [
        " or ".join(names.get(dimension, {}).get(value, str(value)) for value in values)
        for dimension, values in where.items()
        if dimension != "fund"
    ]
    return ", ".join(parts) or "everything"


def _rules(
    appropriations: list[Appropriation], settings: AllocationSettings, names: dict[str, dict[str, str]]
) -> list[tuple[dict, list[RuleWords]]]:
    """Each rule of the problem with its words for the setup page."""
    rules: list[tuple[dict, list[RuleWords]]] = []
    if settings.include_directives:
        for appropriation in appropriations:
            for directive in appropriation.directives:
                rule = {
                    "id": f"directive-{directive.id}",
                    "label": f"{directive.label} ({appropriation.label})",
                    "where": {**directive.where, "fund": [fund_id(appropriation)]},
                }
                what = f"for {_where_words(directive.where, names)} from {appropriation.label} (a directive)"
                words = []
                if directive.min_cents is not None:
                    rule["min"] = _whole_dollars(directive.min_cents, up=True)
                    words.append(RuleWords("Not less than", directive.min_cents, what))
                if directive.max_cents is not None:
                    rule["max"] = _whole_dollars(directive.max_cents)
                    words.append(RuleWords("No more than", directive.max_cents, what))
                rules.append((rule, words))
    regions = names["region"]
    for kind, bound, side, amounts in (
        ("floor", "min", "Not less than", settings.region_floors),
        ("cap", "max", "No more than", settings.region_caps),
    ):
        for region, amount in sorted(amounts.items()):
            rule = {
                "id": f"{kind}-{region}",
                "label": f"{side} ${amount:,} for {region}",
                "where": {"region": [region]},
                bound: amount,
            }
            rules.append((rule, [RuleWords(side, amount * 100, f"for {regions.get(region, region)}")]))
    for priority in sorted(set(settings.priority_min_shares) | set(settings.priority_max_shares)):
        rule = {"id": f"share-{priority}", "where": {"priority": [priority]}}
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
        name = names["priority"].get(priority, priority.capitalize())
        rules.append((rule, [RuleWords(f"{name}: {bounds} of the program funds")]))
    return rules
