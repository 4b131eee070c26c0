"""Plan against actual: the definitions, the spend plan and the lapse forecast, against hand-computed figures."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from execution_data import execution_example
from hypothesis import given
from hypothesis import strategies as st

from models import Appropriation, LineSource
from models.spending import ProfileKind, profile_weights
from money import largest_remainder
from services.execution.figures import execution_of
from services.execution.spend_plan import (
    Month,
    PhasedLine,
    PhasedLines,
    PlanLine,
    _weights,
    fiscal_year_months,
    period_months,
    plan_of,
    spend_plan,
)


def _by_month(execution) -> dict[str, tuple[int, int, int]]:
    return {row.label: (row.planned_cents, row.obligated_cents, row.expended_cents) for row in execution.months}


def test_a_fiscal_year_runs_from_october_to_september():
    months = [str(month) for month in fiscal_year_months(2027)]
    assert months[0] == "2026-10"
    assert months[-1] == "2027-09"
    assert len(months) == 12


def test_the_spend_plan_is_even_and_the_leftover_cents_go_to_the_earliest_months(app):
    funds, scenario = execution_example()
    plan = spend_plan(funds, scenario, dt.date(2027, 1, 1))
    assert [str(month) for month in plan.months] == [str(month) for month in fiscal_year_months(2027)]
    assert plan.planned_cents == (10_001,) * 5 + (10_000,) * 7
    assert sum(plan.planned_cents) == plan.total_cents == 120_005


def test_obligated_and_expended_as_of_a_date_include_it(app):
    funds, scenario = execution_example()
    assert (execution_of(funds, scenario, dt.date(2026, 11, 19)).obligated_cents) == 50_000
    on_the_day = execution_of(funds, scenario, dt.date(2026, 11, 20))
    assert (on_the_day.obligated_cents, on_the_day.expended_cents) == (80_000, 20_000)
    assert on_the_day.unliquidated_cents == 60_000
    assert on_the_day.unobligated_cents == 20_000
    assert _by_month(on_the_day)["2026-11"] == (10_001, 30_000, 20_000)
    assert _by_month(on_the_day)["2026-12"] == (10_001, 0, 0)  # not posted yet as of the date


def test_a_deobligation_reduces_obligated(app):
    funds, scenario = execution_example()
    execution = execution_of(funds, scenario, dt.date(2026, 12, 31))
    assert execution.obligated_cents == 75_000
    assert _by_month(execution)["2026-12"] == (10_001, -5_000, 0)
    assert execution.months[2].cumulative_obligated_cents == 75_000


def test_the_expiry_day_is_in_the_last_month_and_the_day_after_in_no_month(app):
    funds, scenario = execution_example()
    on_expiry = execution_of(funds, scenario, dt.date(2027, 9, 30))
    assert (on_expiry.obligated_cents, on_expiry.expended_cents) == (94_200, 30_000)
    assert _by_month(on_expiry)["2027-09"] == (10_000, 10_000, 10_000)
    assert on_expiry.unobligated_cents == 5_800
    after = execution_of(funds, scenario, dt.date(2027, 10, 1))
    assert (after.obligated_cents, after.expended_cents) == (92_200, 33_000)
    assert after.unliquidated_cents == 59_200
    assert [row.label for row in after.months][-1] == "2027-09"
    assert sum(row.obligated_cents for row in after.months) == 94_200  # the adjustment is in no month


def test_lapse_at_the_pace_of_the_last_three_months(app):
    funds, scenario = execution_example()
    execution = execution_of(funds, scenario, dt.date(2027, 6, 30))
    # Unobligated $158.00; $92.00 obligated in the 92 days after 2027-03-30; 92 days left: $92.00 more.
    assert execution.unobligated_cents == 15_800
    assert execution.lapse.expires_on == dt.date(2027, 9, 30)
    assert execution.lapse.forecast_unobligated_cents == 6_600
    # The plan's pace: $300.00 planned for July to September, more than is left.
    assert execution.lapse.at_plan_pace_cents == 0


def test_lapse_once_expired_is_what_was_left_and_none_in_an_earlier_year(app):
    funds, scenario = execution_example()
    expired = execution_of(funds, scenario, dt.date(2027, 10, 1)).lapse
    assert (expired.forecast_unobligated_cents, expired.at_plan_pace_cents) == (5_800, 5_800)
    earlier = execution_of(funds, scenario, dt.date(2026, 9, 15)).lapse
    assert earlier.expires_on == dt.date(2027, 9, 30)
    assert earlier.forecast_unobligated_cents is None


FY2027 = fiscal_year_months(2027)


@pytest.mark.parametrize(
    ("source", "day", "expected"),
    [
        (LineSource.AWARD, dt.date(2026, 3, 15), "2027-03"),  # an increment: the anniversary month in FY2027
        (LineSource.AWARD, dt.date(2026, 11, 2), "2026-11"),
        (LineSource.TRAVEL, dt.date(2027, 2, 10), "2027-02"),
    ],
)
def test_awards_and_trips_are_planned_in_one_month(source, day, expected):
    weights = _weights(PlanLine(100, 2027, source, 1, 1, 1, None, None), FY2027, {(source, 1): day})
    assert {str(month): weight for month, weight in weights.items()} == {expected: Fraction(1)}


def test_a_trip_after_the_funds_expire_falls_back_to_even():
    weights = _weights(
        PlanLine(100, 2027, LineSource.TRAVEL, 1, 1, 1, None, None),
        FY2027,
        {(LineSource.TRAVEL, 1): dt.date(2027, 11, 1)},
    )
    assert set(weights) == set(FY2027)
    assert set(weights.values()) == {Fraction(1, 12)}


def test_staffing_is_planned_by_pay_periods_from_the_start_date():
    # From 2027-08-02: periods end 08-15, 08-29, 09-12, 09-26 (the next ends after the year).
    weights = _weights(
        PlanLine(100, 2027, LineSource.STAFFING, 1, 1, 1, None, None),
        FY2027,
        {(LineSource.STAFFING, 1): dt.date(2027, 8, 2)},
    )
    assert weights == {Month(2027, 8): Fraction(1, 2), Month(2027, 9): Fraction(1, 2)}


@given(
    st.integers(min_value=1, max_value=36).flatmap(
        lambda months: st.lists(
            st.tuples(
                st.integers(min_value=-(10**12), max_value=10**12),
                st.lists(st.integers(min_value=0, max_value=1000), min_size=months, max_size=months).filter(any),
            ),
            max_size=8,
        ).map(lambda lines: (months, lines))
    )
)
def test_the_months_always_add_up_to_the_total_to_the_cent(case):
    months, lines = case
    exact = [Fraction(0)] * months
    for amount, weights in lines:
        for index, weight in enumerate(weights):
            exact[index] += Fraction(amount * weight, sum(weights))
    total = sum(amount for amount, _weights in lines)
    planned = largest_remainder(total, exact)
    assert sum(planned) == total
    assert all(abs(cents - share) < 1 for cents, share in zip(planned, exact, strict=True))


# A custom profile: twelve percentages in hundredths adding up to exactly 100.00 (cut points in 0..10000).
_CUSTOM = st.lists(st.integers(min_value=0, max_value=10_000), min_size=11, max_size=11).map(
    lambda cuts: [b - a for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), 10_000], strict=True)]
)
_PROFILE = st.one_of(
    st.sampled_from([ProfileKind.EVEN, ProfileKind.FRONT_LOADED, ProfileKind.BACK_LOADED]).map(profile_weights),
    _CUSTOM.map(lambda hundredths: profile_weights(ProfileKind.CUSTOM, hundredths)),
)


@given(
    profiles=st.dictionaries(st.tuples(st.integers(1, 3), st.integers(1, 3)), _PROFILE, max_size=9),
    lines=st.lists(
        st.tuples(
            st.integers(min_value=-(10**12), max_value=10**12),
            st.integers(2026, 2029),  # the fiscal year: 2029 is outside the period, so even over it
            st.integers(1, 3),
            st.integers(1, 3),
            st.sampled_from([LineSource.MANUAL, LineSource.ALLOCATION, LineSource.IMPORT, LineSource.TRAVEL]),
        ),
        max_size=10,
    ),
)
def test_with_any_profiles_the_months_still_add_up_to_the_total_to_the_cent(profiles, lines):
    months = fiscal_year_months(2026) + fiscal_year_months(2027) + fiscal_year_months(2028)
    departs = {(LineSource.TRAVEL, 1): dt.date(2027, 4, 2)}
    phased = []
    for amount, year, division, object_class, source in lines:
        line = PlanLine(amount, year, source, 1, division, object_class, None, None)
        weights = _weights(line, months, departs, profiles)
        assert sum(weights.values()) == 1
        phased.append(PhasedLine(line, {month: amount * weight for month, weight in weights.items()}))
    plan = plan_of(PhasedLines(tuple(months), tuple(phased)))
    assert sum(plan.planned_cents) == plan.total_cents == sum(amount for amount, *_ in lines)
    exact = {month: sum((line.exact_cents.get(month, 0) for line in phased), Fraction(0)) for month in months}
    assert all(abs(cents - exact[month]) < 1 for month, cents in zip(months, plan.planned_cents, strict=True))


def test_no_year_funds_run_from_their_first_year_to_the_as_of_year_or_the_last_planned_year():
    funds = Appropriation(account_code="NOYR", fiscal_year=2026, availability_years=None)
    months = period_months(funds, dt.date(2027, 3, 1))
    assert (str(months[0]), str(months[-1]), len(months)) == ("2025-10", "2027-09", 24)
    assert str(period_months(funds, dt.date(2027, 3, 1), [2029])[-1]) == "2029-09"
