"""The busiest read pages are kept whole between changes, and a change always shows at once.

Each test first reads a page twice and checks that its answer was kept (otherwise the test would
prove nothing about keeping), then changes the data the way a person, a script or another server
does, and reads the page again.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import make_config
from helpers import Auth, api_cents, appropriation, bearer, csrf_from, plan_scenario, same_line_with, user

from app import create_app
from models import BudgetLine, Division, LineSource, db
from money import format_dollars
from services.budget import lines as budget_lines
from services.office import accounts

TOTAL = re.compile(r'data-testid="lines-total">([^<]+)<')


def _kept(app) -> int:
    """How many whole answers this app's web process keeps."""
    return len(app.extensions["page_cache"]._answers)


def _lines_total(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    return TOTAL.search(page.get_data(as_text=True)).group(1)


def _manual_line() -> BudgetLine:
    return db.session.scalar(
        sa.select(BudgetLine)
        .where(BudgetLine.scenario_id == plan_scenario().id, BudgetLine.source == LineSource.MANUAL)
        .order_by(BudgetLine.id)
        .limit(1)
    )


@pytest.fixture
def rm(client, auth):
    auth.login("rm@example.gov")
    return client


def test_the_lines_page_shows_a_change_made_on_another_server_at_once(app, rm, database_url):
    path = f"/lines?scenario={plan_scenario().id}"
    before = _lines_total(rm, path)
    assert _lines_total(rm, path) == before
    assert _kept(app) == 1
    line = _manual_line()
    line_id, amount, version = line.id, line.amount_cents, line.version
    db.session.commit()  # the test's own transaction ends, as a request's would

    # Another web server (or a job's consumer): its own app, engine and session on the same database.
    other = create_app(make_config(database_url))
    with other.app_context():
        changed = db.session.get(BudgetLine, line_id)
        new_amount = Decimal(amount + 123_45) / 100
        budget_lines.update_line(user("rm@example.gov"), changed, same_line_with(changed, str(new_amount)), version)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    after = _lines_total(rm, path)
    assert after != before
    expected = sum(
        db.session.scalars(sa.select(BudgetLine.amount_cents).where(BudgetLine.scenario_id == plan_scenario().id))
    )
    assert after == format_dollars(expected)


def test_the_api_list_shows_an_amount_changed_through_the_api(app, client):
    headers = bearer("rm@example.gov")
    line = _manual_line()
    path = f"/api/v1/budget-lines?scenario={line.scenario_id}&per_page=500"

    def amount_listed() -> int:
        items = client.get(path, headers=headers).get_json()["items"]
        return next(api_cents(item["amount"]) for item in items if item["id"] == line.id)

    assert amount_listed() == amount_listed() == line.amount_cents
    assert _kept(app) == 1
    answer = client.patch(
        f"/api/v1/budget-lines/{line.id}", json={"amount": "4321.09", "version": line.version}, headers=headers
    )
    assert answer.status_code == 200, answer.get_json()
    assert amount_listed() == 4321_09


def test_the_status_of_funds_shows_a_new_line_at_once(app, client):
    headers = bearer("rm@example.gov")
    funds, plan = appropriation("INCLE", 2027), plan_scenario()
    path = f"/api/v1/appropriations/{funds.id}/status?scenario={plan.id}"
    planned = client.get(path, headers=headers).get_json()["planned"]
    assert client.get(path, headers=headers).get_json()["planned"] == planned
    assert _kept(app) == 1
    line = _manual_line()
    body = {
        "scenario": plan.id,
        "fiscal_year": 2027,
        "appropriation": funds.id,
        "division": line.division_id,
        "object_class": line.object_class_id,
        "amount": "1000.01",
        "description": "A late addition",
    }
    created = client.post("/api/v1/budget-lines", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    after = client.get(path, headers=headers).get_json()["planned"]

    def in_plan(rows: list[dict]) -> int:
        return next(api_cents(row["amount"]) for row in rows if row["scenario"] == plan.id)

    assert in_plan(after) == in_plan(planned) + 1000_01


def _signed_in(app, email: str):
    """Another browser, signed in as `email`."""
    other = app.test_client()
    Auth(other).login(email)
    return other


def test_each_person_sees_their_own_dashboard(app, client, auth):
    viewer = _signed_in(app, "viewer@example.gov")
    auth.login("rm@example.gov")  # signing in writes; nothing is written from here on
    client.get("/")
    mine = client.get("/").get_data(as_text=True)
    assert _kept(app) == 1
    viewer.get("/")
    theirs = viewer.get("/").get_data(as_text=True)
    rm_name, viewer_name = user("rm@example.gov").name, user("viewer@example.gov").name
    assert rm_name in mine
    assert viewer_name not in mine
    assert viewer_name in theirs
    assert rm_name not in theirs


def test_a_script_reads_only_what_its_own_token_may(app, client):
    line = db.session.scalar(
        sa.select(BudgetLine)
        .join(Division, Division.id == BudgetLine.division_id)
        .where(BudgetLine.source == LineSource.TRAVEL, Division.code == "IP")
        .order_by(BudgetLine.id)
        .limit(1)
    )
    path = f"/api/v1/budget-lines?scenario={line.scenario_id}&source=travel&per_page=500"
    manager, other_head = bearer("rm@example.gov"), bearer("head-rpa@example.gov")  # issuing writes: first

    def description(headers) -> str:
        return next(
            item["description"]
            for item in client.get(path, headers=headers).get_json()["items"]
            if item["id"] == line.id
        )

    assert description(manager) == description(manager) == line.description
    assert _kept(app) == 1
    assert description(other_head) == "Travel request of another division"


def test_a_second_session_of_the_same_person_gets_forms_it_can_send(app, client, auth):
    second = _signed_in(app, "rm@example.gov")
    second.get("/profile")  # a page with a form gives the session its CSRF token
    auth.login("rm@example.gov")  # signing in writes; nothing is written from here on
    client.get("/")
    client.get("/")
    assert _kept(app) == 1
    page = second.get("/").get_data(as_text=True)
    signed_out = second.post("/logout", data={"csrf_token": csrf_from(page)})
    assert signed_out.status_code == 302  # its own token: the first session's page would fail CSRF (400)


def test_a_message_waiting_to_be_shown_is_shown_on_a_kept_page(app, rm):
    path = f"/lines?scenario={plan_scenario().id}"
    total = _lines_total(rm, path)
    assert _lines_total(rm, path) == total
    assert _kept(app) == 1
    with rm.session_transaction() as session:  # what a refused button leaves for the next page
        session["_flashes"] = [("warning", "Budget line 7 was changed by someone else.")]
    assert "Budget line 7 was changed by someone else." in rm.get(path).get_data(as_text=True)
    assert "Budget line 7 was changed by someone else." not in rm.get(path).get_data(as_text=True)


def test_a_person_deactivated_meanwhile_is_not_shown_their_kept_page(app, rm, database_url):
    path = f"/lines?scenario={plan_scenario().id}"
    assert _lines_total(rm, path) == _lines_total(rm, path)
    assert _kept(app) == 1
    manager = user("rm@example.gov")
    manager_id, version = manager.id, manager.version
    db.session.commit()
    other = create_app(make_config(database_url))  # an administrator, on another web server
    with other.app_context():
        target = db.session.get(type(manager), manager_id)
        accounts.update_user(
            user("admin@example.gov"), target, name=target.name, role=target.role, division=target.division,
            active=False, expected_version=version,
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    answer = rm.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")


def test_nothing_is_kept_when_the_office_turns_it_off(app, rm):
    app.config["PAGE_CACHE_BYTES"] = 0
    path = f"/lines?scenario={plan_scenario().id}"
    assert _lines_total(rm, path) == _lines_total(rm, path)
    assert _kept(app) == 0
