"""Compare reads as an analyst's table: the budget year's plan against the current year's enacted,
account by account across fiscal years, with the prior year's actuals, named, not coded."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models import Appropriation, BudgetLine, Scenario, db
from money import format_dollars


def _scenario(name: str) -> Scenario:
    return db.session.scalar(sa.select(Scenario).where(Scenario.name == name))


def _account_total(scenario: Scenario, account: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0))
        .join(Appropriation, Appropriation.id == BudgetLine.appropriation_id)
        .where(BudgetLine.scenario_id == scenario.id, Appropriation.account_code == account)
    )


def _row(html: str, heading_starts: str) -> list[str]:
    row = re.search(rf'<th scope="row">{re.escape(heading_starts)}[^<]*</th>(.*?)</tr>', html, re.S)
    assert row, heading_starts
    return re.findall(r'<td class="money[^"]*">([^<]*)</td>', row.group(1))


def test_compare_opens_on_the_plan_against_last_years_enacted_by_account(client, auth):
    auth.login("viewer@example.gov")
    html = client.get("/scenarios/compare").get_data(as_text=True)
    py, cy, by = _scenario("FY2025 actual"), _scenario("FY2026 enacted"), _scenario("FY2027 plan")
    assert f'<th scope="col" class="money">PY: {py.name}</th>' in html
    assert f'<th scope="col" class="money">CY: {cy.name}</th>' in html
    assert f'<th scope="col" class="money">BY: {by.name}</th>' in html
    # DP's fiscal years are one row: each scenario's DP lines, whatever their year of funds.
    cells = _row(html, "DP ")
    expected = [_account_total(s, "DP") for s in (py, cy, by)]
    assert cells[:3] == [format_dollars(cents) for cents in expected]
    assert cells[3] == format_dollars(expected[2] - expected[1])
    change = Decimal(expected[2] - expected[1]) * 100 / expected[1]  # of CY; not −100% and "new" as by year
    assert cells[4] == f"{change.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    assert 'name="by" value="account" checked' in html


def test_compare_by_division_and_priority_names_them(client, auth):
    auth.login("viewer@example.gov")
    cy, by = _scenario("FY2026 enacted"), _scenario("FY2027 plan")
    html = client.get(f"/scenarios/compare?a={cy.id}&b={by.id}&by=division&by=priority").get_data(as_text=True)
    assert '<th scope="row">International Programs</th>' in html
    assert ">Protection<" in html
    assert ">IP<" not in html
    unknown = client.get(f"/scenarios/compare?a={cy.id}&b={by.id}&by=colour")
    assert unknown.status_code == 200
    assert "Unknown dimension" in unknown.get_data(as_text=True)
