"""A use case's input is declared once: the page form and the API say the same limits and defaults,
and a PATCH changes only the fields it sends."""

from __future__ import annotations

import re

import pytest
from helpers import appropriation, csrf_from, database_fingerprint, plan_scenario, user

from models import Award, StaffingRequest, db
from services.office import accounts

API = "/api/v1"


def _headers(email: str) -> dict:
    token = accounts.issue_token(None, user(email), "one declaration test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _input_attribute(page: str, name: str, attribute: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page).group(0)
    return re.search(rf'\b{attribute}="([^"]*)"', tag).group(1)


@pytest.mark.parametrize(
    ("page", "component", "field"),
    [
        ("/programs/awards/new", "Award", "number"),
        ("/programs/awards/new", "Award", "partner"),
        ("/lines/new", "BudgetLine", "description"),
        ("/appropriations/new", "Appropriation", "account_code"),
        ("/scenarios/new", "Scenario", "name"),
        ("/requests/staffing/new", "StaffingRequest", "title"),
    ],
)
def test_the_page_and_the_api_document_state_the_same_length_limit(client, auth, page, component, field):
    auth.login("head-ip@example.gov" if "staffing" in page else "rm@example.gov")
    shown = client.get(page).get_data(as_text=True)
    document = client.get(f"{API}/openapi.json").get_json()
    documented = document["components"]["schemas"][component]["properties"][field]["maxLength"]
    assert int(_input_attribute(shown, field, "maxlength")) == documented


def _staffing_body(**changes) -> dict:
    return {
        "title": "Program analyst",
        "division": user("head-ip@example.gov").division_id,
        "kind": "civil_service",
        "pay_plan": "GS",
        "grade": 12,
        "step": 1,
        "start_date": "2027-01-11",
        "appropriation": appropriation("DP", 2027).id,
        "scenario": plan_scenario().id,
        **changes,
    }


def test_a_position_left_at_the_defaults_gets_the_rates_the_page_shows(client, auth):
    auth.login("head-ip@example.gov")
    page = client.get("/requests/staffing/new").get_data(as_text=True)
    shown = {name: _input_attribute(page, name, "value") for name in ("benefits_rate", "pay_raise", "fte")}
    assert shown == {"benefits_rate": "36.45", "pay_raise": "2", "fte": "1"}  # percentages, as people type them

    response = client.post(f"{API}/staffing-requests", json=_staffing_body(), headers=_headers("head-ip@example.gov"))
    assert response.status_code == 201, response.get_json()
    record = db.session.get(StaffingRequest, response.get_json()["id"])
    assert (record.benefits_rate_basis_points, record.pay_raise_basis_points, record.fte_basis_points) == (
        3645,
        200,
        10_000,
    )


def test_a_pay_raise_above_the_cap_is_refused_by_the_page_the_estimate_and_the_record_alike(client, auth):
    headers = _headers("head-ip@example.gov")
    created = client.post(f"{API}/staffing-requests", json=_staffing_body(), headers=headers).get_json()
    auth.login("head-ip@example.gov")  # (signing in is audited: before the fingerprint)
    before = database_fingerprint()

    estimate = _staffing_body(pay_raise="0.25")
    for name in ("title", "division", "appropriation", "scenario"):
        del estimate[name]
    refused = client.post(f"{API}/staffing-requests/estimate", json=estimate, headers=headers)
    assert refused.status_code == 422
    assert "pay_raise" in refused.get_json()["error"]["fields"]

    patch = {"version": created["version"], "pay_raise": "0.25"}
    refused = client.patch(f"{API}/staffing-requests/{created['id']}", json=patch, headers=headers)
    assert refused.status_code == 422
    assert "pay_raise" in refused.get_json()["error"]["fields"]

    page = client.get(f"/requests/staffing/{created['id']}/edit").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "version": created["version"],
        "title": "Program analyst",
        "kind": "civil_service",
        "pay_plan": "GS",
        "grade": "12",
        "step": "1",
        "fte": "1",
        "start_date": "2027-01-11",
        "benefits_rate": "36.45",
        "pay_raise": "25",
        "appropriation": str(created["appropriation"]),
        "scenario": str(created["scenario"]),
    }
    response = client.post(f"/requests/staffing/{created['id']}/edit", data=form)
    assert response.status_code == 422
    assert 'id="pay_raise-error-message"' in response.get_data(as_text=True)
    assert database_fingerprint() == before

    # Not numbers a person means: each is a field error, never a server error.
    for name in ("fte", "benefits_rate", "pay_raise"):
        for value in ("NaN", "sNaN", "Infinity", "-Infinity"):
            response = client.post(f"/requests/staffing/{created['id']}/edit", data=form | {name: value})
            assert response.status_code == 422, (name, value)
            assert f'id="{name}-error-message"' in response.get_data(as_text=True)
    assert database_fingerprint() == before


def test_a_patch_changes_only_what_it_sends_and_money_is_in_dollars(client):
    headers = _headers("rm@example.gov")
    award = db.session.scalars(db.select(Award).order_by(Award.id)).first()
    before = client.get(f"{API}/awards/{award.id}", headers=headers).get_json()

    changed = client.patch(
        f"{API}/awards/{award.id}",
        json={"version": before["version"], "title": "Renamed", "expended": "1.50"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()
    assert (after["title"], after["expended"]) == ("Renamed", "1.50")
    unchanged = {key for key in before if key not in {"title", "expended", "version", "lines"}}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    assert db.session.get(Award, award.id).expended_cents == 150
