"""Execution across the office: accounts, lapse flags, expired accounts and the award pipeline,
against the hand-computed example in execution_data.py and a small award written here."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import sqlalchemy as sa
from execution_data import execution_example, post

from models import Appropriation, Award, AwardStatus, ObjectClass, db
from services.execution.figures import forecast_at_recent_pace, pace_window_start
from services.execution.office import award_pipeline, lapse_risks, office_execution
from services.office.settings import office_settings


def _settings(**changes):
    return replace(office_settings(), **changes)


def test_an_account_in_its_year_shows_its_execution_pages_totals(app):
    funds, scenario = execution_example()
    office = office_execution(scenario, dt.date(2027, 6, 30), _settings())
    (account,) = office.accounts
    assert account.appropriation == funds
    assert account.planned_cents == 120_005
    assert (account.obligated_cents, account.expended_cents) == (84_200, 20_000)
    assert (account.unliquidated_cents, account.unobligated_cents) == (64_200, 15_800)
    # $158.00 unobligated less $92.00 at the pace of the last 92 days over the 92 days left.
    assert account.forecast_lapse_cents == 6_600
    assert office.expired == ()


def test_the_lapse_flag_follows_the_offices_threshold(app):
    funds, _ = execution_example()
    as_of = dt.date(2027, 6, 30)
    assert funds in [a.appropriation for a in lapse_risks(as_of, _settings(lapse_threshold=Decimal("65.99")))]
    assert funds not in [a.appropriation for a in lapse_risks(as_of, _settings(lapse_threshold=Decimal("66.00")))]


def test_nothing_is_flagged_before_the_first_load(app):
    # The template office has appropriations expiring in FY2027 and no actuals at all.
    assert lapse_risks(dt.date(2027, 6, 30), _settings(lapse_threshold=Decimal(0))) == []


def test_an_expired_account_shows_what_is_left_to_adjust_and_when_it_cancels(app):
    _, scenario = execution_example()
    office = office_execution(scenario, dt.date(2027, 10, 1), _settings())
    assert office.accounts == ()
    (account,) = office.expired
    assert account.unobligated_cents == 100_000 - 92_200
    assert account.unliquidated_cents == 92_200 - 33_000
    assert account.appropriation.cancels_on == dt.date(2032, 9, 30)
    assert account.days_to_cancellation == (dt.date(2032, 9, 30) - dt.date(2027, 10, 1)).days
    assert account.forecast_lapse_cents is None


def test_a_cancelled_account_is_no_longer_shown(app):
    _, scenario = execution_example()
    office = office_execution(scenario, dt.date(2032, 10, 1), _settings())
    assert office.accounts == office.expired == ()


def _award_with_actuals() -> Award:
    """$1,200.00 obligated on 1 October 2026, then $100.00 spent on the 20th of October to January."""
    funds, _ = execution_example()
    award = db.session.scalar(sa.select(Award).where(Award.status != AwardStatus.PENDING).order_by(Award.id).limit(1))
    grants = db.session.scalar(sa.select(ObjectClass).where(ObjectClass.code == "41.0"))
    payments = [(dt.date(y, m, 20), 0, 10_000) for y, m in PAYMENTS]
    rows = [(dt.date(2026, 10, 1), 120_000, 0), *payments]
    post(
        funds,
        "award.csv",
        [(f"AWARD-{n}", day, None, grants, award.number, o, e) for n, (day, o, e) in enumerate(rows, 2)],
    )
    return award


PAYMENTS = [(2026, 10), (2026, 11), (2026, 12), (2027, 1)]


def _pipeline_of(award: Award, as_of: dt.date, **settings):
    return next(row for row in award_pipeline(as_of, _settings(**settings)) if row.award == award)


def test_the_pipeline_is_unliquidated_over_recent_monthly_spending(app):
    award = _award_with_actuals()
    pipeline = _pipeline_of(award, dt.date(2027, 1, 31))
    assert (pipeline.obligated_cents, pipeline.expended_cents, pipeline.unliquidated_cents) == (120_000, 40_000, 80_000)
    # November to January: $300.00, $100.00 a month; $800.00 left is eight months of it.
    assert pipeline.recent_expended_cents == 30_000
    assert pipeline.pipeline_months == Decimal("8.0")
    assert pipeline.months_since_last_expenditure == 0
    assert not pipeline.is_flagged
    assert _pipeline_of(award, dt.date(2027, 1, 31), pipeline_months_threshold=Decimal("7.9")).is_flagged


def test_an_award_that_stopped_spending_is_flagged(app):
    award = _award_with_actuals()
    pipeline = _pipeline_of(award, dt.date(2027, 6, 30))
    assert pipeline.last_expenditure_on == dt.date(2027, 1, 20)
    assert pipeline.months_since_last_expenditure == 5
    assert pipeline.recent_expended_cents == 0
    assert pipeline.pipeline_months is None
    assert pipeline.is_flagged
    # The day before the 20th, a fifth month has not yet gone by.
    assert _pipeline_of(award, dt.date(2027, 6, 19)).months_since_last_expenditure == 4


def test_the_office_months_add_the_plans_and_the_postings_of_the_fiscal_year(app):
    _, scenario = execution_example()
    months = office_execution(scenario, dt.date(2027, 6, 30), _settings()).months
    figures = {str(row.month): (row.planned_cents, row.obligated_cents, row.expended_cents) for row in months}
    assert [str(row.month) for row in months] == [f"2026-{m}" for m in (10, 11, 12)] + [
        f"2027-{m:02d}" for m in range(1, 10)
    ]
    # The plan: $100.00 a month, a cent more October to February; postings as in execution_data.py.
    assert figures["2026-10"] == (10_001, 50_000, 0)
    assert figures["2026-11"] == (10_001, 30_000, 20_000)
    assert figures["2026-12"] == (10_001, -5_000, 0)
    assert figures["2027-05"] == (10_000, 9_200, 0)
    assert figures["2027-09"] == (10_000, 0, 0)  # posted on the 30th, after the as-of date
    assert sum(planned for planned, _, _ in figures.values()) == 120_005
    assert [row.is_after_as_of for row in months] == [False] * 9 + [True] * 3
    # $399.99 over $100.01 is 399.950005%: to a tenth, 400.0%.
    assert months[0].is_off_plan
    assert months[0].variance_percent == Decimal("400.0")


def test_the_pace_of_new_funds_counts_only_the_days_since_their_period_began():
    funds = Appropriation(account_code="NEW", fiscal_year=2027, availability_years=1, allotted_cents=1_000_000)
    as_of = dt.date(2026, 10, 31)
    # Three months back is 31 July, before the funds existed: the window starts after 30 September.
    assert pace_window_start(funds, as_of) == dt.date(2026, 9, 30)
    # $310.00 in 31 days is $10.00 a day; 334 days to 30 September 2027: $3,340.00 more.
    assert forecast_at_recent_pace(funds, as_of, 31_000, 31_000) == 1_000_000 - 31_000 - 334_000
    # Three cents in 31 days over 334 days is 32.32 cents: $10.00 less that is 967.68 cents, 968 half up.
    small = Appropriation(account_code="NEW", fiscal_year=2027, availability_years=1, allotted_cents=1_000)
    assert forecast_at_recent_pace(small, as_of, 0, 3) == 968
    # Funds that do not expire in the as-of date's fiscal year have no forecast.
    assert forecast_at_recent_pace(Appropriation(fiscal_year=2027, availability_years=2), as_of, 0, 0) is None
