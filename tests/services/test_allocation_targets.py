"""The default targets: last year's plan grown or cut to this year's money, leaning to the weights."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from money import largest_remainder
from services.allocation.targets import spread_targets


def test_growth_goes_by_last_year_times_weight():
    # $100 and $100 last year, weights 3 and 1, $40 more: shares 3:1 of the growth.
    assert spread_targets([100_00, 100_00], [Decimal(3), Decimal(1)], 240) == [130, 110]


def test_a_cut_goes_by_last_year_over_weight():
    # $100 and $100, weights 3 and 1, $40 less: the cut is shared 1/3 : 1, the weighted cell loses less.
    assert spread_targets([100_00, 100_00], [Decimal(3), Decimal(1)], 160) == [90, 70]


def test_a_cut_never_takes_a_cell_below_nothing():
    # $10 (weight 0.1) and $100 (weight 1), down to $50: by last/weight the small cell would give up
    # 100/(100+100) of $60 = $30 > $10, so it ends at $0 and the other gives the remaining $50.
    assert spread_targets([10_00, 100_00], [Decimal("0.1"), Decimal(1)], 50) == [0, 50]


def test_cells_weighted_zero_are_cut_first():
    assert spread_targets([50_00, 50_00], [Decimal(0), Decimal(1)], 70) == [20, 50]


def test_with_no_last_year_the_weights_alone_decide():
    assert spread_targets([0, 0, 0], [Decimal(2), Decimal(1), Decimal(1)], 100) == [50, 25, 25]
    assert spread_targets([0, 0], [Decimal(0), Decimal(0)], 9) == [5, 4]  # even, the odd dollar to the first


def test_a_cell_with_nothing_last_year_stays_at_nothing_when_others_had_money():
    assert spread_targets([0, 100_00], [Decimal(5), Decimal(1)], 150) == [0, 150]


@pytest.mark.parametrize("available", [0, 1, 99, 1_000, 123_457, 10_000_001])
def test_targets_add_up_to_the_money_in_whole_dollars(available):
    last = [12_345_67, 0, 98_76, 5_000_000_00, 1]
    weights = [Decimal("1.55"), Decimal("1.2"), Decimal("0.8"), Decimal("1.04"), Decimal(1)]
    targets = spread_targets(last, weights, available)
    assert sum(targets) == available
    assert all(isinstance(t, int) and t >= 0 for t in targets)


def test_largest_remainder_breaks_ties_to_the_earlier_cell():
    thirds = [Fraction(10, 3)] * 3
    assert largest_remainder(10, thirds) == [4, 3, 3]
    assert largest_remainder(2, [Fraction(1, 2), Fraction(3, 4), Fraction(3, 4)]) == [0, 1, 1]
