"""Plan against actual by division, object class, region and priority, against hand-computed figures.

The example is tests/execution_data.py: breakdown_example. As of 2026-12-15 (the third month):

- The plan is $1,800.10, even over twelve months: $150.00 and 10/12 of a cent a month. The months
  round down to $150.00 and the ten cents left go one each to October through July (equal
  fractions, earliest first): $150.01 a month through July. Planned to date (October to December)
  is therefore $450.03.
- Exactly, to date, L1 has $300.00, L2 $150.00 and L3 2.5 cents: $450.025 in all. The shown $450.03
  is shared in proportion (largest remainder): the half cent left over goes to the part with the
  largest fraction of a cent after scaling.
- Posted to date: 400.00 + 100.00 + 15.00 + 7.00 = $522.00 obligated; 50.00 + 0 + 15.00 + 2.00 =
  $67.00 expended (the $999.99 of 2026-12-20 is after the date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
import sqlalchemy as sa
from execution_data import breakdown_example

from models import User, db
from services.execution.breakdown import breakdown_of, execution_with_breakdown
from services.execution.spend_plan import phased_lines
from services.office.settings import office_settings, save_office_settings

AS_OF = dt.date(2026, 12, 15)


def _rows(table) -> list[tuple]:
    """(name, planned, planned to date, obligated, expended, variance) of each row, then the Total row."""
    return [
        (
            row.name,
            row.planned_cents,
            row.planned_to_date_cents,
            row.obligated_cents,
            row.expended_cents,
            row.variance_cents,
        )
        for row in (*table.rows, table.total)
    ]


def _set_threshold(percent: str) -> None:
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.gov"))
    save_office_settings(admin, replace(office_settings(), variance_threshold_percent=Decimal(percent)))
    db.session.commit()


def test_the_month_tables_planned_to_date_is_the_hand_computed_figure(app):
    funds, scenario = breakdown_example()
    execution = execution_with_breakdown(funds, scenario, AS_OF)
    assert [row.planned_cents for row in execution.months] == [15_001] * 10 + [15_000] * 2
    assert execution.months[2].cumulative_planned_cents == 45_003
    assert (execution.obligated_cents, execution.expended_cents) == (52_200, 6_700)


def test_by_division_names_them_and_puts_transactions_with_no_division_office_wide(app):
    funds, scenario = breakdown_example()
    table = execution_with_breakdown(funds, scenario, AS_OF).breakdown.by_division
    # IP's exact $300.025 and RPA's $150.00 share $450.03: scaled, IP is 300.0283 and RPA 150.0017
    # dollars; both round down to $450.02 and the cent left goes to IP, the larger fraction.
    assert _rows(table) == [
        ("International Programs", 120_010, 30_003, 41_500, 6_500, 11_497),
        ("Reports and Political Affairs", 60_000, 15_000, 10_000, 0, -5_000),
        ("Office-wide", 0, 0, 700, 200, 700),
        ("Total", 180_010, 45_003, 52_200, 6_700, 7_197),
    ]
    ip, rpa, office_wide = table.rows
    assert ip.unliquidated_cents == 35_000
    assert ip.variance_percent == Decimal("38.3")  # 114.97 / 300.03
    assert rpa.variance_percent == Decimal("-33.3")
    assert office_wide.id is None
    assert office_wide.variance_percent is None  # nothing planned
    assert office_wide.is_off_plan  # any variance where nothing was planned


def test_by_object_class_shows_the_code_and_title(app):
    funds, scenario = breakdown_example()
    table = execution_with_breakdown(funds, scenario, AS_OF).breakdown.by_object_class
    # Exactly 2.5 cents, $150.00 and $300.00 share $450.03: scaled 2.50003, 15000.1667 and 30000.3333
    # cents round down to $450.02, and the cent left goes to 21.0 (the largest fraction, .50003).
    assert _rows(table) == [
        ("21.0 Travel and transportation of persons", 10, 3, 1_500, 1_500, 1_497),
        ("25.2 Other services from non-Federal sources", 60_000, 15_000, 10_700, 200, -4_300),
        ("41.0 Grants, subsidies, and contributions", 120_000, 30_000, 40_000, 5_000, 10_000),
        ("Total", 180_010, 45_003, 52_200, 6_700, 7_197),
    ]


@pytest.mark.parametrize(
    ("attribute", "first", "second", "none"),
    [
        ("by_region", "Africa", "East Asia and Pacific", "No region"),
        ("by_priority", "Prosecution", "Protection", "No priority"),
    ],
)
def test_region_and_priority_count_actuals_through_the_award_their_document_names(app, attribute, first, second, none):
    funds, scenario = breakdown_example()
    table = getattr(execution_with_breakdown(funds, scenario, AS_OF).breakdown, attribute)
    # BRK-AF-1's $400.00 is Africa's and Prosecution's, BRK-EAP-1's $100.00 East Asia's and
    # Protection's; TA-999 ($15.00) and the office-wide $7.00 name no award.
    assert _rows(table) == [
        (first, 120_000, 30_000, 40_000, 5_000, 10_000),
        (second, 60_000, 15_000, 10_000, 0, -5_000),
        (none, 10, 3, 0, 0, -3),
        ("Not through an award", 0, 0, 2_200, 1_700, 2_200),
        ("Total", 180_010, 45_003, 52_200, 6_700, 7_197),
    ]


def test_every_table_adds_up_to_the_appropriation_to_the_cent(app):
    funds, scenario = breakdown_example()
    for as_of in (dt.date(2026, 9, 15), dt.date(2026, 10, 31), AS_OF, dt.date(2027, 4, 2), dt.date(2027, 12, 1)):
        execution = execution_with_breakdown(funds, scenario, as_of)
        to_date = sum(row.planned_cents for row in execution.months if str(row.month) <= as_of.isoformat()[:7])
        for table in vars(execution.breakdown).values():
            assert sum(row.planned_cents for row in table.rows) == table.total.planned_cents == 180_010
            assert sum(row.planned_to_date_cents for row in table.rows) == table.total.planned_to_date_cents == to_date
            assert sum(row.obligated_cents for row in table.rows) == execution.obligated_cents
            assert sum(row.expended_cents for row in table.rows) == execution.expended_cents


def test_before_the_period_nothing_is_planned_to_date_and_after_it_everything(app):
    funds, scenario = breakdown_example()
    before = execution_with_breakdown(funds, scenario, dt.date(2026, 9, 15)).breakdown.by_division
    assert [row.planned_to_date_cents for row in before.rows] == [0, 0]
    assert [row.obligated_cents for row in before.rows] == [0, 0]
    after = execution_with_breakdown(funds, scenario, dt.date(2027, 12, 1)).breakdown.by_division
    assert [(row.planned_cents, row.planned_to_date_cents) for row in after.rows] == [
        (120_010, 120_010),
        (60_000, 60_000),
        (0, 0),
    ]
    assert after.total.obligated_cents == 152_199  # the $999.99 of 2026-12-20 counts now


def test_the_highlight_follows_the_offices_threshold(app):
    funds, scenario = breakdown_example()

    def off_plan() -> dict[str, bool]:
        table = execution_with_breakdown(funds, scenario, AS_OF).breakdown.by_division
        return {row.name: row.is_off_plan for row in (*table.rows, table.total)}

    # IP +38.3%, RPA -33.3%, the total +16.0% (71.97 / 450.03); office-wide had nothing planned.
    assert off_plan() == {
        "International Programs": True,
        "Reports and Political Affairs": True,
        "Office-wide": True,
        "Total": True,
    }  # the default, 10%
    _set_threshold("35")
    assert off_plan() == {
        "International Programs": True,
        "Reports and Political Affairs": False,
        "Office-wide": True,
        "Total": False,
    }
    _set_threshold("40")
    assert off_plan()["International Programs"] is False


def test_the_breakdown_reads_the_actuals_once_and_each_tables_names_once(app):
    funds, scenario = breakdown_example()
    execution = execution_with_breakdown(funds, scenario, AS_OF)
    phased = phased_lines(funds, scenario, AS_OF)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        breakdown_of(execution, phased)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    # What named an award; the monthly sums of the whole months and the as-of month's transactions to
    # date (AS_OF is not a month's last day); then the names of divisions, classes, regions, priorities.
    assert len(statements) == 7
