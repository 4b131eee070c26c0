"""The spend plan: a scenario's planned obligations on an appropriation, phased by month.

Each budget line is phased by where its money comes from:

- an award line (its funding for one fiscal year) is obligated in one month: the award's start
  month as it falls in that fiscal year (the start itself in its first year, the anniversary in
  later years: an increment is obligated when the next budget period begins);
- a travel line in the month the trip departs;
- a staffing line across the pay periods from the start date: two-week periods from `start_on`,
  each counted in the month it ends, through the end of the line's fiscal year;
- any other line (manual, allocated, imported) by the spending profile its resource managers chose
  for its appropriation × division × object class (models/spending.py), over the twelve months of
  the line's fiscal year: even (1/12 each, the default when none is saved), front-loaded (12/78 in
  October, 11/78 in November, ... 1/78 in September), back-loaded (1/78 ... 12/78), or the
  percentages typed in. An award, trip or position whose date is unknown is phased even.

A weight that would place money outside the appropriation's months (a trip departing after the
funds expire, an award starting before the period, a profile over a fiscal year outside the
period) falls back to the even profile, so every line's
whole amount is planned somewhere in the period and the months add up to the scenario's total.

Rounding happens once, on the sum of every line's exact share of each month: largest remainder.
Every month gets its exact amount rounded down to the cent; the cents left over (fewer than there
are months) go one each to the months with the largest fractions of a cent, the earliest month
first among equal fractions. So the months always add up to the total to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import sqlalchemy as sa

from models import Appropriation, BudgetLine, LineSource, Scenario, SpendingProfile, db
from models.awards import Award
from models.reference import fiscal_year_of
from models.requests import StaffingRequest, TravelRequest
from models.spending import profile_weights
from money import largest_remainder

PAY_PERIOD_DAYS = 14
# Lines phased from a date of their own (an award's start, a trip's departure, a position's start).
DATED_SOURCES = frozenset({LineSource.AWARD, LineSource.TRAVEL, LineSource.STAFFING})
# A spending profile's relative weights of October to September, by (division id, object class id).
Profiles = dict[tuple[int, int], tuple[int, ...]]


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written YYYY-MM."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.first_day)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)


def fiscal_year_months(fiscal_year: int) -> list[Month]:
    """October of the year before through September: the twelve months of fiscal year N."""
    month, months = Month(fiscal_year - 1, 10), []
    for _ in range(12):
        months.append(month)
        month = month.next()
    return months


def last_fiscal_year(appropriation: Appropriation, as_of: dt.date, line_years: Sequence[int] = ()) -> int:
    """The last fiscal year of the appropriation's months: the end of its period of availability.

    No-year funds have no end: their months run from their first fiscal year to the as-of date's
    fiscal year, or to the latest fiscal year a line plans on them if that is later.
    """
    if appropriation.availability_years is not None:
        return appropriation.fiscal_year + appropriation.availability_years - 1
    return max(appropriation.fiscal_year, fiscal_year_of(as_of), *line_years)


def period_months(appropriation: Appropriation, as_of: dt.date, line_years: Sequence[int] = ()) -> list[Month]:
    """Every month of the appropriation's period of availability (see last_fiscal_year for no-year funds)."""
    last = last_fiscal_year(appropriation, as_of, line_years)
    return [month for year in range(appropriation.fiscal_year, last + 1) for month in fiscal_year_months(year)]


def _even(months: Sequence[Month], fiscal_year: int) -> dict[Month, Fraction]:
    """The default profile: even over the months of the line's fiscal year, or the whole period if none fall in it."""
    inside = [month for month in months if month.fiscal_year == fiscal_year] or list(months)
    return {month: Fraction(1, len(inside)) for month in inside}


def _one_month(months: Sequence[Month], month: Month, fiscal_year: int) -> dict[Month, Fraction]:
    return {month: Fraction(1)} if month in months else _even(months, fiscal_year)


def _award_month(starts_on: dt.date, fiscal_year: int) -> Month:
    """The award's start month as it falls in `fiscal_year` (October to December belong to the year before)."""
    return Month(fiscal_year - 1 if starts_on.month >= 10 else fiscal_year, starts_on.month)


def _pay_periods(months: Sequence[Month], start_on: dt.date, fiscal_year: int) -> dict[Month, Fraction]:
    """Two-week pay periods from the start date to the end of the fiscal year, each in the month it ends."""
    year_start, year_end = dt.date(fiscal_year - 1, 10, 1), dt.date(fiscal_year, 9, 30)
    counts: dict[Month, int] = {}
    period_end = start_on + dt.timedelta(days=PAY_PERIOD_DAYS - 1)
    while period_end <= year_end:
        if period_end >= year_start and Month.of(period_end) in months:
            counts[Month.of(period_end)] = counts.get(Month.of(period_end), 0) + 1
        period_end += dt.timedelta(days=PAY_PERIOD_DAYS)
    total = sum(counts.values())
    if not total:
        return _even(months, fiscal_year)
    return {month: Fraction(count, total) for month, count in counts.items()}


@dataclass(frozen=True)
class PlanLine:
    """What phasing needs of a budget line, and the dimensions a breakdown groups it by."""

    amount_cents: int
    fiscal_year: int
    source: LineSource
    source_id: int | None
    division_id: int
    object_class_id: int
    region_id: int | None
    priority_id: int | None


def _profiled(months: Sequence[Month], fiscal_year: int, weights: tuple[int, ...] | None) -> dict[Month, Fraction]:
    """A spending profile's weights over the twelve months of the fiscal year; even where none is
    saved, or where the profile would put money in a month outside the appropriation's period."""
    if weights is None:
        return _even(months, fiscal_year)
    placed = {month: weight for month, weight in zip(fiscal_year_months(fiscal_year), weights, strict=True) if weight}
    total = sum(placed.values())
    if not total or any(month not in months for month in placed):
        return _even(months, fiscal_year)
    return {month: Fraction(weight, total) for month, weight in placed.items()}


def _weights(
    line: PlanLine,
    months: Sequence[Month],
    dates: dict[tuple[LineSource, int], dt.date],
    profiles: Profiles | None = None,
) -> dict:
    """Which share of the line falls in which month (the shares add up to one)."""
    if line.source not in DATED_SOURCES:
        return _profiled(months, line.fiscal_year, (profiles or {}).get((line.division_id, line.object_class_id)))
    day = dates.get((line.source, line.source_id)) if line.source_id is not None else None
    if day is None:
        return _even(months, line.fiscal_year)
    if line.source == LineSource.AWARD:
        return _one_month(months, _award_month(day, line.fiscal_year), line.fiscal_year)
    if line.source == LineSource.TRAVEL:
        return _one_month(months, Month.of(day), line.fiscal_year)
    return _pay_periods(months, day, line.fiscal_year)


def _profiles(appropriation_ids: Sequence[int]) -> dict[int, Profiles]:
    """The appropriations' saved spending profiles, in one query."""
    profiles: dict[int, Profiles] = {appropriation_id: {} for appropriation_id in appropriation_ids}
    for appropriation_id, division_id, object_class_id, kind, hundredths in db.session.execute(
        sa.select(
            SpendingProfile.appropriation_id,
            SpendingProfile.division_id,
            SpendingProfile.object_class_id,
            SpendingProfile.kind,
            SpendingProfile.month_hundredths,
        ).where(SpendingProfile.appropriation_id.in_(appropriation_ids))
    ):
        profiles[appropriation_id][division_id, object_class_id] = profile_weights(kind, hundredths)
    return profiles


def _source_dates(lines: Sequence[PlanLine]) -> dict[tuple[LineSource, int], dt.date]:
    """The date each award, trip and position is phased from, with one query per source."""
    ids = {
        source: {line.source_id for line in lines if line.source == source and line.source_id is not None}
        for source in (LineSource.AWARD, LineSource.TRAVEL, LineSource.STAFFING)
    }
    dates: dict[tuple[LineSource, int], dt.date] = {}
    if ids[LineSource.AWARD]:
        for award_id, starts_on in db.session.execute(
            sa.select(Award.id, Award.starts_on).where(Award.id.in_(ids[LineSource.AWARD]))
        ):
            dates[LineSource.AWARD, award_id] = starts_on
    if ids[LineSource.TRAVEL]:
        for trip in db.session.scalars(sa.select(TravelRequest).where(TravelRequest.id.in_(ids[LineSource.TRAVEL]))):
            if trip.departs_on is not None:
                dates[LineSource.TRAVEL, trip.id] = trip.departs_on
    if ids[LineSource.STAFFING]:
        for request_id, start_on in db.session.execute(
            sa.select(StaffingRequest.id, StaffingRequest.start_on).where(
                StaffingRequest.id.in_(ids[LineSource.STAFFING])
            )
        ):
            dates[LineSource.STAFFING, request_id] = start_on
    return dates


@dataclass(frozen=True)
class SpendPlan:
    months: tuple[Month, ...]
    planned_cents: tuple[int, ...]  # by month, adding up to total_cents
    total_cents: int


@dataclass(frozen=True)
class PhasedLine:
    line: PlanLine
    exact_cents: dict[Month, Fraction]  # the line's exact share of each month, adding up to its amount


@dataclass(frozen=True)
class PhasedLines:
    months: tuple[Month, ...]
    lines: tuple[PhasedLine, ...]


def phased_lines(appropriation: Appropriation, scenario: Scenario | None, as_of: dt.date) -> PhasedLines:
    """Every line of the scenario on the appropriation with its exact (unrounded) amount by month."""
    return phased_lines_of([appropriation], scenario, as_of)[appropriation.id]


def phased_lines_of(
    appropriations: Sequence[Appropriation], scenario: Scenario | None, as_of: dt.date
) -> dict[int, PhasedLines]:
    """`phased_lines` of each appropriation, reading the lines, their dates and the profiles once for all."""
    ids = [appropriation.id for appropriation in appropriations]
    lines: dict[int, list[PlanLine]] = {appropriation_id: [] for appropriation_id in ids}
    if scenario is not None:
        for appropriation_id, amount, year, source, *rest in db.session.execute(
            sa.select(
                BudgetLine.appropriation_id,
                BudgetLine.amount_cents,
                BudgetLine.fiscal_year,
                BudgetLine.source,
                BudgetLine.source_id,
                BudgetLine.division_id,
                BudgetLine.object_class_id,
                BudgetLine.region_id,
                BudgetLine.priority_id,
            )
            .where(BudgetLine.scenario_id == scenario.id, BudgetLine.appropriation_id.in_(ids))
            .order_by(BudgetLine.id)
        ):
            lines[appropriation_id].append(PlanLine(int(amount), year, LineSource(source), *rest))
    every_line = [line for of_one in lines.values() for line in of_one]
    dates = _source_dates(every_line)
    profiled = [i for i in ids if any(line.source not in DATED_SOURCES for line in lines[i])]
    profiles = _profiles(profiled) if profiled else {}
    phased = {}
    for appropriation in appropriations:
        of_one = lines[appropriation.id]
        months = period_months(appropriation, as_of, [line.fiscal_year for line in of_one])
        weights_by = profiles.get(appropriation.id, {})
        phased[appropriation.id] = PhasedLines(
            tuple(months),
            tuple(
                PhasedLine(
                    line,
                    {
                        month: line.amount_cents * weight
                        for month, weight in _weights(line, months, dates, weights_by).items()
                    },
                )
                for line in of_one
            ),
        )
    return phased


def plan_of(phased: PhasedLines) -> SpendPlan:
    """The months' planned cents: the lines' exact amounts summed by month, rounded once (largest remainder)."""
    exact = dict.fromkeys(phased.months, Fraction(0))
    for phased_line in phased.lines:
        for month, cents in phased_line.exact_cents.items():
            exact[month] += cents
    total = sum(phased_line.line.amount_cents for phased_line in phased.lines)
    return SpendPlan(phased.months, tuple(largest_remainder(total, [exact[month] for month in phased.months])), total)


def spend_plan(appropriation: Appropriation, scenario: Scenario | None, as_of: dt.date) -> SpendPlan:
    """The scenario's planned obligations on the appropriation by month of its period of availability."""
    return plan_of(phased_lines(appropriation, scenario, as_of))


def split_cents(total_cents: int, exact_parts: Sequence[Fraction]) -> list[int]:
    """Split a rounded total among parts in proportion to their exact amounts, adding up to it to the cent.

    This is how a figure already shown (a month's plan, a plan to date) is broken down by division or
    region without a row disagreeing with it: the parts share the shown total by largest remainder.
    """
    exact_total = sum(exact_parts, Fraction(0))
    if exact_total == 0:
        return (
            largest_remainder(total_cents, [Fraction(total_cents, len(exact_parts))] * len(exact_parts))
            if exact_parts
            else []
        )
    return largest_remainder(total_cents, [part * total_cents / exact_total for part in exact_parts])


@dataclass(frozen=True)
class ScenarioSpendPlan:
    """A scenario's spend plan as a month × appropriation table: each column is that appropriation's
    `spend_plan`, so it adds up to the scenario's total on the appropriation to the cent."""

    scenario: Scenario
    as_of: dt.date
    months: tuple[Month, ...]  # every month of any column's period, in order
    columns: tuple[tuple[Appropriation, tuple[int, ...]], ...]  # cents by month (0 outside its period)

    @property
    def month_totals(self) -> tuple[int, ...]:
        """The Total column: each month's cents across the appropriations."""
        return tuple(sum(cents[index] for _, cents in self.columns) for index in range(len(self.months)))

    @property
    def column_totals(self) -> tuple[int, ...]:
        """The Total row: each appropriation's total in the scenario."""
        return tuple(sum(cents) for _, cents in self.columns)

    @property
    def total_cents(self) -> int:
        return sum(self.column_totals)

    @property
    def rows(self) -> list[tuple[Month, tuple[int, ...], int]]:
        """Each month with its cents by appropriation and its total, for a table."""
        return [
            (month, tuple(cents[index] for _, cents in self.columns), self.month_totals[index])
            for index, month in enumerate(self.months)
        ]


def scenario_spend_plan(scenario: Scenario, as_of: dt.date) -> ScenarioSpendPlan:
    """The spend plan of every appropriation the scenario has lines on, by month (the union of their months)."""
    appropriations = db.session.scalars(
        sa.select(Appropriation)
        .where(
            Appropriation.id.in_(sa.select(BudgetLine.appropriation_id).where(BudgetLine.scenario_id == scenario.id))
        )
        .order_by(Appropriation.account_code, Appropriation.fiscal_year)
    ).all()
    phased = phased_lines_of(appropriations, scenario, as_of)
    plans = [(appropriation, plan_of(phased[appropriation.id])) for appropriation in appropriations]
    months = tuple(sorted({month for _, plan in plans for month in plan.months}))
    columns = []
    for appropriation, plan in plans:
        by_month = dict(zip(plan.months, plan.planned_cents, strict=True))
        columns.append((appropriation, tuple(by_month.get(month, 0) for month in months)))
    return ScenarioSpendPlan(scenario, as_of, months, tuple(columns))
