"""Execution across the office: every account's plan against actual, funds at risk of lapsing,
expired accounts, and the award pipeline (contracts/execution.md, "Definitions").

The figures are those of each appropriation's execution page, read with grouped queries (one per
question, not one per account) so the office page and the dashboard stay quick as transactions grow:
an account's obligated here is its execution page's obligated, to the cent, and its lapse forecast
is the same `forecast_at_recent_pace`.

Pure queries: nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models import ActualTransaction, Appropriation, Award, BudgetLine, Scenario, db
from models.reference import fiscal_year_of
from services.execution.figures import (
    MonthFigures,
    expires_this_year,
    forecast_at_recent_pace,
    month_figures,
    pace_window_start,
    recent_window_start,
    whole_months_between,
)
from services.execution.posted import posted
from services.execution.spend_plan import Month, fiscal_year_months, scenario_spend_plan
from services.office.settings import OfficeSettings


@dataclass(frozen=True)
class AccountExecution:
    """One appropriation's plan against actual as of a date (its execution page's totals)."""

    appropriation: Appropriation
    planned_cents: int  # the scenario's lines on it
    obligated_cents: int
    expended_cents: int
    forecast_lapse_cents: int | None  # at the recent pace; None unless it expires in the as-of fiscal year
    lapse_threshold_cents: int | None  # the office's; None before the first load of actuals (nothing to flag)
    as_of: dt.date

    @property
    def allotted_cents(self) -> int:
        return self.appropriation.allotted_cents

    @property
    def unliquidated_cents(self) -> int:
        return self.obligated_cents - self.expended_cents

    @property
    def unobligated_cents(self) -> int:
        return self.allotted_cents - self.obligated_cents

    @property
    def is_expired(self) -> bool:
        return self.appropriation.is_expired(self.as_of)

    @property
    def at_risk_of_lapsing(self) -> bool:
        """Forecast to leave more than the office's threshold unobligated when it expires."""
        if self.forecast_lapse_cents is None or self.lapse_threshold_cents is None:
            return False
        return self.forecast_lapse_cents > self.lapse_threshold_cents

    @property
    def days_to_cancellation(self) -> int | None:
        cancels_on = self.appropriation.cancels_on
        return None if cancels_on is None else (cancels_on - self.as_of).days


@dataclass(frozen=True)
class OfficeExecution:
    scenario: Scenario | None
    as_of: dt.date
    accounts: tuple[AccountExecution, ...]  # current accounts: not yet expired, or no-year
    expired: tuple[AccountExecution, ...]  # expired, not yet cancelled: open only to adjustments
    months: tuple[MonthFigures, ...]  # the as-of fiscal year, across the scenario's appropriations

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.as_of)

    @property
    def at_risk(self) -> list[AccountExecution]:
        return [account for account in self.accounts if account.at_risk_of_lapsing]

    def total(self, attribute: str) -> int:
        return sum(getattr(account, attribute) for account in self.accounts)


def _posted_by_appropriation(
    ids: list[int], through: dt.date, after: dt.date | None = None
) -> dict[int, tuple[int, int]]:
    """(obligated, expended) cents by appropriation, posted after `after` (if given) through `through`."""
    return {
        key: sums
        for (key,), sums in posted(through, after=after, appropriation_ids=ids, by=["appropriation_id"]).items()
    }


def _planned_by_appropriation(scenario: Scenario | None) -> dict[int, int]:
    if scenario is None:
        return {}
    return {
        appropriation_id: int(total)
        for appropriation_id, total in db.session.execute(
            sa.select(BudgetLine.appropriation_id, sa.func.sum(BudgetLine.amount_cents))
            .where(BudgetLine.scenario_id == scenario.id)
            .group_by(BudgetLine.appropriation_id)
        )
    }


def _accounts(
    appropriations: list[Appropriation], scenario: Scenario | None, as_of: dt.date, settings: OfficeSettings
) -> list[AccountExecution]:
    planned = _planned_by_appropriation(scenario)
    to_date, recent = _obligations_to_date_and_recent(appropriations, as_of)
    threshold = settings.lapse_threshold_cents
    # Before the office's first load every account would look unobligated: no flag until then. A sum
    # that is not zero already says a transaction was loaded (the sums are kept from the transactions).
    loaded = any(obligated or expended for obligated, expended in to_date.values())
    loaded = loaded or db.session.scalar(sa.select(ActualTransaction.id).limit(1)) is not None
    accounts = []
    for appropriation in appropriations:
        obligated, expended = to_date.get(appropriation.id, (0, 0))
        forecast = forecast_at_recent_pace(appropriation, as_of, obligated, recent.get(appropriation.id, 0))
        accounts.append(
            AccountExecution(
                appropriation,
                planned.get(appropriation.id, 0),
                obligated,
                expended,
                forecast,
                threshold if loaded else None,
                as_of,
            )
        )
    return accounts


def _obligations_to_date_and_recent(
    appropriations: list[Appropriation], as_of: dt.date
) -> tuple[dict[int, tuple[int, int]], dict[int, int]]:
    """(obligated, expended) to date by appropriation; and for those expiring this year, what was
    obligated in their pace window (after `pace_window_start` through `as_of`).

    The expiring ones are read by month, so that their window is the months after the one it starts
    in (already read) and the days of that month after it starts: one more query per window start
    (there are at most two), none when a window starts on a month's last day."""
    expiring = [appropriation for appropriation in appropriations if expires_this_year(appropriation, as_of)]
    others = [appropriation.id for appropriation in appropriations if not expires_this_year(appropriation, as_of)]
    to_date = _posted_by_appropriation(others, as_of) if others else {}
    by_month: dict[tuple, tuple[int, int]] = {}
    if expiring:
        by_month = posted(as_of, appropriation_ids=[a.id for a in expiring], by=["appropriation_id", "month"])
    for (appropriation_id, _), (obligated, expended) in by_month.items():
        was_obligated, was_expended = to_date.get(appropriation_id, (0, 0))
        to_date[appropriation_id] = (was_obligated + obligated, was_expended + expended)
    by_start: dict[dt.date, list[int]] = {}
    for appropriation in expiring:
        by_start.setdefault(pace_window_start(appropriation, as_of), []).append(appropriation.id)
    recent: dict[int, int] = {}
    for start, ids in by_start.items():
        first_month = Month.of(start)
        first_month_end = min(as_of, first_month.next().first_day - dt.timedelta(days=1))
        in_first_month = _posted_by_appropriation(ids, first_month_end, start) if start < first_month_end else {}
        for appropriation_id in ids:
            recent[appropriation_id] = in_first_month.get(appropriation_id, (0, 0))[0] + sum(
                obligated
                for (month_of, month), (obligated, _) in by_month.items()
                if month_of == appropriation_id and month > first_month
            )
    return to_date, recent


def _last_year(appropriation: Appropriation) -> int:
    """The last fiscal year of a fixed-year appropriation's availability."""
    return appropriation.fiscal_year + appropriation.availability_years - 1


def _not_cancelled(as_of: dt.date):
    """Funds cancel on 30 September of the fifth fiscal year after they expire (Appropriation.cancels_on)."""
    last_year = Appropriation.fiscal_year + Appropriation.availability_years - 1
    return sa.or_(Appropriation.availability_years.is_(None), last_year + 5 >= fiscal_year_of(as_of))


def office_execution(scenario: Scenario | None, as_of: dt.date, settings: OfficeSettings) -> OfficeExecution:
    """Every account that is planned in the scenario or has actuals, and has not been cancelled."""
    with_actuals = sa.select(ActualTransaction.appropriation_id).distinct()
    planned = sa.select(BudgetLine.appropriation_id).where(
        BudgetLine.scenario_id == (scenario.id if scenario else None)
    )
    appropriations = list(
        db.session.scalars(
            sa.select(Appropriation)
            .where(sa.or_(Appropriation.id.in_(with_actuals), Appropriation.id.in_(planned)), _not_cancelled(as_of))
            .order_by(Appropriation.fiscal_year.desc(), Appropriation.account_code)
        )
    )
    accounts = _accounts(appropriations, scenario, as_of, settings)
    return OfficeExecution(
        scenario,
        as_of,
        tuple(account for account in accounts if not account.is_expired),
        tuple(account for account in accounts if account.is_expired),
        office_months(scenario, as_of, settings.variance_threshold_percent) if scenario is not None else (),
    )


def lapse_risks(
    as_of: dt.date, settings: OfficeSettings, among: list[Appropriation] | None = None
) -> list[AccountExecution]:
    """The dashboard's flags: accounts expiring this fiscal year forecast to lapse above the threshold.

    `among`: the appropriations the caller has already read, to pick them from; else every one."""
    if among is None:
        among = list(
            db.session.scalars(
                sa.select(Appropriation).order_by(Appropriation.fiscal_year.desc(), Appropriation.account_code)
            )
        )
    expiring = [a for a in among if a.availability_years is not None and _last_year(a) == fiscal_year_of(as_of)]
    return [account for account in _accounts(expiring, None, as_of, settings) if account.at_risk_of_lapsing]


@dataclass(frozen=True)
class AwardPipeline:
    """An award's money obligated but not yet spent, against how fast it has been spending."""

    award: Award
    obligated_cents: int
    expended_cents: int
    recent_expended_cents: int  # in the last three months (the lapse forecast's window)
    last_expenditure_on: dt.date | None
    as_of: dt.date
    threshold_months: Decimal

    @property
    def unliquidated_cents(self) -> int:
        return self.obligated_cents - self.expended_cents

    @property
    def months_since_last_expenditure(self) -> int | None:
        """Whole calendar months from the last expenditure to the as-of date."""
        last = self.last_expenditure_on
        return None if last is None else whole_months_between(last, self.as_of)

    @property
    def pipeline_months(self) -> Decimal | None:
        """Unliquidated obligations over the average monthly expenditure of the last three months,
        to a tenth; None when nothing was spent in them (the pipeline does not drain at all)."""
        if self.recent_expended_cents <= 0:
            return None
        monthly = Decimal(self.recent_expended_cents) / 3
        return (Decimal(self.unliquidated_cents) / monthly).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def drain_months(self) -> Decimal:
        """For ordering: how long the money in hand lasts (forever when nothing is being spent)."""
        if self.unliquidated_cents <= 0:
            return Decimal(0)
        return Decimal("Infinity") if self.pipeline_months is None else self.pipeline_months

    @property
    def is_flagged(self) -> bool:
        """More months of money in hand than the office allows, or money in hand and no recent spending."""
        if self.unliquidated_cents <= 0:
            return False
        months = self.pipeline_months
        return months is None or months > self.threshold_months


def award_pipeline(as_of: dt.date, settings: OfficeSettings) -> list[AwardPipeline]:
    """Every award the financial system has posted against (by its number), longest pipeline first."""
    window_start = recent_window_start(as_of)
    by_then = ActualTransaction.posted_on <= as_of
    rows = db.session.execute(
        sa.select(
            Award,
            sa.func.sum(ActualTransaction.obligation_cents),
            sa.func.sum(ActualTransaction.expenditure_cents),
            sa.func.sum(
                sa.case((ActualTransaction.posted_on > window_start, ActualTransaction.expenditure_cents), else_=0)
            ),
            sa.func.max(sa.case((ActualTransaction.expenditure_cents != 0, ActualTransaction.posted_on))),
        )
        .join(ActualTransaction, ActualTransaction.document_number == Award.number)
        .where(by_then)
        .group_by(Award.id)
    )
    pipelines = [
        AwardPipeline(
            award,
            int(obligated),
            int(expended),
            int(recent),
            last,
            as_of,
            settings.pipeline_months_threshold,
        )
        for award, obligated, expended, recent, last in rows
    ]
    return sorted(
        pipelines, key=lambda pipeline: (not pipeline.is_flagged, -pipeline.drain_months, pipeline.award.number)
    )


def office_months(scenario: Scenario, as_of: dt.date, threshold_percent: Decimal) -> tuple[MonthFigures, ...]:
    """The as-of fiscal year's months across the appropriations the scenario plans: each month's
    planned is the sum of those appropriations' spend plans (as on their own pages), its obligated
    and expended what was posted on them that month, on or before the as-of date."""
    plan = scenario_spend_plan(scenario, as_of)
    planned = dict(zip(plan.months, plan.month_totals, strict=True))
    months = fiscal_year_months(fiscal_year_of(as_of))
    by_month = posted(
        as_of,
        after=months[0].first_day - dt.timedelta(days=1),
        appropriation_ids=[appropriation.id for appropriation, _ in plan.columns],
        by=["month"],
    )
    sums = {month: figures for (month,), figures in by_month.items()}
    return month_figures(months, [planned.get(month, 0) for month in months], sums, as_of, threshold_percent)
