"""22 U.S.C. 2706 as the defaults say it, each case computed by hand: when a move needs notice, and when
its money may first be obligated around the expiry of a one-year and a two-year appropriation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.office.settings import NoticeThreshold, OfficeSettings
from services.reprogramming.law import NoticeLaw, earliest_obligation, execution_refusal, judge_move

LAW = NoticeLaw.of(OfficeSettings())  # the defaults: $1,000,000 or 10%, whichever is less; 15 days; 15 last days
M = 100_000_000  # a million dollars, in cents


def augment(amount_cents: int, to_base_cents: int, law: NoticeLaw = LAW):
    """A move into "Protection in WHA" from a group so large that taking from it never matters."""
    return judge_move(amount_cents, 1000 * M, to_base_cents, "Prosecution in AF", "Protection in WHA", law)


def reduce(amount_cents: int, from_base_cents: int):
    return judge_move(amount_cents, from_base_cents, 1000 * M, "Prosecution in AF", "Protection in WHA", LAW)


def test_the_defaults_are_the_statute():
    assert (LAW.citation, LAW.amount_cents, LAW.percent, LAW.threshold) == (
        "22 U.S.C. 2706",
        M,
        Decimal(10),
        NoticeThreshold.LESSER,
    )
    assert (LAW.hold_days, LAW.last_days, LAW.waiver) == (15, 15, True)


def test_exactly_one_million_is_not_more_than_one_million():
    assert not augment(M, 50 * M).notification_required  # 10% of $50M is $5M: $1M is the lesser
    judged = augment(M + 1, 50 * M)
    assert judged.notification_required
    assert judged.reasons == ("augments Protection in WHA by $1,000,000.01, more than $1,000,000",)


def test_exactly_ten_percent_is_not_more_than_ten_percent():
    assert not augment(50_000_000, 5 * M).notification_required  # $500,000 of $5,000,000
    assert augment(50_000_001, 5 * M).reasons == (
        "augments Protection in WHA by $500,000.01, more than 10% of its base of $5,000,000",
    )


def test_whichever_is_less_switches_at_a_base_of_ten_million():
    # At $10,000,000 both limits are $1,000,000.
    assert not augment(M, 10 * M).notification_required
    assert augment(M + 1, 10 * M).notification_required
    # Ten cents below: 10% is $999,999.99, now the lesser.
    assert not augment(99_999_999, 10 * M - 10).notification_required
    assert augment(M, 10 * M - 10).reasons == (
        "augments Protection in WHA by $1,000,000, more than 10% of its base of $9,999,999.90",
    )
    # Ten cents above: 10% is $1,000,000.01; $1,000,000 is the lesser.
    assert augment(M + 1, 10 * M + 10).reasons == ("augments Protection in WHA by $1,000,000.01, more than $1,000,000",)


def test_whichever_is_greater_when_another_act_says_so():
    greater = NoticeLaw.of(OfficeSettings(reprogramming_notice_threshold=NoticeThreshold.GREATER))
    assert not augment(2 * M, 50 * M, greater).notification_required  # $2M is not more than $5M
    assert augment(5 * M + 1, 50 * M, greater).notification_required


def test_a_reduction_of_ten_percent_needs_notice_and_one_of_nine_point_nine_nine_does_not():
    assert not reduce(99_900_000, 10 * M).notification_required  # $999,000 of $10,000,000: 9.99%
    assert reduce(M, 10 * M).reasons == (
        "reduces Prosecution in AF by $1,000,000, 10% or more of its base of $10,000,000",
    )


def test_creating_and_eliminating_a_program():
    created = judge_move(100, 5 * M, 0, "Prosecution in AF", "Protection in Aruba", LAW)
    assert created.reasons == ("creates Protection in Aruba: it has no money in the plan",)
    eliminated = judge_move(M, M, 1000 * M, "Prosecution in AF", "Protection in WHA", LAW)
    assert eliminated.reasons == ("eliminates Prosecution in AF: it moves all of its $1,000,000",)


ONE_YEAR = dt.date(2027, 9, 30)  # FY2027 one-year funds
TWO_YEAR = dt.date(2028, 9, 30)  # FY2027 two-year funds


@pytest.mark.parametrize(
    ("notified_on", "earliest"),
    [
        (dt.date(2027, 3, 1), dt.date(2027, 3, 16)),  # fifteen days' hold
        (dt.date(2027, 9, 1), dt.date(2027, 9, 16)),  # the hold ends on the first of the last fifteen days
        (dt.date(2027, 9, 15), dt.date(2027, 9, 30)),  # notified the day before them: the last day
        (dt.date(2027, 9, 16), None),  # notified inside the last fifteen days: never, without a waiver
    ],
)
def test_the_hold_and_the_last_days_of_one_year_funds(notified_on, earliest):
    timing = earliest_obligation(notified_on, True, notified_on, ONE_YEAR, LAW)
    assert timing.earliest == earliest


def test_the_same_dates_are_far_from_the_end_of_two_year_funds():
    timing = earliest_obligation(dt.date(2027, 9, 16), True, dt.date(2027, 9, 16), TWO_YEAR, LAW)
    assert timing.earliest == dt.date(2027, 10, 1)
    assert timing.why == "Notified 16 September 2027, the 15-day hold ends 1 October 2027."


def test_a_hold_that_ends_after_the_funds_expire():
    no_window = NoticeLaw.of(OfficeSettings(reprogramming_last_days=0))
    timing = earliest_obligation(dt.date(2027, 9, 20), True, dt.date(2027, 9, 20), ONE_YEAR, no_window)
    assert timing.earliest is None
    assert timing.why == "The 15-day hold ends after the funds expire on 30 September 2027."


def test_no_notice_needed_means_at_once_and_a_notice_not_sent_counts_from_today():
    assert earliest_obligation(dt.date(2027, 9, 29), False, None, ONE_YEAR, LAW).earliest == dt.date(2027, 9, 29)
    assert earliest_obligation(dt.date(2027, 3, 1), True, None, ONE_YEAR, LAW).earliest == dt.date(2027, 3, 16)
    assert earliest_obligation(dt.date(2027, 9, 20), True, None, ONE_YEAR, LAW).earliest is None


def test_executing_is_refused_before_the_hold_ends_and_allowed_on_its_last_day():
    notified = dt.date(2027, 3, 1)
    assert execution_refusal(dt.date(2027, 3, 15), True, notified, ONE_YEAR, LAW) == (
        "The notice is held until 16 March 2027: Notified 1 March 2027, the 15-day hold ends 16 March 2027."
    )
    assert execution_refusal(dt.date(2027, 3, 16), True, notified, ONE_YEAR, LAW) is None
    assert execution_refusal(dt.date(2027, 3, 1), True, None, ONE_YEAR, LAW) == (
        "It needs a notification under 22 U.S.C. 2706, and none has been recorded."
    )
    assert execution_refusal(dt.date(2027, 9, 29), False, None, ONE_YEAR, LAW) is None
