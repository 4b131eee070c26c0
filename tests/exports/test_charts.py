"""Chart geometry: exact, computed once in Python, and ready to print."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exports.charts import BarSeries, bar_chart, chart_id, line_chart, nice_scale, short_dollars


@pytest.mark.parametrize(
    ("cents", "label"),
    [
        (95_000, "$950"),
        (1_250_000, "$12.5K"),
        (1_234_567_890, "$12.3M"),
        (-123_456_789_012, "-$1.2B"),
        (100_000_000, "$1M"),
        (99_996_000, "$1M"),  # $999,960 rounds to a million, not to "$1000K"
        (0, "$0"),
    ],
)
def test_short_dollars(cents, label):
    assert short_dollars(cents) == label


def test_the_scale_includes_zero_and_steps_by_a_round_amount():
    scale = nice_scale([340_000_000, 120_000_000])  # $3.4M at most
    assert (scale.low, scale.high, scale.step) == (0, 400_000_000, 100_000_000)
    scale = nice_scale([-5_000_000, 123_456_789])  # -$50K to $1.23M: 5 steps of $250K would not reach
    assert (scale.low, scale.high, scale.step) == (-50_000_000, 150_000_000, 50_000_000)
    assert nice_scale([0, 0]).values == range(0, 101, 100)  # nothing but zeros: an axis to a dollar


def test_bars_are_exactly_proportional_to_their_amounts():
    chart = bar_chart(
        "Allotted & planned",
        ["INCLE FY2027", "ESF FY2027"],
        [BarSeries("Allotted", [100_000_001, -25_000_000]), BarSeries("Planned", [75_000_000, None])],
    )
    assert chart.id == "chart-allotted-planned"
    (incle_allotted, incle_planned), (esf_allotted, esf_planned) = (group.bars for group in chart.groups)
    assert [tick.label for tick in chart.ticks] == ["-$500K", "$0", "$500K", "$1M", "$1.5M"]
    # The plot is 500 units wide from x=210 over -$500K..$1.5M: zero at 335, a dollar is 500/2,000,000 of a unit.
    assert chart.zero_x == "335.0"
    assert (incle_allotted.x, incle_allotted.width) == ("335.0", "250.0")  # $1,000,000.01
    assert (incle_planned.x, incle_planned.width) == ("335.0", "187.5")
    assert (esf_allotted.x, esf_allotted.width) == ("272.5", "62.5")  # a negative bar ends at zero
    assert esf_allotted.value_x == "339.0"  # its label right of zero, not over the bar
    assert (esf_planned.width, esf_planned.value_label) == ("0.0", "—")
    assert incle_allotted.tooltip == "Allotted, INCLE FY2027: $1,000,000.01"
    assert [row.cells for row in chart.rows] == [("$1,000,000.01", "$750,000"), ("-$250,000", "—")]


def test_every_coordinate_is_printed_to_a_tenth():
    chart = bar_chart("Thirds", ["a", "b", "c"], [BarSeries("x", [100, 200, 300])])
    printed = [tick.at for tick in chart.ticks] + [bar.x for g in chart.groups for bar in g.bars]
    printed += [bar.width for g in chart.groups for bar in g.bars]
    assert all(Decimal(value).as_tuple().exponent == -1 for value in printed)


def test_a_chart_without_categories_or_series_is_empty():
    assert bar_chart("Nothing yet", [], [BarSeries("Allotted", [])]).is_empty
    assert bar_chart("Nothing yet", ["INCLE"], []).is_empty
    assert not bar_chart("Something", ["INCLE"], [BarSeries("Allotted", [0])]).is_empty


def test_line_names_at_the_right_end_do_not_overlap():
    chart = line_chart(
        "Total by region",
        ["80%", "100%", "120%"],
        {"Africa": [10_000_000, 20_000_000, 30_000_000], "Europe": [10_000_000, 20_000_000, 29_900_000]},
    )
    africa, europe = chart.lines
    assert africa.points == "80.0,220.0 365.0,120.0 650.0,20.0"
    assert Decimal(europe.label_y) - Decimal(africa.label_y) >= 12
    assert [(tick.at, tick.label) for tick in chart.y_ticks][-1] == ("20.0", "$300K")
    assert europe.cells == ("$100,000", "$200,000", "$299,000")


def test_chart_ids_keep_letters_and_digits():
    assert chart_id("Mortgage by fiscal year — FY2027, INCLE") == "chart-mortgage-by-fiscal-year-fy2027-incle"
    assert chart_id("—") == "chart-x"
