"""The budget lines page opens on one scenario, so its total is a scenario's total, not plans added to actuals."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import BudgetLine, Scenario, db
from money import format_dollars


def _total(html: str) -> str:
    return re.search(r'data-testid="lines-total">([^<]+)<', html).group(1)


def test_the_lines_page_opens_on_the_working_plan_and_says_when_scenarios_are_added(client, auth):
    auth.login("viewer@example.gov")
    plan = db.session.scalar(sa.select(Scenario).where(Scenario.name == "FY2027 plan"))
    plan_total = db.session.scalar(
        sa.select(sa.func.sum(BudgetLine.amount_cents)).where(BudgetLine.scenario_id == plan.id)
    )
    every_total = db.session.scalar(sa.select(sa.func.sum(BudgetLine.amount_cents)))
    assert plan_total != every_total

    opened = client.get("/lines").get_data(as_text=True)
    assert _total(opened) == format_dollars(plan_total)
    assert f'<option selected value="{plan.id}">FY2027 plan</option>' in opened
    assert "added together" not in opened

    every = client.get("/lines?scenario=").get_data(as_text=True)
    assert _total(every) == format_dollars(every_total)
    assert "every scenario's lines added together" in every
