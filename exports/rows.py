"""What the submission workbook is made of: plain, immutable rows the services fill from the database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class DetailRow:
    """One budget line, its keys as a person reads them (names; codes also import)."""

    line_id: int | None
    version: int | None
    fiscal_year: int
    appropriation: str  # "INCLE FY2027"
    division: str  # "International Programs"
    object_class: str  # "41.0 Grants, subsidies and contributions"
    region: str | None  # "Africa"
    country: str | None  # ISO alpha-3
    priority: str | None  # "Prosecution"
    program_type: str | None  # "Bilateral project"
    description: str
    stage: str
    source: str
    amount: Decimal


# Detail fields that have a drop-down list of names (the Lists sheet), in the Lists sheet's column order.
LIST_FIELDS = ("appropriation", "division", "object_class", "region", "priority", "program_type")


@dataclass(frozen=True)
class ColumnsRow:
    """A row of a PY/CY/BY comparison, e.g. label ("INCLE", "41.0", "Grants, subsidies and contributions").

    `match` says which Detail lines make up the request (BY) figure: Detail field → the values a line
    may hold there (a line counts when each named field holds one of its values). With a match, the
    BY cell is a SUMIFS over Detail and `by` is only the figure the app computed; without one, `by`
    is written as a value.
    """

    label: tuple[str, ...]
    py: Decimal
    cy: Decimal
    by: Decimal
    match: Mapping[str, Sequence[str]] | None = None


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
    staffing: Sequence[StaffingRow]  # positions requested (staffing requests)
    travel: Sequence[TripRow]
    detail: Iterable[DetailRow]  # may be a generator: it is written streaming, read once
    spend_plan: SpendPlanTable | None = None  # the Spend plan sheet, when given
    # The names Detail's drop-downs offer, by field of LIST_FIELDS (the hidden Lists sheet). With lists,
    # the Program sheet's cells are SUMIFS over Detail by these names (regions, priorities and program
    # types are then names too); without, they are the values of `program`.
    lists: Mapping[str, Sequence[str]] | None = None
    payroll: Sequence[ColumnsRow] = ()  # pay and benefits in the budget, by division (whole workforce)

    @property
    def exported_at_utc(self) -> datetime:
        """The export time as naive UTC."""
        if self.exported_at.tzinfo is None:
            return self.exported_at
        return self.exported_at.astimezone(UTC).replace(tzinfo=None)
