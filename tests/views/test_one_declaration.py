"""A use case's input is declared once: the page form and the API say the same limits and defaults,
and a PATCH changes only the fields it sends."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import (
    appropriation,
    csrf_from,
    database_fingerprint,
    draft_travel_request_id,
    plan_scenario,
    settings_sent,
    user,
)

from models import (
    AllocationRun,
    Award,
    Country,
    Proposal,
    RequestComment,
    RequestStatus,
    StaffingRequest,
    TravelRequest,
    db,
)
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
        ("/programs/notices/new", "FundingNotice", "number"),
        ("/programs/notices/new", "FundingNotice", "title"),
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


# --------------------------------------------------------------------------- funding notices and reviewers' scores


NOTICE = {"title": "Shares and scores", "fiscal_year": 2028, "account_code": "INCLE", "amount": "1000000.00"}
RULES = [
    {"code": "wha-one", "label": "at least 1 award in WHA", "where": {"region": ["WHA"]}, "min_count": 1},
    {"code": "eap-cap", "where": {"region": ["EAP"]}, "max_share": "0.6", "min_amount": "1000.50"},
]


def _notice_body(number: str, **changes) -> dict:
    return {
        "number": number,
        **NOTICE,
        "program_types": ["bilateral"],
        "rules": RULES,
        "description": "Kept.",
    } | changes


def _notice_page_form(client, **changes) -> dict:
    page = client.get("/programs/notices/new").get_data(as_text=True)
    return {
        "csrf_token": csrf_from(page),
        "number": "NOFO-PAGE",
        "title": "Shares on the page",
        "fiscal_year": "2028",
        "account_code": "INCLE",
        "amount": "1000000",
        **changes,
    }


def test_a_notice_patch_that_sends_one_field_keeps_the_rules_and_the_rest(client):
    headers = _headers("rm@example.gov")
    created = client.post(f"{API}/funding-notices", json=_notice_body("N-ONE-FIELD"), headers=headers)
    assert created.status_code == 201, created.get_json()
    before = created.get_json()
    assert before["rules"][1]["min_amount"] == "1000.50"  # dollars, under the name that holds them

    changed = client.patch(
        f"{API}/funding-notices/{before['id']}",
        json={"version": before["version"], "title": "Renamed"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()
    assert after["title"] == "Renamed"
    assert after["version"] > before["version"]
    unchanged = {key for key in before if key not in {"title", "version"}}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    assert [rule["code"] for rule in after["rules"]] == ["wha-one", "eap-cap"]


def test_a_share_with_five_places_is_refused_by_the_page_and_the_api_naming_the_field(client, auth):
    headers = _headers("rm@example.gov")
    auth.login("rm@example.gov")
    before = database_fingerprint()
    five_places = {"code": "eap-cap", "where": {"region": ["EAP"]}, "max_share": "0.30125"}
    refused = client.post(f"{API}/funding-notices", json=_notice_body("N-FIVE", rules=[five_places]), headers=headers)
    assert refused.status_code == 422
    assert "four places" in refused.get_json()["error"]["fields"]["rules.0.max_share"]

    response = client.post("/programs/notices/new", data=_notice_page_form(client, rules="no more than 30.125% in EAP"))
    assert response.status_code == 422
    error = re.search(r'id="rules-error-message"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert error
    assert error.group(1).startswith("Line 1:")
    assert "two decimal places" in error.group(1)
    assert database_fingerprint() == before

    # Four places (basis points) is what both keep.
    four_places = five_places | {"max_share": "0.3012"}
    kept = client.post(f"{API}/funding-notices", json=_notice_body("N-FOUR", rules=[four_places]), headers=headers)
    assert kept.status_code == 201, kept.get_json()
    assert kept.get_json()["rules"][0]["max_share"] == "0.3012"
    response = client.post("/programs/notices/new", data=_notice_page_form(client, rules="no more than 30.12% in EAP"))
    assert response.status_code == 302


def _rule_schema(document: dict) -> dict:
    schemas = document["components"]["schemas"]
    rules = schemas["FundingNotice"]["properties"]["rules"]["items"]
    return schemas[rules["$ref"].rsplit("/", 1)[-1]] if "$ref" in rules else rules


SHARES = ["0", "1", "0.3", "0.30", "0.3012", "1.0", "1.0000", "0.30125", "1.5", "1.0001", "9.5", "-0.1", "0.", ".5"]


def test_the_document_states_the_share_format_the_server_keeps(client):
    """A share valid by the document is accepted; one the server refuses is invalid by the document."""
    headers = _headers("rm@example.gov")
    rule = _rule_schema(client.get(f"{API}/openapi.json").get_json())
    for name in ("min_share", "max_share"):
        share = rule["properties"][name]
        assert share["type"] == "string"
        assert share["pattern"]
    pattern = rule["properties"]["max_share"]["pattern"]
    for number, share in enumerate(SHARES):
        body = _notice_body(f"N-SHARE-{number}", rules=[{"code": "cap", "where": {}, "max_share": share}])
        response = client.post(f"{API}/funding-notices", json=body, headers=headers)
        assert response.status_code in (201, 422), response.get_json()
        assert (response.status_code == 201) == bool(re.search(pattern, share)), (share, response.get_json())


def _score_page(client, proposal_id: int, comment: str):
    page = client.get(f"/programs/proposals/{proposal_id}/scores").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    form = {
        "csrf_token": csrf_from(page),
        "version": version,
        "scores-0-reviewer": "Reviewer A",
        "scores-0-score": "80",
        "scores-0-comment": comment,
    }
    return page, client.post(f"/programs/proposals/{proposal_id}/scores", data=form)


def test_the_page_and_the_api_refuse_the_same_over_long_score_comment(client, auth):
    headers = _headers("rm@example.gov")
    auth.login("rm@example.gov")
    proposal = db.session.scalars(db.select(Proposal).order_by(Proposal.id)).first()
    document = client.get(f"{API}/openapi.json").get_json()
    proposal_schema = document["components"]["schemas"]["Proposal"]["properties"]["scores"]["items"]
    score_schema = document["components"]["schemas"][proposal_schema["$ref"].rsplit("/", 1)[-1]]
    limit = score_schema["properties"]["comment"]["maxLength"]
    assert limit == 5000

    page, response = _score_page(client, proposal.id, "x" * (limit + 1))
    assert int(_input_attribute(page, "scores-0-comment", "maxlength")) == limit
    assert response.status_code == 422
    assert f"Field cannot be longer than {limit} characters." in response.get_data(as_text=True)
    version = db.session.get(Proposal, proposal.id).version
    too_long = {"version": version, "scores": [{"reviewer": "Reviewer A", "score": "80", "comment": "x" * (limit + 1)}]}
    refused = client.patch(f"{API}/proposals/{proposal.id}", json=too_long, headers=headers)
    assert refused.status_code == 422
    assert "scores.0.comment" in refused.get_json()["error"]["fields"]

    _, response = _score_page(client, proposal.id, "y" * limit)  # the longest both keep
    assert response.status_code == 302
    assert db.session.get(Proposal, proposal.id).scores[0].comment == "y" * limit
    version = db.session.get(Proposal, proposal.id).version
    longest = {"version": version, "scores": [{"reviewer": "Reviewer B", "score": "81", "comment": "z" * limit}]}
    kept = client.patch(f"{API}/proposals/{proposal.id}", json=longest, headers=headers)
    assert kept.status_code == 200, kept.get_json()
    assert kept.get_json()["scores"] == [{"reviewer": "Reviewer B", "score": "81.00", "comment": "z" * limit}]


def test_a_share_is_a_decimal_string_as_the_document_says(client):
    """The document shows fte, benefits_rate and pay_raise as decimal strings: a JSON number is refused naming
    the field, the same share as a string is costed."""
    headers = _headers("head-ip@example.gov")
    estimate = _staffing_body()
    for name in ("title", "division", "appropriation", "scenario"):
        del estimate[name]
    before = database_fingerprint()
    for name, number in (("fte", 0.5), ("benefits_rate", 0.3), ("pay_raise", 0)):
        refused = client.post(f"{API}/staffing-requests/estimate", json={**estimate, name: number}, headers=headers)
        assert refused.status_code == 422, name
        assert name in refused.get_json()["error"]["fields"]
    assert database_fingerprint() == before
    half = client.post(f"{API}/staffing-requests/estimate", json={**estimate, "fte": "0.5"}, headers=headers)
    whole = client.post(f"{API}/staffing-requests/estimate", json=estimate, headers=headers)
    assert half.status_code == whole.status_code == 200
    assert Decimal(half.get_json()["annual_cost"]) * 2 == Decimal(whole.get_json()["annual_cost"])


def test_a_stated_rule_broken_is_a_422_naming_its_fields(client):
    """A body valid by its schema that breaks a rule the operation states (x-rules): a country outside the
    region, dates out of order. Refused with 422 naming those fields, and nothing is written."""
    headers = _headers("rm@example.gov")
    document = client.get(f"{API}/openapi.json").get_json()
    stated = {field for rule in document["paths"][f"{API}/awards"]["post"]["x-rules"] for field in rule["fields"]}
    award = client.get(f"{API}/awards?per_page=1", headers=headers).get_json()["items"][0]
    body = {key: value for key, value in award.items() if key not in {"id", "version"}}
    regions = client.get(f"{API}/reference/regions", headers=headers).get_json()["items"]
    elsewhere = next(region["id"] for region in regions if region["id"] != award["region"])
    before = database_fingerprint()
    body |= {"number": "X-RULES-1", "region": elsewhere, "country": award["country"] or _a_country_of(award)}
    body |= {"starts_on": body["ends_on"], "ends_on": body["starts_on"]}
    refused = client.post(f"{API}/awards", json=body, headers=headers)
    assert refused.status_code == 422
    named = {re.sub(r"\[\d+\]", "", name) for name in refused.get_json()["error"]["fields"]}
    assert {"country", "ends_on"} <= named <= stated
    assert database_fingerprint() == before


def _a_country_of(award: dict) -> int:
    return db.session.scalar(db.select(Country.id).where(Country.region_id == award["region"]).limit(1))


# --------------------------------------------------------------------------- allocation settings


def _allocation_runs() -> int:
    return db.session.scalar(sa.select(sa.func.count(AllocationRun.id)))


def test_the_allocation_page_shows_the_settings_the_document_states(client, auth):
    auth.login("rm@example.gov")
    page = client.get(f"/scenarios/{plan_scenario().id}/allocation").get_data(as_text=True)
    settings = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]["AllocationSettings"]
    documented = settings["properties"]

    time_limit = documented["time_limit_s"]
    assert (time_limit["minimum"], time_limit["maximum"], time_limit["default"]) == (1, 120, 20)
    assert int(_input_attribute(page, "time_limit_s", "min")) == time_limit["minimum"]
    assert int(_input_attribute(page, "time_limit_s", "max")) == time_limit["maximum"]
    assert int(_input_attribute(page, "time_limit_s", "value")) == time_limit["default"]

    shown = settings_sent(page)
    for name in ("by_program_type", "spend_all", "replace_program_lines", "include_directives"):
        assert documented[name]["type"] == "boolean"
        assert (name in shown) == documented[name]["default"], name  # ticked as the API defaults it
    select = re.search(r'<select[^>]*name="objective".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([^"]*)"', select) == documented["objective"]["enum"] == ["targets", "value"]
    assert shown["objective"] == documented["objective"]["default"] == "targets"
    assert "Most value: diminishing returns by weight" in select
    assert "Closest to last year&#39;s plan, grown or cut to this year&#39;s money" in select.replace("'", "&#39;")

    # The limits by region, priority and cell: a share from 0 to 1 (a percentage on the page), a weight
    # from 0 to 1000, an amount of at least nothing.
    shares = documented["priority_min_shares"]["additionalProperties"]
    assert (shares["minimum"], shares["maximum"]) == (0, 1)
    weights = documented["weights"]["additionalProperties"]
    assert (weights["minimum"], weights["maximum"]) == (0, 1000)
    assert documented["region_floors"]["additionalProperties"]["minimum"] == 0


def test_the_allocation_page_and_the_api_refuse_a_time_limit_over_the_maximum_and_take_the_maximum(client, auth):
    plan = plan_scenario()
    headers = _headers("rm@example.gov")
    auth.login("rm@example.gov")
    page = client.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    form = settings_sent(page)

    for over in ("121", "0"):
        response = client.post(f"/scenarios/{plan.id}/allocation/runs", data=form | {"time_limit_s": over})
        assert response.status_code == 422
        assert 'id="time_limit_s-error-message"' in response.get_data(as_text=True)
    for over in (121, 0):
        refused = client.post(
            f"{API}/scenarios/{plan.id}/allocation-runs", json={"settings": {"time_limit_s": over}}, headers=headers
        )
        assert refused.status_code == 422
        assert "settings.time_limit_s" in refused.get_json()["error"]["fields"]
    assert _allocation_runs() == 0

    response = client.post(f"/scenarios/{plan.id}/allocation/runs", data=form | {"time_limit_s": "120"})
    assert response.status_code == 302
    kept = client.post(
        f"{API}/scenarios/{plan.id}/allocation-runs", json={"settings": {"time_limit_s": 120}}, headers=headers
    )
    assert kept.status_code == 201, kept.get_json()
    runs = db.session.scalars(sa.select(AllocationRun).order_by(AllocationRun.id)).all()
    assert [run.settings["time_limit_s"] for run in runs] == [120, 120]
    assert [run.problem["options"]["time_limit_s"] for run in runs] == [120, 120]
    # Left out, each setting is what the page shows: the two runs' settings differ only in the weights the page
    # sends for every cell (the API's are the defaults, computed when the problem is built).
    from_page, from_api = (run.settings for run in runs)
    assert {k: v for k, v in from_page.items() if k != "weights"} == {
        k: v for k, v in from_api.items() if k != "weights"
    }


@pytest.mark.parametrize(
    ("name", "value", "where"),
    [
        ("weight_AF_protection", "1000.5", "weights"),
        ("min_share_protection", "100.5", "priority_min_shares"),
        ("floor_AF", "-1", "region_floors"),
    ],
)
def test_the_allocation_page_and_the_api_refuse_the_same_out_of_range_cell_settings(client, auth, name, value, where):
    plan = plan_scenario()
    headers = _headers("rm@example.gov")
    auth.login("rm@example.gov")
    form = settings_sent(client.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True))
    response = client.post(f"/scenarios/{plan.id}/allocation/runs", data=form | {name: value})
    assert response.status_code == 422
    assert _allocation_runs() == 0
    sent = {"weights": {"AF/protection": "1000.5"}, "priority_min_shares": {"protection": "1.005"}}
    sent["region_floors"] = {"AF": -1}
    refused = client.post(
        f"{API}/scenarios/{plan.id}/allocation-runs", json={"settings": {where: sent[where]}}, headers=headers
    )
    assert refused.status_code == 422
    assert any(key.startswith(f"settings.{where}") for key in refused.get_json()["error"]["fields"])
    assert _allocation_runs() == 0


# --------------------------------------------------------------------------- a workflow step's comment


def test_the_page_and_the_api_refuse_the_same_over_long_workflow_comment(client, auth):
    request_id = draft_travel_request_id()
    headers = _headers("head-ip@example.gov")
    limit = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]["Decision"]["properties"]
    limit = limit["comment"]["maxLength"]
    assert limit == 5000
    auth.login("head-ip@example.gov")
    page = client.get(f"/requests/travel/{request_id}").get_data(as_text=True)
    assert int(re.search(r'<textarea[^>]*\bmaxlength="(\d+)"[^>]*name="comment"', page).group(1)) == limit
    before = database_fingerprint()

    response = client.post(
        f"/requests/travel/{request_id}/comment", data={"csrf_token": csrf_from(page), "comment": "x" * (limit + 1)}
    )
    assert response.status_code == 302
    response = client.post(
        f"/requests/travel/{request_id}/submit", data={"csrf_token": csrf_from(page), "comment": "x" * (limit + 1)}
    )
    assert response.status_code == 302
    refused = client.post(
        f"{API}/travel-requests/{request_id}/submit", json={"comment": "x" * (limit + 1)}, headers=headers
    )
    assert refused.status_code == 422
    assert "comment" in refused.get_json()["error"]["fields"]
    assert db.session.get(TravelRequest, request_id).status == RequestStatus.DRAFT
    assert database_fingerprint() == before

    response = client.post(
        f"/requests/travel/{request_id}/comment", data={"csrf_token": csrf_from(page), "comment": "y" * limit}
    )
    assert response.status_code == 302
    kept = client.post(f"{API}/travel-requests/{request_id}/submit", json={"comment": "z" * limit}, headers=headers)
    assert kept.status_code == 200, kept.get_json()
    bodies = db.session.scalars(
        sa.select(RequestComment.body).where(
            RequestComment.request_kind == "travel", RequestComment.request_id == request_id
        )
    )
    assert {"y" * limit, "z" * limit} <= set(bodies)
