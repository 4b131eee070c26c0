"""Request pages and API: division isolation, the form flow, estimates by API."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from helpers import Auth, appropriation, csrf_from, plan_scenario, user

from models import BudgetLine, Division, LineSource, RequestStatus, StaffingRequest, TravelPurpose, TravelRequest, db
from services.office import accounts


def _token(email: str) -> dict:
    token = accounts.issue_token(None, user(email), "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _division_requests(code: str, model=TravelRequest):
    return list(
        db.session.scalars(
            sa.select(model).join(model.division).where(model.division.property.mapper.class_.code == code)
        )
    )


def test_contract_estimate_example(client):
    body = {
        "legs": [{"city": "Bangkok", "country": "THA", "depart": "2027-03-02", "return": "2027-03-06"}],
        "airfare": "1800.00",
        "other": "0.00",
    }
    response = client.post("/api/v1/travel-requests/estimate", json=body, headers=_token("staff-ip@example.gov"))
    assert response.status_code == 200
    estimate = response.get_json()
    assert {k: estimate[k] for k in ("lodging", "mie", "airfare", "other", "total")} == {
        "lodging": "1036.00",
        "mie": "531.00",
        "airfare": "1800.00",
        "other": "0.00",
        "total": "3367.00",
    }
    assert estimate["legs"][0]["nights"] == 4
    assert estimate["legs"][0]["rate_source"] == "THAILAND / Bangkok, April 2026"


@pytest.mark.parametrize(
    ("leg", "field"),
    [
        ({"city": "Atlantis", "country": "XXX", "depart": "2027-03-02", "return": "2027-03-06"}, "legs[0].country"),
        ({"city": "Bangkok", "country": "THA", "depart": "2027-03-06", "return": "2027-03-02"}, "legs[0].return"),
    ],
)
def test_estimate_errors_name_the_leg(client, leg, field):
    response = client.post(
        "/api/v1/travel-requests/estimate", json={"legs": [leg]}, headers=_token("staff-ip@example.gov")
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_staffing_estimate_contract_shape(client):
    body = {
        "kind": "civil_service",
        "pay_plan": "GS",
        "grade": 13,
        "step": 1,
        "fte": "1.0",
        "start_date": "2027-01-11",
        "benefits_rate": "0.3645",
    }
    response = client.post("/api/v1/staffing-requests/estimate", json=body, headers=_token("head-ip@example.gov"))
    assert response.status_code == 200
    first = response.get_json()["by_fiscal_year"][0]
    assert (first["fiscal_year"], first["days"]) == (2027, 263)  # 11 January to 30 September, inclusive
    assert len(response.get_json()["by_fiscal_year"]) == 5


def test_division_heads_cannot_see_or_act_on_another_divisions_requests(app, client, auth):
    ip_request = next(r for r in _division_requests("IP") if r.status == RequestStatus.SUBMITTED)
    auth.login("head-rpa@example.gov")
    listing = client.get("/requests/").get_data(as_text=True)
    assert f'/requests/travel/{ip_request.id}"' not in listing
    assert client.get(f"/requests/travel/{ip_request.id}").status_code == 404
    token = auth.csrf()
    response = client.post(f"/requests/travel/{ip_request.id}/submit", data={"csrf_token": token})
    assert response.status_code == 404
    headers = _token("head-rpa@example.gov")
    assert client.get(f"/api/v1/travel-requests/{ip_request.id}", headers=headers).status_code == 404
    api_list = client.get("/api/v1/travel-requests?per_page=500", headers=headers).get_json()
    assert {item["division"] for item in api_list["items"]} == {user("head-rpa@example.gov").division_id}
    # Approving is not a division head's step on any request (the route declares decide_requests): 403, which
    # says nothing about the request; a step heads do take on another division's request finds nothing.
    assert client.post(f"/api/v1/travel-requests/{ip_request.id}/approve", json={}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/travel-requests/{ip_request.id}/cancel", json={}, headers=headers).status_code == 404
    assert db.session.get(TravelRequest, ip_request.id).status == RequestStatus.SUBMITTED


def test_staff_see_only_their_division_through_the_api(client):
    items = client.get("/api/v1/staffing-requests?per_page=500", headers=_token("staff-ip@example.gov")).get_json()
    ip = user("staff-ip@example.gov").division_id
    assert items["total"] == len(_division_requests("IP", StaffingRequest))
    assert {item["division"] for item in items["items"]} <= {ip}


def test_staff_drafts_head_submits_manager_approves_through_pages(app):
    staff, head, manager = app.test_client(), app.test_client(), app.test_client()
    Auth(staff).login("staff-ip@example.gov")
    page = staff.get("/requests/travel/new").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "title": "Monitoring visit, Manila",
        "traveler": user("staff-ip@example.gov").id,
        "purpose": db.session.scalar(sa.select(TravelPurpose.id).limit(1)),
        "appropriation": appropriation("DP", 2027).id,
        "scenario": plan_scenario().id,
        "legs-0-origin": "Washington",
        "legs-0-city": "Manila",
        "legs-0-country": "PHL",
        "legs-0-depart": "2027-05-03",
        "legs-0-return_": "2027-05-08",
        "airfare": "",
        "ground": "150",
    }
    response = staff.post("/requests/travel/new", data=form)
    assert response.status_code == 302, re.findall(r"usa-error-message[^>]*>([^<]+)", response.get_data(as_text=True))
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])
    record = db.session.get(TravelRequest, request_id)
    assert record.status == RequestStatus.DRAFT
    assert record.total_cents > 0

    Auth(head).login("head-ip@example.gov")
    shown = head.get(f"/requests/travel/{request_id}").get_data(as_text=True)
    assert (
        head.post(
            f"/requests/travel/{request_id}/submit", data={"csrf_token": csrf_from(shown), "version": record.version}
        ).status_code
        == 302
    )

    Auth(manager).login("rm@example.gov")
    queue = manager.get("/requests/review").get_data(as_text=True)
    assert f'/requests/travel/{request_id}"' in queue
    shown = manager.get(f"/requests/travel/{request_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', shown).group(1)
    response = manager.post(
        f"/requests/travel/{request_id}/approve", data={"csrf_token": csrf_from(shown), "version": version}
    )
    assert response.status_code == 302
    line = db.session.scalar(
        sa.select(BudgetLine).where(BudgetLine.source == LineSource.TRAVEL, BudgetLine.source_id == request_id)
    )
    assert line.amount_cents == db.session.get(TravelRequest, request_id).total_cents
    # A second approval from a stale page is told it was already decided.
    again = manager.post(
        f"/requests/travel/{request_id}/approve",
        data={"csrf_token": csrf_from(shown), "version": version},
        follow_redirects=True,
    )
    assert "someone else has acted on it" in again.get_data(
        as_text=True
    ) or "changed since you opened it" in again.get_data(as_text=True)


def test_api_travel_request_round_trip(client):
    headers = _token("staff-ip@example.gov")
    body = {
        "title": "Workshop, Lima",
        "traveler": user("staff-ip@example.gov").id,
        "purpose": db.session.scalar(sa.select(TravelPurpose.id).limit(1)),
        "appropriation": appropriation("DP", 2027).id,
        "scenario": plan_scenario().id,
        "legs": [
            {"origin": "Washington", "city": "Lima", "country": "PER", "depart": "2027-04-05", "return": "2027-04-09"}
        ],
        "airfare": "1450.00",
        "airfare_note": "Quoted by the travel office",
        "costs": {"visa": "60.00"},
    }
    created = client.post("/api/v1/travel-requests", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["status"] == "draft"
    assert record["costs"] == {"visa": "60.00"}
    copy = client.post(
        "/api/v1/travel-requests",
        headers=headers,
        json={
            k: v
            for k, v in record.items()
            if k not in ("id", "version", "status", "division", "total", "estimate", "created_at")
        },
    )
    assert copy.status_code == 201
    assert copy.get_json()["total"] == record["total"]
    stale = client.patch(
        f"/api/v1/travel-requests/{record['id']}",
        headers=headers,
        json={"version": record["version"] + 5, "title": "Changed"},
    )
    assert stale.status_code == 409
    staff_submit = client.post(f"/api/v1/travel-requests/{record['id']}/submit", json={}, headers=headers)
    assert staff_submit.status_code == 403


@pytest.mark.parametrize(
    ("email", "title"),
    [
        ("staff-ip@example.gov", "My requests"),
        ("head-ip@example.gov", "Requests of International Programs"),
        ("rm@example.gov", "All requests"),
        ("viewer@example.gov", "All requests"),
    ],
)
def test_the_requests_page_is_named_for_what_it_lists(client, auth, email, title):
    auth.login(email)
    assert f">{title}</h1>" in client.get("/requests/").get_data(as_text=True)


def test_the_travel_plan_shows_the_division_its_list_shows_chosen(client, auth):
    auth.login("rm@example.gov")
    first = db.session.scalar(sa.select(Division).order_by(Division.name).limit(1))
    html = client.get("/requests/travel-plan").get_data(as_text=True)
    assert "Choose a division." not in html
    assert f"<h1>Travel plan: {first.name}," in html
