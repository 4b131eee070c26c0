"""The spending profile pages and the scenario's spend plan table, against the execution API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from execution_data import execution_example
from helpers import api_cents, bearer, plan_scenario

from models import BudgetLine, Division, ObjectClass, SpendingProfile, db
from money import format_dollars
from services.execution.spend_plan import scenario_spend_plan

API = "/api/v1"
AS_OF = "2027-01-15"


@pytest.fixture
def token(app) -> dict[str, str]:
    return bearer("viewer@example.gov")


def _ids() -> tuple[int, int]:
    division = db.session.scalar(sa.select(Division.id).where(Division.code == "IP"))
    grants = db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0"))
    return division, grants


def _planned(client, token, funds_id: int, scenario_id: int) -> dict[str, int]:
    answer = client.get(
        f"{API}/appropriations/{funds_id}/execution",
        query_string={"scenario": scenario_id, "as_of": AS_OF},
        headers=token,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {month["month"]: api_cents(month["planned"]) for month in answer.get_json()["months"]}


def test_a_resource_manager_front_loads_a_profile_and_the_execution_plan_follows(app, client, auth, token):
    funds, scenario = execution_example()  # $1,200.05 of manual IP 41.0 lines on TEST FY2027
    division, grants = _ids()
    auth.login("rm@example.gov")
    edit = f"/appropriations/{funds.id}/spending-profiles/{division}/{grants}"
    page = client.get(edit).get_data(as_text=True)
    for month in ("October", "January", "September"):
        assert re.search(rf'<label[^>]*for="{month.lower()}"[^>]*>\s*{month}', page), month
    answer = client.post(edit, data={"kind": "front_loaded", "version": "0", "csrf_token": auth.csrf(edit)})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/appropriations/{funds.id}/spending-profiles")
    # $1,200.05 × 12/78 ... × 1/78: 18462.31, 16923.78, 15385.26, 13846.73, 12308.21, 10769.68, 9231.15,
    # 7692.63, 6154.10, 4615.58, 3077.05, 1538.53 cents; rounded down they make 120000, and the 5 cents
    # left go to the largest fractions: November, January, March, May, July.
    planned = _planned(client, token, funds.id, scenario.id)
    assert list(planned.values()) == [18462, 16924, 15385, 13847, 12308, 10770, 9231, 7693, 6154, 4616, 3077, 1538]
    assert sum(planned.values()) == 120_005
    listing = client.get(f"/appropriations/{funds.id}/spending-profiles?scenario={scenario.id}")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "Front-loaded" in text
    assert format_dollars(120_005) in text


def test_percentages_that_do_not_add_up_are_refused_with_422_and_nothing_changes(app, client, auth, token):
    funds, scenario = execution_example()
    division, grants = _ids()
    before = _planned(client, token, funds.id, scenario.id)
    auth.login("rm@example.gov")
    edit = f"/appropriations/{funds.id}/spending-profiles/{division}/{grants}"
    data = {"kind": "custom", "october": "60", "november": "30", "version": "0", "csrf_token": auth.csrf(edit)}
    answer = client.post(edit, data=data)
    assert answer.status_code == 422
    assert "add up to 90.00" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SpendingProfile.id))) == 0
    assert _planned(client, token, funds.id, scenario.id) == before


def test_percentages_typed_in_are_saved_and_shown_again(app, client, auth, token):
    funds, scenario = execution_example()
    division, grants = _ids()
    auth.login("rm@example.gov")
    edit = f"/appropriations/{funds.id}/spending-profiles/{division}/{grants}"
    data = {"kind": "custom", "october": "25", "march": "25.5", "september": "49.5", "version": "0"}
    data["csrf_token"] = auth.csrf(edit)
    assert client.post(edit, data=data).status_code == 302
    planned = _planned(client, token, funds.id, scenario.id)
    # $1,200.05 × 25% = 30001.25, × 25.5% = 30601.275, × 49.5% = 59402.475 cents: rounded down 120004,
    # the cent left to the largest fraction, September's.
    assert (planned["2026-10"], planned["2027-03"], planned["2027-09"]) == (30_001, 30_601, 59_403)
    assert sum(planned.values()) == 120_005
    page = client.get(edit).get_data(as_text=True)
    assert 'value="25.50"' in page or 'value="25.5"' in page


def test_the_scenario_spend_plan_columns_are_the_execution_apis_planned_months(app, client, auth, token):
    scenario = plan_scenario()  # the demo FY2027 plan: awards, trips, positions and manual lines
    auth.login("viewer@example.gov")
    page = client.get(f"/scenarios/{scenario.id}/spend-plan", query_string={"as_of": AS_OF})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<caption>" in text
    assert '<th scope="col">Month</th>' in text
    plan = scenario_spend_plan(scenario, dt.date.fromisoformat(AS_OF))
    total = db.session.scalar(
        sa.select(sa.func.sum(BudgetLine.amount_cents)).where(BudgetLine.scenario_id == scenario.id)
    )
    assert len(plan.columns) > 1
    for appropriation, cents in plan.columns:
        planned = _planned(client, token, appropriation.id, scenario.id)
        assert dict(zip(map(str, plan.months), cents, strict=True)) == {
            str(month): planned.get(str(month), 0) for month in plan.months
        }
        assert appropriation.label in text
    assert plan.total_cents == sum(plan.month_totals) == total
    assert format_dollars(total) in text
