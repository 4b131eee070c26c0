"""What the submission workbook is made of: plain, immutable rows the services fill from the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class DetailRow:
    """One budget line, with its keys as codes."""

    line_id: int | None
    version: int | None
    fiscal_year: int
    appropriation: str  # "INCLE FY2027"
    division: str
    object_class: str  # "41.0"
    region: str | None
    country: str | None  # ISO alpha-3
    priority: str | None
    program_type: str | None
    description: str
    stage: str
    source: str
    amount: Decimal


@dataclass(frozen=True)
class ColumnsRow:
    """A row of a PY/CY/BY comparison, e.g. label ("INCLE", "41.0", "Grants, subsidies and contributions")."""

    label: tuple[str, ...]
    py: Decimal
    cy: Decimal
    by: Decimal


@dataclass(frozen=True)
class StaffingRow:
    kind: str
    fte_py: Decimal
    fte_cy: Decimal
    fte_by: Decimal
    cost_py: Decimal
    cost_cy: Decimal
    cost_by: Decimal


@dataclass(frozen=True)
class TripRow:
    departs: date
    division: str
    traveler: str
    title: str
    destinations: str
    status: str
    amount: Decimal


@dataclass(frozen=True)
class SpendPlanTable:
    """Planned obligations by month (rows) and appropriation (columns), in dollars to the cent."""

    as_of: date
    months: Sequence[str]  # "2026-10", in order
    columns: Sequence[tuple[str, Sequence[Decimal]]]  # (appropriation label "INCLE FY2026", amount by month)


@dataclass(frozen=True)
class SubmissionWorkbook:
    scenario: str
    budget_year: int
    py_scenario: str
    cy_scenario: str
    exported_by: str
    exported_at: datetime  # naive means UTC, as everywhere in Apportion
    app_version: str
    filters: Mapping[str, str]
    summary: Sequence[ColumnsRow]  # by appropriation account
    object_classes: Sequence[ColumnsRow]  # by account × object class, sorted by account
    program: Sequence[tuple[str, str, str | None, Decimal]]  # (region, priority, program type, BY amount)
    regions: Sequence[str]
    priorities: Sequence[str]
    program_types: Sequence[str]
    staffing: Sequence[StaffingRow]
    travel: Sequence[TripRow]
    detail: Iterable[DetailRow]  # may be a generator: it is written streaming, read once
    spend_plan: SpendPlanTable | None = None  # the Spend plan sheet, when given
