"""Deleting a draft scenario that requests refer to is refused with what refers to it (issue 12,
item 3): it was a 500 (the database's foreign key) on the page and in the API."""

from __future__ import annotations

import sqlalchemy as sa
from helpers import Auth, database_fingerprint, plan_scenario, user
from markupsafe import escape

from models import ScenarioStatus, StaffingRequest, TravelRequest, db
from services.office import accounts


def _requests_on(scenario_id: int, model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(model.scenario_id == scenario_id))


def _expected_message(plan) -> str:
    travel, staffing = _requests_on(plan.id, TravelRequest), _requests_on(plan.id, StaffingRequest)
    assert travel > 1  # the demo's requests all draw on the FY2027 plan
    assert staffing > 1
    return f"{travel} travel requests and {staffing} staffing requests refer to FY2027 plan, so it can't be deleted."


def test_the_page_refuses_to_delete_a_plan_that_requests_refer_to(client):
    plan = plan_scenario()
    assert plan.status == ScenarioStatus.DRAFT
    message = _expected_message(plan)
    Auth(client).login("rm@example.gov")
    before = database_fingerprint()

    response = client.post(
        f"/scenarios/{plan.id}/delete",
        data={"csrf_token": Auth(client).csrf(), "version": plan.version},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert response.request.path == f"/scenarios/{plan.id}"  # still there, with the reason
    assert str(escape(message)) in response.get_data(as_text=True)
    assert database_fingerprint() == before


def test_the_api_answers_409_naming_what_refers_to_the_plan(client):
    plan = plan_scenario()
    message = _expected_message(plan)
    token = accounts.issue_token(None, user("rm@example.gov"), "script")
    db.session.commit()
    before = database_fingerprint()

    response = client.delete(
        f"/api/v1/scenarios/{plan.id}?version={plan.version}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["message"].startswith(message)
    assert database_fingerprint() == before
