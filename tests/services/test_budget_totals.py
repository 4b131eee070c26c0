"""Totals of any set of lines are exact to the cent, computed in SQL (on SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Appropriation, BudgetLine, Division, ObjectClass, Region, Scenario, ScenarioKind, db
from services.budget.queries import LineFilter, list_lines, totals_by


def _empty_scenario(name: str) -> Scenario:
    scenario = Scenario(name=name, budget_year=2027, kind=ScenarioKind.PLAN)
    db.session.add(scenario)
    db.session.flush()
    return scenario


amounts = st.lists(st.integers(min_value=0, max_value=10**13), min_size=0, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=amounts, regions=st.lists(st.integers(min_value=0, max_value=6), min_size=40, max_size=40))
def test_totals_are_exact_to_the_cent(app, cents, regions):
    scenario = _empty_scenario("hypothesis")
    appropriation = db.session.scalar(sa.select(Appropriation).where(Appropriation.fiscal_year == 2027))
    division = db.session.scalar(sa.select(Division))
    object_class = db.session.scalar(sa.select(ObjectClass).where(ObjectClass.code == "41.0"))
    region_ids = list(db.session.scalars(sa.select(Region.id).order_by(Region.id)))
    db.session.add_all(
        BudgetLine(
            scenario_id=scenario.id,
            fiscal_year=2027,
            appropriation_id=appropriation.id,
            division_id=division.id,
            object_class_id=object_class.id,
            region_id=region_ids[regions[i] % len(region_ids)],
            amount_cents=amount,
        )
        for i, amount in enumerate(cents)
    )
    db.session.flush()
    page = list_lines(LineFilter(scenario_id=scenario.id), per_page=5)
    expected = sum(Decimal(c) / 100 for c in cents)  # exact decimal arithmetic, independent of SQL
    assert Decimal(page.total_cents) / 100 == expected
    assert page.total == len(cents)
    by_region = totals_by(LineFilter(scenario_id=scenario.id), ["region"])
    assert sum(row["amount_cents"] for row in by_region) == sum(cents)
    db.session.rollback()


def test_totals_by_dimensions_match_the_lines(app):
    plan = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2027 plan"))
    rows = totals_by(LineFilter(scenario_id=plan.id), ["appropriation", "object_class"])
    lines = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.scenario_id == plan.id)).all()
    expected: dict[tuple[str, str], int] = {}
    for line in lines:
        key = (f"{line.appropriation.account_code} FY{line.appropriation.fiscal_year}", line.object_class.code)
        expected[key] = expected.get(key, 0) + line.amount_cents
    assert {(r["appropriation"], r["object_class"]): r["amount_cents"] for r in rows} == expected
