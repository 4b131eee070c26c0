"""The Allocation pages and the allocation-runs API."""

from __future__ import annotations

import io
import json
import re
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
import sqlalchemy as sa
from helpers import allocation_run_id, bearer, csrf_from, plan_scenario, settings_sent, user

from models import AllocationRun, Appropriation, BudgetLine, Job, JobState, LineSource, ObjectClass, db
from money import format_dollars
from services.allocation import runs as allocation
from services.allocation.problems import AllocationSettings, build_problem


@pytest.fixture
def rm(client, auth):
    auth.login("rm@example.gov")
    return client


def _settings_form(page: str) -> dict:
    """Every input of the settings form as the browser would send it (checkboxes ticked as shown)."""
    return settings_sent(page) | {"objective": "value"}


def test_run_from_the_page_then_apply(rm):
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    response = rm.post(f"/scenarios/{plan.id}/allocation/runs", data=_settings_form(page))
    assert response.status_code == 302
    run_page = rm.get(response.headers["Location"]).get_data(as_text=True)
    assert "Optimal" in run_page
    run = db.session.scalar(sa.select(AllocationRun).order_by(AllocationRun.id.desc()))
    total = sum(c["total"] for c in run.result["cells"])
    assert f"${total:,}" in run_page  # the matrix's grand total
    assert "What limits the allocation" in run_page
    response = rm.post(f"/allocation-runs/{run.id}/apply", data={"csrf_token": csrf_from(run_page)})
    assert response.status_code == 302
    written = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.source == LineSource.ALLOCATION)).all()
    # The run's whole dollars, and the cents the funds had beyond them: nothing is left.
    assert 0 <= sum(line.amount_cents for line in written) - total * 100 < 100 * len(run.result["funds"])


def test_a_bad_floor_shows_on_its_field_and_runs_nothing(rm):
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    data = _settings_form(page) | {"floor_AF": "1e3", "cap_EAP": "100", "floor_EAP": "200"}
    response = rm.post(f"/scenarios/{plan.id}/allocation/runs", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "at most two decimal places" in html
    assert "The cap is below the floor." in html
    assert db.session.scalar(sa.select(sa.func.count(AllocationRun.id))) == 0


def test_upload_a_saved_problem(rm):
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    problem = {
        "format": "allocation-problem/1",
        "objective": "value",
        "cells": [
            {"key": {"region": "AF", "priority": "protection"}, "value": [{"upto": None, "weight": 2}]},
            {"key": {"region": "EAP", "priority": "protection"}, "value": [{"upto": None, "weight": 1}]},
        ],
        "funds": [{"id": "INCLE-FY2027", "available": 1000, "spend": "all"}],
    }
    upload = {"csrf_token": csrf_from(page), "problem": (io.BytesIO(json.dumps(problem).encode()), "p.json")}
    response = rm.post(f"/scenarios/{plan.id}/allocation/upload", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    run = db.session.scalar(sa.select(AllocationRun).order_by(AllocationRun.id.desc()))
    # All $1,000 goes to the cell worth twice as much per dollar.
    assert run.result["cells"] == [
        {"key": {"region": "AF", "priority": "protection"}, "total": 1000},
        {"key": {"region": "EAP", "priority": "protection"}, "total": 0},
    ]
    downloaded = rm.get(f"/allocation-runs/{run.id}/problem.json")
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(downloaded.get_data()) == problem


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "That is not JSON"),
        (b"[1, 2]", "Upload one allocation-problem/1 JSON object"),
        (
            json.dumps(
                {
                    "format": "allocation-problem/1",
                    "objective": "value",
                    "cells": [
                        {"key": {"region": "AF"}, "value": [{"upto": 10, "weight": 1}, {"upto": 20, "weight": 3}]}
                    ],
                    "funds": [{"id": "F", "available": 5}],
                }
            ).encode(),
            "cells[0].value",
        ),
    ],
)
def test_bad_uploads_say_what_is_wrong(rm, content, message):
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    upload = {"csrf_token": csrf_from(page), "problem": (io.BytesIO(content), "p.json")}
    response = rm.post(f"/scenarios/{plan.id}/allocation/upload", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(AllocationRun.id))) == 0


def test_sensitivity_solves_seven_levels(rm):
    """A sweep of the demo's run is small: it runs at once, and the page goes straight to its curves."""
    run_id = allocation_run_id(plan_scenario())
    form = rm.get(f"/allocation-runs/{run_id}/sensitivity").get_data(as_text=True)
    sent = {"csrf_token": csrf_from(form), "fund": "INCLE-FY2027", "low": "70", "high": "130"}
    response = rm.post(f"/allocation-runs/{run_id}/sensitivity", data=sent)
    assert response.status_code == 302
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert (job.state, job.progress) == (JobState.SUCCEEDED, 100), job.error
    assert response.headers["Location"] == f"/allocation-runs/{run_id}/sensitivity?job={job.id}"
    html = rm.get(response.headers["Location"]).get_data(as_text=True)
    for level in ("70%", "80%", "90%", "100%", "110%", "120%", "130%"):
        assert f">{level}<" in html
    available = next(
        f["available"] for f in db.session.get(AllocationRun, run_id).problem["funds"] if f["id"] == "INCLE-FY2027"
    )
    seventy = (Decimal(available) * Decimal("0.7")).to_integral_value(rounding=ROUND_HALF_EVEN)
    assert f"${seventy:,}" in html  # the 70% level, to the nearest whole dollar
    assert html.count("<polyline") == 7 + 4  # a line per region and per priority
    before = db.session.scalar(sa.select(sa.func.count(Job.id)))
    unknown = rm.post(f"/allocation-runs/{run_id}/sensitivity", data={**sent, "fund": "NOPE"})
    assert unknown.status_code == 422
    upside_down = rm.post(f"/allocation-runs/{run_id}/sensitivity", data={**sent, "low": "130", "high": "70"})
    assert upside_down.status_code == 422
    assert "must not be less than" in upside_down.get_data(as_text=True).lower()
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == before  # refused: no job


def test_api_runs_from_settings_and_applies(client):
    headers = bearer("rm@example.gov")
    plan = plan_scenario()
    response = client.post(
        f"/api/v1/scenarios/{plan.id}/allocation-runs",
        headers=headers,
        json={"settings": {"region_floors": {"AF": 20_000_000}, "weights": {"AF/protection": 3}}},
    )
    assert response.status_code == 201
    run = response.get_json()
    assert run["result"]["format"] == "allocation-result/1"
    assert run["status"] == "optimal"
    africa = sum(c["total"] for c in run["result"]["cells"] if c["key"]["region"] == "AF")
    assert africa >= 20_000_000
    assert client.get(f"/api/v1/allocation-runs/{run['id']}", headers=headers).get_json()["id"] == run["id"]
    listed = client.get(f"/api/v1/scenarios/{plan.id}/allocation-runs", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    applied = client.post(f"/api/v1/allocation-runs/{run['id']}/apply", headers=headers)
    assert applied.status_code == 200
    again = client.post(f"/api/v1/allocation-runs/{run['id']}/apply", headers=headers)
    assert again.get_json()["applied"]["lines"] == applied.get_json()["applied"]["lines"]
    assert again.get_json()["applied"]["replaced_lines"] == applied.get_json()["applied"]["lines"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "problem"),
        ({"problem": {"format": "allocation-problem/1"}, "settings": {}}, 400, "problem"),
        ({"problem": {"format": "allocation-problem/2", "cells": [], "funds": []}}, 422, "problem"),
        ({"settings": {"objective": "most"}}, 422, "settings.objective"),
        ({"settings": {"time_limit_s": 0}}, 422, "settings.time_limit_s"),
        ({"settings": {"nonsense": 1}}, 422, "settings.nonsense"),
    ],
)
def test_api_refuses_bad_requests_naming_the_field(client, body, status, field):
    response = client.post(
        f"/api/v1/scenarios/{plan_scenario().id}/allocation-runs", headers=bearer("rm@example.gov"), json=body
    )
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(AllocationRun.id))) == 0


def test_viewers_read_runs_but_cannot_run_or_apply(client):
    run_id = allocation_run_id(plan_scenario())
    headers = bearer("viewer@example.gov")
    assert client.get(f"/api/v1/allocation-runs/{run_id}", headers=headers).status_code == 200
    assert client.post(f"/api/v1/allocation-runs/{run_id}/apply", headers=headers).status_code == 403
    assert (
        client.post(
            f"/api/v1/scenarios/{plan_scenario().id}/allocation-runs", headers=headers, json={"settings": {}}
        ).status_code
        == 403
    )


def _text(html: str, testid: str) -> str:
    """The words of the element with this data-testid (tags dropped, spaces collapsed)."""
    start = html.index(f'data-testid="{testid}"')
    tag = re.search(r"<(\w+)", html[html.rindex("<", 0, start) :]).group(1)
    end = html.index(f"</{tag}>", start)
    return " ".join(re.sub(r"<[^>]+>", " ", html[html.index(">", start) + 1 : end]).split())


def _cents(condition) -> int:
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(condition)))


def test_the_setup_page_shows_the_money_and_the_rules_before_running(rm):
    """Per appropriation: allotted, kept by lines the allocation leaves alone, already awarded, to allocate
    and last year's plan, each from the tables; then the rules in words, names not codes or ids."""
    plan = plan_scenario()
    html = rm.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    section = html[html.index('data-testid="allocation-money"') :]
    assert section.index("</section>") < section.index("Run the allocation")  # above the button
    funds = _text(html, "allocation-funds")
    program = db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "41.0"))
    to_allocate = last_total = 0
    for code in ("ESF", "INCLE"):
        record = db.session.scalar(
            sa.select(Appropriation).where(Appropriation.account_code == code, Appropriation.fiscal_year == 2027)
        )
        on_it = sa.and_(BudgetLine.scenario_id == plan.id, BudgetLine.appropriation_id == record.id)
        awarded = _cents(sa.and_(on_it, BudgetLine.source == LineSource.AWARD))
        kept = _cents(sa.and_(on_it, BudgetLine.object_class_id != program))  # the default replaces program lines
        whole = (record.allotted_cents - kept - awarded) // 100 * 100
        last = _cents(
            sa.and_(
                BudgetLine.scenario_id == plan.based_on_id,
                BudgetLine.object_class_id == program,
                BudgetLine.source != LineSource.AWARD,
                BudgetLine.appropriation_id.in_(sa.select(Appropriation.id).where(Appropriation.account_code == code)),
            )
        )
        row = " ".join(format_dollars(cents) for cents in (record.allotted_cents, kept, awarded, whole, last))
        assert f"{record.label} ({record.title}) {row}" in funds
        to_allocate += whole
        last_total += last
    assert _text(html, "to-allocate") == format_dollars(to_allocate)
    change = _text(html, "allocation-change")
    assert (
        f"This year's {format_dollars(to_allocate)} to allocate is {format_dollars(to_allocate - last_total)} more than"
        in change
    )
    assert f"last year's plan of {format_dollars(last_total)}" in change
    assert "weight" in change
    rules = _text(html, "allocation-rules")
    assert "Not less than $8,000,000 for Africa from INCLE FY2027" in rules
    assert "Not less than $10,000,000 for Protection from INCLE FY2027" in rules  # the priority's name
    assert "No more than $6,000,000 for Research and innovation from INCLE FY2027" in rules
    assert "directive-" not in section[: section.index("</section>")]  # no rule ids
    assert "protection" not in rules  # no lower-case codes


def test_the_setup_page_says_the_floors_caps_and_shares_of_reopened_settings(rm):
    plan = plan_scenario()
    settings = AllocationSettings(region_floors={"EAP": 2_500_000}, priority_min_shares={"prevention": "0.2"})
    run = allocation.run_allocation(user("rm@example.gov"), plan, build_problem(plan, settings), settings=settings)
    db.session.commit()
    html = rm.get(f"/scenarios/{plan.id}/allocation?from_run={run.id}").get_data(as_text=True)
    rules = _text(html, "allocation-rules")
    assert "Not less than $2,500,000 for East Asia and Pacific" in rules
    assert "Prevention: at least 20% of the program funds" in rules


def test_a_default_run_says_what_it_achieved_in_dollars(rm):
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    response = rm.post(f"/scenarios/{plan.id}/allocation/runs", data=settings_sent(page))
    html = rm.get(response.headers["Location"]).get_data(as_text=True)
    run = db.session.scalar(sa.select(AllocationRun).order_by(AllocationRun.id.desc()))
    assert run.problem["objective"] == "targets"
    said = _text(html, "run-targets")
    total = sum(c["total"] for c in run.result["cells"])
    assert said.startswith(f"${total:,} allocated against targets of ${total:,}")
    assert "every cell gets its target" in said
    last = sum(
        line.amount_cents
        for line in db.session.scalars(
            sa.select(BudgetLine).where(
                BudgetLine.scenario_id == plan.based_on_id, BudgetLine.source != LineSource.AWARD
            )
        )
        if line.object_class.code == "41.0"
    )
    assert f"Against last year's plan of {format_dollars(last)}" in said
    assert "shortfall" not in html  # no objective number in its own units
    assert "deviation" not in html
