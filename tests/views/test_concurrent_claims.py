"""Claims on one appropriation fired at the same moment at a real multi-process server.

gunicorn with several worker processes serves a copy of the demo database (a SQLite file,
or a PostgreSQL database when TEST_DATABASE_URL names one). Each round sends more claims
than the appropriation can pay for, each a fifth of what is available, all at once from
separate connections: exactly as many succeed as fit, the rest are refused for funds, and
available never goes below zero. The rounds' counts are printed (run with -s to see them).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from helpers import appropriation, database_fingerprint, free_port, plan_scenario, priority_id, region_id, user

from models import (
    Appropriation,
    BudgetLine,
    Division,
    LineSource,
    ObjectClass,
    Reprogramming,
    ReprogrammingStatus,
    TravelPurpose,
    TravelRequest,
    db,
)
from models.base import transactions_write_locked
from money import from_cents
from services.funds.control import status_of
from services.office.accounts import issue_token
from services.reprogramming import drafts as reprogramming
from services.requests import drafts as requests
from services.requests import workflow as request_workflow
from services.requests.workflow import Transition

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
CLAIMS = 10  # each a fifth of what is available: five fit
ROUNDS = 20
START_ATTEMPTS = 600  # 0.1 s apart: how long the server may take to answer /healthz


@pytest.fixture
def server(database_url, tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "concurrent-claims-test-key-" + "x" * 32,
        "APPORTION_ENV": "development",
        "FUNDS_CONTROL": "refuse",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--no-control-socket", "app:create_app()"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        for _ in range(START_ATTEMPTS):
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {log.read_text()}")
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"gunicorn did not answer: {log.read_text()}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert "Traceback" not in log.read_text(), log.read_text()


def _request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def fire(port: int, token: str, calls: list[tuple[str, dict]]) -> list[int]:
    """POST every call at the same moment, each on its own connection; their status codes."""
    barrier = threading.Barrier(len(calls), timeout=60)
    statuses: list[int] = [0] * len(calls)

    def post(index: int, path: str, body: dict) -> None:
        barrier.wait()
        statuses[index] = _request(port, "POST", "/api/v1" + path, body, token)[0]

    threads = [threading.Thread(target=post, args=(i, path, body)) for i, (path, body) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def available_cents(appropriation_id: int) -> int:
    db.session.expire_all()
    return status_of(db.session.get(Appropriation, appropriation_id), plan_scenario(), dt.date.today()).available_cents


@pytest.fixture
def office(app):
    """The test's own reads run outside a transaction, so it never holds the lock the server needs."""
    with transactions_write_locked(False):
        token = issue_token(None, user("rm@example.gov"), "concurrency test")
        db.session.commit()
        yield token


def test_simultaneous_new_lines_never_overdraw(server, office):
    funds = appropriation("DP", 2027)
    division = db.session.scalar(sa.select(Division.id).where(Division.code == "IP"))
    object_class = db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "25.2"))
    scenario_id = plan_scenario().id
    tally = Counter()
    for round_number in range(ROUNDS):
        before = available_cents(funds.id)
        claim = before // 5
        body = {
            "scenario": scenario_id,
            "fiscal_year": 2027,
            "appropriation": funds.id,
            "division": division,
            "object_class": object_class,
            "description": f"Concurrent claim, round {round_number}",
            "amount": str(from_cents(claim)),
        }
        statuses = fire(server, office, [("/budget-lines", body)] * CLAIMS)
        tally.update(statuses)
        assert sorted(statuses) == [201] * 5 + [422] * 5, f"round {round_number}: {statuses}"
        after = available_cents(funds.id)
        assert after == before - 5 * claim >= 0
        db.session.execute(sa.delete(BudgetLine).where(BudgetLine.description == body["description"]))
        db.session.commit()
    print(f"\n{db.engine.dialect.name}: {ROUNDS} rounds of {CLAIMS} new lines: {dict(tally)}")


def _submitted_trips(count: int) -> list[int]:
    """`count` identical submitted trips of International Programs on DP FY2027."""
    author, head = user("staff-ip@example.gov"), user("head-ip@example.gov")
    data = requests.TravelData(
        title="Visit to Bangkok",
        purpose_id=db.session.scalar(sa.select(TravelPurpose.id).limit(1)),
        traveler_id=author.id,
        appropriation_id=appropriation("DP", 2027).id,
        scenario_id=plan_scenario().id,
        legs=[requests.LegData("Washington", "Bangkok", "THA", dt.date(2027, 3, 2), dt.date(2027, 3, 6))],
        airfare=Decimal("1800"),
    )
    ids = []
    for _ in range(count):
        trip = requests.create_travel(author, data)
        request_workflow.transition(head, trip, Transition.SUBMIT)
        ids.append(trip.id)
    db.session.commit()
    return ids


def test_simultaneous_approvals_of_different_requests_never_overdraw(server, office):
    funds = appropriation("DP", 2027)
    scenario = plan_scenario()
    travel = db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "21.0"))
    # No travel allowance left for the division: each approval claims the trip's whole cost.
    db.session.execute(
        sa.update(BudgetLine)
        .where(BudgetLine.scenario_id == scenario.id, BudgetLine.object_class_id == travel)
        .where(BudgetLine.appropriation_id == funds.id, BudgetLine.source.not_in(["travel", "staffing"]))
        .values(amount_cents=0)
    )
    db.session.commit()
    tally = Counter()
    for round_number in range(ROUNDS):
        trip_ids = _submitted_trips(CLAIMS)
        cost = db.session.get(TravelRequest, trip_ids[0]).total_cents
        # A filler line (not travel, so no allowance) leaves exactly five trips' worth available.
        filler = BudgetLine(
            scenario_id=scenario.id,
            fiscal_year=2027,
            appropriation_id=funds.id,
            division_id=db.session.get(TravelRequest, trip_ids[0]).division_id,
            object_class_id=db.session.scalar(sa.select(ObjectClass.id).where(ObjectClass.code == "25.2")),
            description="Filler",
            amount_cents=available_cents(funds.id) - 5 * cost,
        )
        db.session.add(filler)
        db.session.commit()
        assert available_cents(funds.id) == 5 * cost

        statuses = fire(server, office, [(f"/travel-requests/{trip_id}/approve", {}) for trip_id in trip_ids])
        tally.update(statuses)
        assert sorted(statuses) == [200] * 5 + [422] * 5, f"round {round_number}: {statuses}"
        assert available_cents(funds.id) == 0
        approved = db.session.scalar(
            sa.select(sa.func.count(TravelRequest.id)).where(
                TravelRequest.id.in_(trip_ids), TravelRequest.status == "approved"
            )
        )
        assert approved == 5
        db.session.execute(
            sa.delete(BudgetLine).where(
                (BudgetLine.id == filler.id) | ((BudgetLine.source == "travel") & BudgetLine.source_id.in_(trip_ids))
            )
        )
        db.session.commit()
    print(f"\n{db.engine.dialect.name}: {ROUNDS} rounds of {CLAIMS} approvals: {dict(tally)}")


@pytest.mark.parametrize(
    "cause",
    [sqlite3.OperationalError("database is locked"), psycopg.errors.DeadlockDetected("deadlock detected")],
    ids=["sqlite-busy", "postgresql-deadlock"],
)
def test_a_claim_that_cannot_get_the_lock_in_time_is_a_503_not_a_500(app, client, auth, cause):
    """Past SQLite's busy timeout, or picked as a PostgreSQL deadlock's victim: try again, nothing changed."""

    def busy():
        raise sa.exc.OperationalError("INSERT ...", {}, cause)

    app.add_url_rule("/_test/busy", "test_busy", busy, methods=["POST"])
    app.add_url_rule("/api/v1/_test/busy", "test_api_busy", busy, methods=["POST"])
    auth.login("rm@example.gov")
    before = database_fingerprint()
    page = client.post("/_test/busy", data={"csrf_token": auth.csrf()})
    assert page.status_code == 503
    assert "Nothing was changed" in page.get_data(as_text=True)
    answer = client.post("/api/v1/_test/busy", json={}, headers={"X-CSRFToken": auth.csrf()})
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "busy"
    assert database_fingerprint() == before


def _draft_reprogramming(amount: str) -> Reprogramming:
    """A draft moving `amount` of INCLE FY2027 from Prosecution in AF to Protection in WHA: no notice needed,
    so it may be executed at once."""
    record = reprogramming.create_reprogramming(
        user("rm@example.gov"),
        reprogramming.ReprogrammingInput(
            scenario_id=plan_scenario().id,
            appropriation_id=appropriation("INCLE", 2027).id,
            justification="Concurrency test",
            moves=(
                reprogramming.MoveInput(
                    from_={"region": region_id("AF"), "priority": priority_id("prosecution")},
                    to={"region": region_id("WHA"), "priority": priority_id("protection")},
                    amount=Decimal(amount),
                ),
            ),
        ),
    )
    db.session.commit()
    assert not record.notification_required
    return record


def _reprogrammed_cents(record_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)).where(
            BudgetLine.source == LineSource.REPROGRAMMING, BudgetLine.source_id == record_id
        )
    )


def test_two_people_executing_one_reprogramming_at_once_execute_it_once(server, office):
    tally = Counter()
    for round_number in range(5):
        record = _draft_reprogramming("10000.00")
        planned = available_cents(appropriation("INCLE", 2027).id)
        statuses = fire(server, office, [(f"/reprogrammings/{record.id}/execute", {"version": 1})] * 4)
        tally.update(statuses)
        assert sorted(statuses) == [200, 409, 409, 409], f"round {round_number}: {statuses}"
        db.session.expire_all()
        assert _reprogrammed_cents(record.id) == 1_000_000  # written once
        assert available_cents(appropriation("INCLE", 2027).id) == planned  # a move within the appropriation
    print(f"\n{db.engine.dialect.name}: 5 rounds of 4 executions of one reprogramming: {dict(tally)}")


def test_executing_while_a_line_it_moves_is_edited_refuses_one_as_stale(server, office):
    tally = Counter()
    for round_number in range(6):
        record = _draft_reprogramming("10000.00")
        line = max(
            (db.session.get(BudgetLine, line_id) for line_id, _ in record.moves[0].from_lines),
            key=lambda line: line.amount_cents,
        )
        version, description = line.version, line.description
        edit = {"version": version, "description": f"Edited in round {round_number}"}
        calls = [
            ("POST", f"/reprogrammings/{record.id}/execute", {"version": 1}),
            ("PATCH", f"/budget-lines/{line.id}", edit),
        ]
        statuses = dict(zip(("execute", "edit"), fire_requests(server, office, calls), strict=True))
        tally.update(f"{name} {status}" for name, status in statuses.items())
        assert sorted(statuses.values()) == [200, 409], f"round {round_number}: {statuses}"
        db.session.expire_all()
        edited = db.session.get(BudgetLine, line.id).description != description
        executed = db.session.get(Reprogramming, record.id).status == ReprogrammingStatus.EXECUTED
        assert edited != executed  # exactly one of them happened
        assert _reprogrammed_cents(record.id) == (1_000_000 if executed else 0)
    print(f"\n{db.engine.dialect.name}: an execution and an edit of one of its lines, 6 rounds: {dict(tally)}")


def fire_requests(port: int, token: str, calls: list[tuple[str, str, dict]]) -> list[int]:
    """Send every call at the same moment, each on its own connection; their status codes, in order."""
    barrier = threading.Barrier(len(calls), timeout=60)
    statuses: list[int] = [0] * len(calls)

    def send(index: int, method: str, path: str, body: dict) -> None:
        barrier.wait()
        statuses[index] = _request(port, method, "/api/v1" + path, body, token)[0]

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
