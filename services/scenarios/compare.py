"""Comparing scenarios side by side, by any of the line dimensions.

Two scenarios, A and B, with the change from A to B. Where B is a year's plan the page calls it the
budget year (BY), and A the current year (CY) when it is the year before; the prior year's actuals
(PY) are shown beside them when the office has them, as an analyst lays out a budget table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models import Scenario, ScenarioKind, db
from services.budget.queries import DIMENSIONS, LineFilter, display_names, totals_by
from services.errors import ValidationError

DEFAULT_DIMENSION = "account"


@dataclass(frozen=True)
class ComparedRow:
    key: tuple
    a_cents: int
    b_cents: int
    py_cents: int | None = None  # the prior year's actuals, where shown

    @property
    def difference_cents(self) -> int:
        return self.b_cents - self.a_cents

    @property
    def percent(self) -> Decimal | None:
        """The change as a share of A (None when A is zero)."""
        if self.a_cents == 0:
            return None
        return (Decimal(self.difference_cents) / Decimal(self.a_cents)).quantize(Decimal("0.0001"))

    @property
    def percent_label(self) -> str:
        """The change as pages show it: "12.5%" to a tenth, "new" when A is zero and B is not."""
        if self.percent is None:
            return "new" if self.b_cents else "—"
        return f"{(self.percent * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Comparison:
    a: Scenario
    b: Scenario
    by: list[str]
    rows: list[ComparedRow]
    py: Scenario | None = None
    names: dict[str, dict] | None = None  # by dimension: code → name, for pages

    @property
    def total(self) -> ComparedRow:
        py = None if self.py is None else sum(r.py_cents or 0 for r in self.rows)
        return ComparedRow((), sum(r.a_cents for r in self.rows), sum(r.b_cents for r in self.rows), py)

    @property
    def headings(self) -> list[str]:
        return [DIMENSIONS[name].title for name in self.by]

    def named(self, row: ComparedRow) -> list[str]:
        """The row's groups as pages name them."""
        names = self.names or {}
        return [
            "—" if value is None else names.get(name, {}).get(value, str(value))
            for name, value in zip(self.by, row.key, strict=True)
        ]

    def column(self, scenario: Scenario) -> str:
        """A scenario's column heading: PY, CY or BY where it is one of them, with its name."""
        if scenario == self.b and self.b.kind == ScenarioKind.PLAN:
            return f"BY: {scenario.name}"
        if scenario == self.a and self.a.budget_year == self.b.budget_year - 1:
            return f"CY: {scenario.name}"
        if self.py is not None and scenario == self.py:
            return f"PY: {scenario.name}"
        return scenario.name


def parse_dimensions(text: str | None, default: str = DEFAULT_DIMENSION) -> list[str]:
    by = [name.strip() for name in (text or default).split(",") if name.strip()]
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown or not by:
        raise ValidationError(
            f"Unknown dimension {unknown[0]!r}." if unknown else "Choose a dimension.",
            fields={"by": f"Choose from {', '.join(DIMENSIONS)}."},
        )
    return by


def _totals(scenario: Scenario, by: list[str]) -> dict[tuple, int]:
    return {
        tuple(row[name] for name in by): row["amount_cents"]
        for row in totals_by(LineFilter(scenario_id=scenario.id), by)
    }


def compare(a: Scenario, b: Scenario, by: list[str], py: Scenario | None = None) -> Comparison:
    """Totals of A and B (and PY) by the dimensions; a key present in only one scenario counts zero in the other."""
    left, right = _totals(a, by), _totals(b, by)
    prior = _totals(py, by) if py is not None else {}
    keys = sorted(set(left) | set(right) | set(prior), key=lambda key: tuple((v is None, str(v)) for v in key))
    rows = [
        ComparedRow(key, left.get(key, 0), right.get(key, 0), None if py is None else prior.get(key, 0)) for key in keys
    ]
    return Comparison(a, b, by, rows, py)


def named_comparison(a: Scenario, b: Scenario, by: list[str], py: Scenario | None = None) -> Comparison:
    """`compare`, with the names pages show for the groups' codes."""
    comparison = compare(a, b, by, py)
    names = {name: display_names(name, {row.key[i] for row in comparison.rows}) for i, name in enumerate(by)}
    return Comparison(comparison.a, comparison.b, by, comparison.rows, py, names)


def _of_kind_for_year(kind: ScenarioKind, budget_year: int) -> Scenario | None:
    return db.session.scalar(
        sa.select(Scenario)
        .where(Scenario.kind == kind, Scenario.budget_year == budget_year)
        .order_by(Scenario.id.desc())
        .limit(1)
    )


def default_pair(b: Scenario | None) -> tuple[Scenario | None, Scenario | None]:
    """What a comparison starts from: B the latest plan, A the year before's enacted (else another scenario)."""
    if b is None:
        b = db.session.scalar(
            sa.select(Scenario)
            .order_by((Scenario.kind == ScenarioKind.PLAN).desc(), Scenario.budget_year.desc(), Scenario.id.desc())
            .limit(1)
        )
    if b is None:
        return None, None
    a = _of_kind_for_year(ScenarioKind.ENACTED, b.budget_year - 1) or db.session.scalar(
        sa.select(Scenario)
        .where(Scenario.id != b.id)
        .order_by(Scenario.budget_year.desc(), Scenario.id.desc())
        .limit(1)
    )
    return a, b


def prior_year_actual(b: Scenario) -> Scenario | None:
    """PY: the actuals of the year before the current year, when B is a plan and the office has them."""
    return _of_kind_for_year(ScenarioKind.ACTUAL, b.budget_year - 2) if b.kind == ScenarioKind.PLAN else None
