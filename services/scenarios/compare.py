"""Comparing two scenarios side by side, by any of the line dimensions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from models import Scenario
from services.budget.queries import DIMENSIONS, LineFilter, totals_by
from services.errors import ValidationError


@dataclass(frozen=True)
class ComparedRow:
    key: tuple
    a_cents: int
    b_cents: int

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
        """The change as pages show it: "12.5%" to a tenth, or "—" when A is zero."""
        if self.percent is None:
            return "—"
        return f"{(self.percent * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Comparison:
    a: Scenario
    b: Scenario
    by: list[str]
    rows: list[ComparedRow]

    @property
    def total(self) -> ComparedRow:
        return ComparedRow((), sum(r.a_cents for r in self.rows), sum(r.b_cents for r in self.rows))


def parse_dimensions(text: str | None, default: str = "appropriation") -> list[str]:
    by = [name.strip() for name in (text or default).split(",") if name.strip()]
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown or not by:
        raise ValidationError(
            f"Unknown dimension {unknown[0]!r}." if unknown else "Choose a dimension.",
            fields={"by": f"Choose from {', '.join(DIMENSIONS)}."},
        )
    return by


def compare(a: Scenario, b: Scenario, by: list[str]) -> Comparison:
    """Totals of A and B by the dimensions; a key present in only one scenario counts zero in the other."""
    left = {tuple(row[name] for name in by): row["amount_cents"] for row in totals_by(LineFilter(scenario_id=a.id), by)}
    right = {
        tuple(row[name] for name in by): row["amount_cents"] for row in totals_by(LineFilter(scenario_id=b.id), by)
    }
    keys = sorted(set(left) | set(right), key=lambda key: tuple((v is None, str(v)) for v in key))
    return Comparison(a, b, by, [ComparedRow(key, left.get(key, 0), right.get(key, 0)) for key in keys])
