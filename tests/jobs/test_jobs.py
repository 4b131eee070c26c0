"""Background jobs (issue 16): long work leaves the web request, shows its progress, can be cancelled,
survives the web server, and never leaves half a result.

The queue is the real one the app is configured with: a SQLite file of the test's own, or, when
REDIS_URL is set (CI's second run), the Redis server under a queue name of the test's own. `drain`
runs what the queue holds as a consumer does, in this process; the last tests start the real
consumer, `flask --app app jobs work`, as a process of its own.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from consumer import consume, drain, job_row, start_consumer, stop
from helpers import allocation_run_id, bearer, csrf_from, plan_scenario, settings_sent, user
from huey import RedisHuey, SqliteHuey

import jobs
from bench.bench_planner import synthetic_problem
from models import AllocationRun, AuditEvent, Job, JobKind, JobState, Scenario, db
from planner.allocation import sweep as planner_sweep
from planner.allocation.solve import solve
from services.allocation import jobs as allocation_jobs
from services.allocation import runs as allocation
from services.allocation.problems import AllocationSettings
from tests.conftest import IN_CI

WAIT_S = 90  # a loaded CI machine; every wait ends as soon as what it waits for is true


def wait_for(condition, what: str, seconds: float = WAIT_S):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"waited {seconds}s for {what}")


@pytest.fixture
def rm(client, auth):
    auth.login("rm@example.gov")
    return client


def _sweep_form(client, run_id: int) -> dict:
    page = client.get(f"/allocation-runs/{run_id}/sensitivity").get_data(as_text=True)
    return {"csrf_token": csrf_from(page), "fund": "INCLE-FY2027", "low": "70", "high": "130"}


def test_a_large_sweep_waits_in_the_queue_and_a_consumer_runs_it(app, rm):
    app.config["JOBS_SWEEP_SOLVES"] = 0  # every sweep counts as large
    run_id = allocation_run_id(plan_scenario())
    response = rm.post(f"/allocation-runs/{run_id}/sensitivity", data=_sweep_form(rm, run_id))

    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/jobs/{job.id}"
    page = rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'data-testid="job-state">Queued<' in page
    assert 'value="0"' in page
    assert "Cancel the job" in page
    assert (job.kind, job.state, job.created_by.email) == (JobKind.ALLOCATION_SWEEP, JobState.QUEUED, "rm@example.gov")

    assert drain(app) == 1
    job = job_row(job.id)
    assert (job.state, job.progress, job.error) == (JobState.SUCCEEDED, 100, None)
    result_page = f"/allocation-runs/{run_id}/sensitivity?job={job.id}"
    page = rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="{result_page.replace("&", "&amp;")}"' in page
    assert "Cancel the job" not in page
    curves = rm.get(result_page).get_data(as_text=True)
    for level in ("70%", "100%", "130%"):
        assert f">{level}<" in curves
    events = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity == "job")).all()
    assert events == ["job.create", "job.succeeded"]
    trail = rm.get("/audit/").get_data(as_text=True)  # in words, each event linked to the job's page
    assert "Job succeeded" in trail
    assert f'href="/jobs/{job.id}"' in trail


def test_the_api_answers_202_with_the_job_then_its_progress_and_result(app, client):
    headers = bearer("rm@example.gov")
    run = db.session.get(AllocationRun, allocation_run_id(plan_scenario()))
    available = next(Decimal(f["available"]) for f in run.problem["funds"] if f["id"] == "ESF-FY2027")
    before = db.session.scalar(sa.select(sa.func.count(Job.id)))
    for body, field in (({"fund": "NOPE"}, "fund"), ({"fund": "ESF-FY2027", "low": "1.2", "high": "0.8"}, "high")):
        refused = client.post(f"/api/v1/allocation-runs/{run.id}/sweeps", json=body, headers=headers)
        assert refused.status_code == 422
        assert field in refused.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == before

    started = client.post(
        f"/api/v1/allocation-runs/{run.id}/sweeps", json={"fund": "ESF-FY2027", "low": "0.5"}, headers=headers
    )
    assert started.status_code == 202
    location = started.headers["Location"]
    assert (started.get_json()["state"], started.get_json()["progress"]) == ("queued", 0)
    assert client.get(location, headers=headers).get_json()["result"] is None

    drain(app)
    answer = client.get(location, headers=headers).get_json()
    assert (answer["state"], answer["progress"], answer["error"]) == ("succeeded", 100, None)
    data = answer["result"]["data"]
    assert (data["fund"], data["scales"][0], len(data["scales"])) == ("ESF-FY2027", "0.5", 7)
    assert Decimal(data["available"][0]) == (available / 2).to_integral_value()  # half the fund, whole dollars
    assert answer["result"]["page"] == f"/allocation-runs/{run.id}/sensitivity?job={answer['id']}"


def test_a_job_cancelled_while_it_waits_never_runs(app, rm):
    app.config["JOBS_SWEEP_SOLVES"] = 0
    run_id = allocation_run_id(plan_scenario())
    rm.post(f"/allocation-runs/{run_id}/sensitivity", data=_sweep_form(rm, run_id))
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    page = rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    cancelled = rm.post(f"/jobs/{job.id}/cancel", data={"csrf_token": csrf_from(page)})
    assert cancelled.status_code == 302
    assert job_row(job.id).state == JobState.CANCELLED

    drain(app)  # the consumer still gets the task: claiming it finds the job cancelled
    job = job_row(job.id)
    assert (job.state, job.result, job.started_at) == (JobState.CANCELLED, None, None)
    again = rm.post(f"/jobs/{job.id}/cancel", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "The job has already cancelled." in again.get_data(as_text=True)


def test_only_its_starter_or_someone_who_may_do_the_work_cancels_a_job(app, client):
    app.config["JOBS_SWEEP_SOLVES"] = 0
    run = db.session.get(AllocationRun, allocation_run_id(plan_scenario()))
    job = allocation_jobs.start_sweep(user("rm@example.gov"), run, "ESF-FY2027", Decimal("0.8"), Decimal("1.2"))
    db.session.commit()
    refused = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=bearer("viewer@example.gov"))
    assert refused.status_code == 403
    assert job_row(job.id).state == JobState.QUEUED
    accepted = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=bearer("rm@example.gov"))
    assert (accepted.status_code, accepted.get_json()["state"]) == (200, "cancelled")
    finished = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=bearer("rm@example.gov"))
    assert finished.status_code == 409


def _large_run() -> AllocationRun:
    """A run of a 3,760-cell problem: each of a sweep's seven solves takes a moment."""
    run = allocation.run_allocation(user("rm@example.gov"), plan_scenario(), synthetic_problem(1), settings=None)
    db.session.commit()
    return run


def _progress(job_id: int) -> int:
    """Read without keeping a transaction open (the job writes meanwhile)."""
    progress = job_row(job_id).progress
    db.session.commit()
    return progress


def test_a_running_job_stops_at_its_next_step_and_keeps_nothing(app, client, monkeypatch):
    # The sweep's second level waits for the cancel to be sent: however fast the solves, the
    # job is running, past its first step, when the person cancels it.
    cancel_sent = threading.Event()
    solves: list[int] = []

    def held(*args, **kwargs):
        solves.append(len(solves))
        if len(solves) == 2:
            cancel_sent.wait(WAIT_S)
        return solve(*args, **kwargs)

    monkeypatch.setattr(planner_sweep, "solve", held)
    run = _large_run()
    job = allocation_jobs.start_sweep(user("rm@example.gov"), run, "INCLE-FY27", Decimal("0.7"), Decimal("1.3"))
    db.session.commit()
    jobs.enqueue(job.id)
    db.session.commit()
    consumer = threading.Thread(target=consume, args=(app,))
    consumer.start()
    try:
        wait_for(lambda: _progress(job.id) > 0, "the sweep to report progress")
        answer = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=bearer("rm@example.gov"))
        assert answer.status_code == 200
        assert answer.get_json()["state"] in ("running", "cancelled")
    finally:
        cancel_sent.set()
        consumer.join(WAIT_S)
    assert len(solves) == 2  # stopped at the step after the cancel: no third level was solved
    job = job_row(job.id)
    assert (job.state, job.result, job.message) == (JobState.CANCELLED, None, "Cancelled: nothing was saved.")
    assert job.progress < 100


def test_a_job_that_fails_says_why_and_writes_nothing(app):
    plan = plan_scenario()
    job = allocation_jobs.start_allocation_run(user("rm@example.gov"), plan, AllocationSettings())
    db.session.commit()
    runs_before = db.session.scalar(sa.select(sa.func.count(AllocationRun.id)))
    # The scenario goes before a consumer takes the job.
    job.params = {**job.params, "scenario_id": db.session.scalar(sa.select(sa.func.max(Scenario.id))) + 1}
    db.session.commit()
    jobs.worker.perform(job.id)
    job = job_row(job.id)
    assert (job.state, job.error) == (JobState.FAILED, "The scenario is gone.")
    assert job.message == "Failed: nothing was saved."
    assert db.session.scalar(sa.select(sa.func.count(AllocationRun.id))) == runs_before


def test_a_large_allocation_run_is_a_job_and_its_result_is_the_run(app, rm):
    app.config["JOBS_ALLOCATION_CELLS"] = 1
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}/allocation").get_data(as_text=True)
    runs_before = db.session.scalar(sa.select(sa.func.count(AllocationRun.id)))
    response = rm.post(f"/scenarios/{plan.id}/allocation/runs", data=settings_sent(page))
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert db.session.scalar(sa.select(sa.func.count(AllocationRun.id))) == runs_before  # not yet

    drain(app)
    job = job_row(job.id)
    assert job.state == JobState.SUCCEEDED, job.error
    run = db.session.scalar(sa.select(AllocationRun).order_by(AllocationRun.id.desc()))
    assert (job.result_type, job.result_id) == ("allocation_run", run.id)
    assert (run.settings["objective"], run.created_by.email) == ("targets", "rm@example.gov")
    assert f'href="/allocation-runs/{run.id}"' in rm.get(f"/jobs/{job.id}").get_data(as_text=True)


# ---- the real consumer, a process of its own -------------------------------------------------


def _all_finished(ids: list[int]) -> bool:
    finished = all(job_row(i).state.is_finished for i in ids)
    db.session.commit()
    return finished


def test_the_consumer_process_runs_what_the_web_queued_even_after_the_web_went_away(app, client):
    """One job handed to the queue, and one whose web request ended between its commit and the hand-over:
    the web server is gone (its app disposed), a consumer starts later, and both run."""
    headers = bearer("rm@example.gov")
    run_id = allocation_run_id(plan_scenario())
    queued = client.post(f"/api/v1/allocation-runs/{run_id}/sweeps", json={"fund": "ESF-FY2027"}, headers=headers)
    assert queued.status_code == 202
    orphan = allocation_jobs.start_sweep(
        user("rm@example.gov"), db.session.get(AllocationRun, run_id), "INCLE-FY2027", Decimal("0.9"), Decimal("1")
    )
    db.session.commit()  # committed, never handed over
    ids = [queued.get_json()["id"], orphan.id]
    db.session.remove()
    db.engine.dispose()  # the web server stops

    consumer = start_consumer(app)
    try:
        wait_for(lambda: _all_finished(ids), "the consumer to finish both jobs")
    finally:
        output = stop(consumer)
    assert [job_row(i).state for i in ids] == [JobState.SUCCEEDED, JobState.SUCCEEDED], output
    assert "2 waiting" in output  # both queued jobs handed over again at the start: each runs once
    assert consumer.returncode == 0, output


def test_the_queue_is_the_store_configured_and_ci_runs_it_on_redis_beside_postgresql(app):
    """The embedded store unless REDIS_URL names a server; CI's PostgreSQL run sets it (.ci/run)."""
    queue = jobs.queue_of(app)
    if app.config["REDIS_URL"]:
        assert isinstance(queue, RedisHuey)
        assert queue.storage.conn.ping()  # a real server answers
    else:
        assert isinstance(queue, SqliteHuey)
        assert queue.storage.filename == app.config["JOBS_DATABASE"]
    if IN_CI and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert app.config["REDIS_URL"], "CI runs the job tests once more with Redis, beside PostgreSQL"
