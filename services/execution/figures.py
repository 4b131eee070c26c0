"""Plan against actual for an appropriation as of a date (contracts/execution.md, "Definitions").

As of a date, including it: obligated and expended are the sums of the appropriation's posted
transactions; unliquidated = obligated − expended; unobligated = allotted − obligated. The months
are those of the spend plan (the period of availability); a month's obligated and expended count
only what was posted on or before the as-of date. A transaction posted outside the period (an
adjustment after expiry) counts in the totals but in no month.

Pure queries: nothing is written.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from exports.charts import LineChart, line_chart
from models import Appropriation, Scenario
from models.reference import fiscal_year_of
from services.execution.posted import posted, total
from services.execution.spend_plan import Month, PhasedLines, SpendPlan, phased_lines, plan_of
from services.office.settings import office_settings

if TYPE_CHECKING:
    from services.execution.breakdown import Breakdown

LAPSE_PACE_MONTHS = 3


@dataclass(frozen=True)
class MonthFigures:
    month: Month
    planned_cents: int
    obligated_cents: int
    expended_cents: int
    cumulative_planned_cents: int
    cumulative_obligated_cents: int
    cumulative_expended_cents: int
    is_after_as_of: bool  # nothing can have been posted in it yet
    threshold_percent: Decimal  # the office's: a variance beyond this share of plan is highlighted

    @property
    def label(self) -> str:
        return str(self.month)

    @property
    def variance_cents(self) -> int:
        """Actual obligations less planned: negative is behind plan."""
        return self.obligated_cents - self.planned_cents

    @property
    def cumulative_variance_cents(self) -> int:
        return self.cumulative_obligated_cents - self.cumulative_planned_cents

    @property
    def variance_percent(self) -> Decimal | None:
        """The variance as a percentage of planned, to a tenth; None where nothing was planned."""
        return percent_of(self.variance_cents, self.planned_cents)

    @property
    def cumulative_variance_percent(self) -> Decimal | None:
        return percent_of(self.cumulative_variance_cents, self.cumulative_planned_cents)

    @property
    def is_off_plan(self) -> bool:
        return beyond_threshold(self.variance_cents, self.planned_cents, self.threshold_percent)

    @property
    def is_cumulatively_off_plan(self) -> bool:
        return beyond_threshold(self.cumulative_variance_cents, self.cumulative_planned_cents, self.threshold_percent)


def percent_of(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def beyond_threshold(variance: int, planned: int, threshold_percent: Decimal) -> bool:
    """Beyond the threshold share of planned; any variance at all where nothing was planned."""
    if planned == 0:
        return variance != 0
    return abs(Decimal(variance) * 100 / planned) > threshold_percent


@dataclass(frozen=True)
class Lapse:
    """What would be left unobligated when the funds expire.

    `forecast_unobligated_cents` goes at the pace of the last three months' obligations (the API's
    figure); `at_plan_pace_cents` at the spend plan's. Both are None when the funds do not expire
    in the as-of date's fiscal year; once they have expired both are what was actually left.
    """

    expires_on: dt.date | None
    forecast_unobligated_cents: int | None
    at_plan_pace_cents: int | None


@dataclass(frozen=True)
class Execution:
    appropriation: Appropriation
    scenario: Scenario | None
    as_of: dt.date
    allotted_cents: int
    planned_cents: int
    obligated_cents: int
    expended_cents: int
    months: tuple[MonthFigures, ...]
    lapse: Lapse
    variance_threshold_percent: Decimal
    # By division, object class, region and priority: `breakdown.execution_with_breakdown` fills it.
    breakdown: Breakdown | None = None

    @property
    def scenario_id(self) -> int | None:
        return None if self.scenario is None else self.scenario.id

    @property
    def unliquidated_cents(self) -> int:
        return self.obligated_cents - self.expended_cents

    @property
    def unobligated_cents(self) -> int:
        return self.allotted_cents - self.obligated_cents

    @property
    def obligations_chart(self) -> LineChart:
        """Cumulative planned against actual obligations by month, the as-of month marked."""
        as_of_month = Month.of(self.as_of)
        at = next((index for index, row in enumerate(self.months) if row.month == as_of_month), None)
        return line_chart(
            "Cumulative obligations: planned and actual",
            [row.label for row in self.months],
            {
                "Planned": [row.cumulative_planned_cents for row in self.months],
                "Obligated": [row.cumulative_obligated_cents for row in self.months],
            },
            marker=None if at is None else (at, f"As of {self.as_of.isoformat()}"),
        )


def posted_by_month(appropriation_id: int, as_of: dt.date) -> dict[Month, tuple[int, int]]:
    """(obligated, expended) cents by month of posting, counting what was posted on or before `as_of`."""
    return {month: sums for (month,), sums in posted(as_of, appropriation_ids=[appropriation_id], by=["month"]).items()}


def months_before(day: dt.date, count: int) -> dt.date:
    """The same day `count` calendar months earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - count, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months_between(earlier: dt.date, later: dt.date) -> int:
    """How many whole months from `earlier` to `later`: the most n with `months_before(later, n)` not
    before `earlier` (the recent window's way of counting months)."""
    count = (later.year - earlier.year) * 12 + later.month - earlier.month
    while count > 0 and months_before(later, count) < earlier:
        count -= 1
    return max(count, 0)


def recent_window_start(as_of: dt.date) -> dt.date:
    """Recent spending is what was posted after this day (three months before) through the as-of date."""
    return months_before(as_of, LAPSE_PACE_MONTHS)


def pace_window_start(appropriation: Appropriation, as_of: dt.date) -> dt.date:
    """The recent pace counts what was posted after this day through the as-of date: the last three
    months, or the days since the period of availability began where that is later (new funds
    could not be obligated before it, so those days would slow the pace)."""
    period_began = dt.date(appropriation.fiscal_year - 1, 10, 1)
    return max(recent_window_start(as_of), period_began - dt.timedelta(days=1))


def expires_this_year(appropriation: Appropriation, as_of: dt.date) -> bool:
    """Not yet expired, and expiring in the as-of date's fiscal year: the funds a lapse is forecast for."""
    expires_on = appropriation.expires_on
    return expires_on is not None and as_of <= expires_on and fiscal_year_of(expires_on) == fiscal_year_of(as_of)


def forecast_at_recent_pace(
    appropriation: Appropriation, as_of: dt.date, obligated_cents: int, recent_obligated_cents: int
) -> int | None:
    """Unobligated at expiry if obligations go on at the pace per day of those posted after
    `pace_window_start`; None unless the funds `expires_this_year`. Never below zero (funds cannot
    be obligated beyond their allotment); rounded once, half up, to the cent."""
    if not expires_this_year(appropriation, as_of):
        return None
    days_left = (appropriation.expires_on - as_of).days
    at_pace = Decimal(recent_obligated_cents) * days_left / (as_of - pace_window_start(appropriation, as_of)).days
    left = (Decimal(appropriation.allotted_cents - obligated_cents) - at_pace).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return max(0, int(left))


def _lapse(appropriation: Appropriation, as_of: dt.date, obligated_cents: int, plan: SpendPlan) -> Lapse:
    """Forecast unobligated at expiry, for funds that expire in the as-of date's fiscal year.

    At the recent pace (`forecast_at_recent_pace`), and at the plan's: the planned obligations of
    the months after the as-of month. Neither goes below zero.
    """
    expires_on = appropriation.expires_on
    if expires_on is None:
        return Lapse(None, None, None)
    if as_of > expires_on:  # already expired: what lapsed is known
        left = appropriation.allotted_cents - total(posted(expires_on, appropriation_ids=[appropriation.id]))[0]
        return Lapse(expires_on, left, left)
    if not expires_this_year(appropriation, as_of):
        return Lapse(expires_on, None, None)
    after = pace_window_start(appropriation, as_of)
    recent, _ = total(posted(as_of, after=after, appropriation_ids=[appropriation.id]))
    as_of_month = Month.of(as_of)
    planned_after = sum(
        cents for month, cents in zip(plan.months, plan.planned_cents, strict=True) if month > as_of_month
    )
    return Lapse(
        expires_on,
        forecast_at_recent_pace(appropriation, as_of, obligated_cents, recent),
        max(0, appropriation.allotted_cents - obligated_cents - planned_after),
    )


def month_figures(
    months: Sequence[Month],
    planned_cents: Sequence[int],
    posted: dict[Month, tuple[int, int]],
    as_of: dt.date,
    threshold_percent: Decimal,
) -> tuple[MonthFigures, ...]:
    """Each month's planned (aligned with `months`) against its posted (obligated, expended), and the
    running totals: an appropriation's months, or the office's fiscal year."""
    as_of_month = Month.of(as_of)
    figures, planned_so_far, obligated_so_far, expended_so_far = [], 0, 0, 0
    for month, planned in zip(months, planned_cents, strict=True):
        obligated, expended = posted.get(month, (0, 0))
        planned_so_far += planned
        obligated_so_far += obligated
        expended_so_far += expended
        figures.append(
            MonthFigures(
                month,
                planned,
                obligated,
                expended,
                planned_so_far,
                obligated_so_far,
                expended_so_far,
                month > as_of_month,
                threshold_percent,
            )
        )
    return tuple(figures)


def execution_of(
    appropriation: Appropriation, scenario: Scenario | None, as_of: dt.date, phased: PhasedLines | None = None
) -> Execution:
    """Plan against actual for the appropriation in the scenario, as of a date (including it).

    `phased` is the scenario's lines on the appropriation already phased (`phased_lines`), for a
    caller that breaks the plan down too and should not read the lines twice.
    """
    threshold = office_settings().variance_threshold_percent
    plan = plan_of(phased if phased is not None else phased_lines(appropriation, scenario, as_of))
    posted = posted_by_month(appropriation.id, as_of)  # every month posted in, inside the period or not
    obligated = sum(month_obligated for month_obligated, _ in posted.values())
    expended = sum(month_expended for _, month_expended in posted.values())
    months = month_figures(plan.months, plan.planned_cents, posted, as_of, threshold)
    return Execution(
        appropriation=appropriation,
        scenario=scenario,
        as_of=as_of,
        allotted_cents=appropriation.allotted_cents,
        planned_cents=plan.total_cents,
        obligated_cents=obligated,
        expended_cents=expended,
        months=months,
        lapse=_lapse(appropriation, as_of, obligated, plan),
        variance_threshold_percent=threshold,
    )
