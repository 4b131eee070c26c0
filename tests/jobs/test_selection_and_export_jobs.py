"""Issue 16, continued: a proposal selection over many proposals and a submission workbook of many lines
run as background jobs; smaller ones still answer at once (their own tests, unchanged).

The thresholds are set low on `app.config` so the demo office's notice and plan count as large. `drain`
runs the queue in this process, as a consumer would. What a job makes is checked against what an at-once
run of the same notice makes, and against the scenario's total read straight from SQL.
"""

from __future__ import annotations

import io
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from consumer import drain, job_row
from helpers import bearer, csrf_from, demo_notice_id, plan_scenario, user
from openpyxl import load_workbook

import jobs
from models import AuditEvent, BudgetLine, FundingNotice, Job, JobKind, JobState, NoticeStatus, SelectionRun, db
from services.jobs.lifecycle import JobCancelled
from services.programs import selection, selection_jobs
from services.scenarios import export_jobs
from tests.exports.formulas import Evaluator


def latest_job() -> Job:
    return db.session.scalar(sa.select(Job).order_by(Job.id.desc()))


def runs_of(notice_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(SelectionRun.id)).where(SelectionRun.notice_id == notice_id))


def exports_folder(app) -> Path:
    return Path(app.config["JOBS_EXPORTS"])


def files_in(app) -> list[str]:
    folder = exports_folder(app)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def rm(client, auth):
    auth.login("rm@example.gov")
    return client


# ---- proposal selection ----------------------------------------------------------------------


def test_a_large_notices_selection_is_a_job_whose_run_is_what_an_at_once_run_gives(app, rm):
    app.config["JOBS_SELECTION_PROPOSALS"] = 0  # every notice counts as large
    notice_id = demo_notice_id()
    runs_before = runs_of(notice_id)
    page = rm.get(f"/programs/notices/{notice_id}").get_data(as_text=True)
    response = rm.post(f"/programs/notices/{notice_id}/selection", data={"csrf_token": csrf_from(page)})

    job = latest_job()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.state, job.created_by.email) == (JobKind.SELECTION_RUN, JobState.QUEUED, "rm@example.gov")
    assert runs_of(notice_id) == runs_before  # nothing solved in the request

    assert drain(app) == 1
    job = job_row(job.id)
    assert (job.state, job.progress, job.error) == (JobState.SUCCEEDED, 100, None)
    run = db.session.scalar(sa.select(SelectionRun).order_by(SelectionRun.id.desc()))
    assert (job.result_type, job.result_id, run.notice_id) == ("selection_run", run.id, notice_id)
    assert runs_of(notice_id) == runs_before + 1
    assert f'href="/programs/selection-runs/{run.id}"' in rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert rm.get(f"/programs/selection-runs/{run.id}").status_code == 200

    # The same notice solved at once, in the request's way.
    at_once = selection.run_selection(user("rm@example.gov"), db.session.get(FundingNotice, notice_id))
    assert sorted(run.selected) == sorted(at_once.selected)
    assert (run.status, run.result["total_cost"], run.result["objective"]) == (
        at_once.status,
        at_once.result["total_cost"],
        at_once.result["objective"],
    )
    assert run.problem["proposals"] == at_once.problem["proposals"]
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity == "job", AuditEvent.entity_id == job.id)
    ).all()
    assert events == ["job.create", "job.succeeded"]


def test_a_small_notices_selection_still_answers_at_once(app, rm):
    notice_id = demo_notice_id()
    assert (
        selection_jobs.proposal_count(db.session.get(FundingNotice, notice_id))
        <= (app.config["JOBS_SELECTION_PROPOSALS"])
    )
    jobs_before = db.session.scalar(sa.select(sa.func.count(Job.id)))
    page = rm.get(f"/programs/notices/{notice_id}").get_data(as_text=True)
    response = rm.post(f"/programs/notices/{notice_id}/selection", data={"csrf_token": csrf_from(page)})
    run_id = db.session.scalar(sa.select(sa.func.max(SelectionRun.id)))
    assert response.headers["Location"] == f"/programs/selection-runs/{run_id}"
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == jobs_before


def test_the_api_answers_202_for_a_large_notice_and_the_jobs_result_links_to_the_run(app, client):
    app.config["JOBS_SELECTION_PROPOSALS"] = 0
    headers = bearer("rm@example.gov")
    notice_id = demo_notice_id()
    started = client.post(f"/api/v1/funding-notices/{notice_id}/selection", json={"time_limit_s": 20}, headers=headers)
    assert started.status_code == 202
    location = started.headers["Location"]
    body = started.get_json()
    assert (body["kind"], body["state"], body["result"]) == ("selection_run", "queued", None)
    assert job_row(body["id"]).params == {"notice_id": notice_id, "time_limit_s": 20}

    drain(app)
    answer = client.get(location, headers=headers).get_json()
    assert (answer["state"], answer["progress"]) == ("succeeded", 100)
    run_id = db.session.scalar(sa.select(sa.func.max(SelectionRun.id)))
    assert answer["result"]["page"] == f"/programs/selection-runs/{run_id}"
    assert answer["result"]["url"] == f"/api/v1/selection-runs/{run_id}"
    run = client.get(answer["result"]["url"], headers=headers).get_json()
    assert (run["id"], run["notice"]) == (run_id, notice_id)
    assert run["result"]["selected"] == db.session.get(SelectionRun, run_id).selected


def test_a_selection_job_stopped_at_its_first_step_or_failing_leaves_no_run(app):
    notice_id = demo_notice_id()
    notice = db.session.get(FundingNotice, notice_id)
    runs_before = runs_of(notice_id)

    stopped = selection_jobs.start_selection(user("rm@example.gov"), notice)
    stopped.cancel_requested = True  # asked to stop as a consumer claims it: it stops at its first report
    db.session.commit()
    jobs.worker.perform(stopped.id)
    stopped = job_row(stopped.id)
    assert (stopped.state, stopped.message) == (JobState.CANCELLED, "Cancelled: nothing was saved.")

    failing = selection_jobs.start_selection(user("rm@example.gov"), notice)
    db.session.commit()
    notice = db.session.get(FundingNotice, notice_id)
    notice.status = NoticeStatus.AWARDED  # settled by someone else before a consumer takes the job
    db.session.commit()
    jobs.worker.perform(failing.id)
    failing = job_row(failing.id)
    assert failing.state == JobState.FAILED
    assert failing.error == f"Notice {notice.number} is awarded; its selection is settled."
    assert runs_of(notice_id) == runs_before


def test_a_selection_job_stopped_while_the_solver_works_leaves_no_run(app):
    """Cancelled from the solver's first report (its progress): the solve stops, nothing is written."""
    notice_id = demo_notice_id()
    runs_before = runs_of(notice_id)
    heard: list[tuple[int, str]] = []

    def progress(percent: int, message: str) -> None:
        heard.append((percent, message))
        if percent > 10:  # past "Solving": a report from the solver itself
            raise JobCancelled

    with pytest.raises(JobCancelled):
        selection_jobs.run_selection_job(user("rm@example.gov"), {"notice_id": notice_id}, progress)
    db.session.rollback()
    assert [percent for percent, _ in heard[:2]] == [2, 10]
    assert heard[-1][1].startswith(("Seeking", "Found"))  # stopped on the solver's own report
    assert runs_of(notice_id) == runs_before


# ---- submission workbook ---------------------------------------------------------------------


def summary_request_total(data: bytes) -> Decimal:
    """The Summary sheet's total of the request year (column E of its Total row), its formulas evaluated."""
    with closing(load_workbook(io.BytesIO(data))) as workbook:
        sheet = workbook["Summary"]
        row = next(r for r in range(1, sheet.max_row + 1) if sheet[f"A{r}"].value in ("Total", "Total, all accounts"))
        return Evaluator(workbook).value("Summary", f"E{row}")


def scenario_total(scenario_id: int) -> Decimal:
    total = sa.func.coalesce(sa.func.sum(BudgetLine.amount_cents), 0)
    cents = db.session.scalar(sa.select(total).where(BudgetLine.scenario_id == scenario_id))
    return Decimal(cents) / 100


def test_a_large_scenarios_page_prepares_the_workbook_as_a_job_and_downloads_it(app, rm, client):
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}").get_data(as_text=True)
    assert f'href="/scenarios/{plan.id}/export.xlsx"' in page  # a small scenario: the link, as before
    assert "Prepare the submission workbook" not in page

    app.config["JOBS_EXPORT_LINES"] = 0  # every scenario counts as large
    page = rm.get(f"/scenarios/{plan.id}").get_data(as_text=True)
    assert "Prepare the submission workbook" in page
    assert f'href="/scenarios/{plan.id}/export.xlsx"' not in page
    response = rm.post(f"/scenarios/{plan.id}/exports", data={"csrf_token": csrf_from(page)})
    job = latest_job()
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.state) == (JobKind.WORKBOOK_EXPORT, JobState.QUEUED)
    assert files_in(app) == []

    assert drain(app) == 1
    job = job_row(job.id)
    assert (job.state, job.error) == (JobState.SUCCEEDED, None)
    assert files_in(app) == [f"{job.id}.xlsx"]
    download = f"/jobs/{job.id}/workbook.xlsx"
    assert f'href="{download}"' in rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    answer = rm.get(download)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == "attachment; filename=FY2027-plan-submission.xlsx"
    data = answer.data
    answer.close()
    assert summary_request_total(data) == scenario_total(plan.id)

    # The workbook shows what its maker may see: it is theirs only.
    for email, status in (("viewer@example.gov", 403), ("rm@example.gov", 200)):
        answer = client.get(download, headers=bearer(email))
        answer.close()
        assert answer.status_code == status


def test_the_api_starts_an_export_job_whose_result_is_the_download(app, client):
    plan = plan_scenario()
    headers = bearer("viewer@example.gov")  # a reader may export
    started = client.post(f"/api/v1/scenarios/{plan.id}/exports", headers=headers)
    assert started.status_code == 202
    assert (started.get_json()["kind"], started.get_json()["state"]) == ("workbook_export", "queued")
    location = started.headers["Location"]

    drain(app)
    answer = client.get(location, headers=headers).get_json()
    assert (answer["state"], answer["progress"], answer["error"]) == ("succeeded", 100, None)
    url = answer["result"]["url"]
    assert url == f"/jobs/{answer['id']}/workbook.xlsx"
    download = client.get(url, headers=headers)
    assert download.status_code == 200
    data = download.data
    download.close()
    assert summary_request_total(data) == scenario_total(plan.id)
    # The at-once export still answers, with the same figures.
    at_once = client.get(f"/api/v1/scenarios/{plan.id}/export.xlsx", headers=headers)
    assert at_once.status_code == 200
    assert summary_request_total(at_once.data) == scenario_total(plan.id)
    at_once.close()


def test_an_export_is_refused_before_it_is_queued_when_its_comparison_is_missing(app, client):
    plan = plan_scenario()
    jobs_before = db.session.scalar(sa.select(sa.func.count(Job.id)))
    refused = client.post(
        f"/api/v1/scenarios/{plan.id}/exports", json={"actual": 999999}, headers=bearer("rm@example.gov")
    )
    assert refused.status_code == 422
    assert "actual" in refused.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == jobs_before


def test_an_export_job_cancelled_or_failing_leaves_no_file(app, monkeypatch):
    plan = plan_scenario()
    rm_user = user("rm@example.gov")

    stopped = export_jobs.start_export(rm_user, plan)
    stopped.cancel_requested = True  # stops at its first report
    db.session.commit()
    jobs.worker.perform(stopped.id)
    assert job_row(stopped.id).state == JobState.CANCELLED

    # Stopped at its last step, once the whole file is written beside its final name.
    late = export_jobs.start_export(rm_user, plan)
    db.session.commit()

    def stop_when_saving(percent: int, message: str) -> None:
        if message == "Saving the file":
            assert any(name.endswith(".part") for name in files_in(app))  # written, not yet in place
            raise JobCancelled

    with pytest.raises(JobCancelled):
        export_jobs.run_export_job(rm_user, dict(late.params), stop_when_saving)
    db.session.rollback()

    def broken(data, out):
        out.write(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(export_jobs, "write_submission", broken)
    failing = export_jobs.start_export(rm_user, plan)
    db.session.commit()
    jobs.worker.perform(failing.id)
    failing = job_row(failing.id)
    assert (failing.state, failing.error) == (JobState.FAILED, "An unexpected error stopped it (OSError).")
    assert files_in(app) == []
    assert failing.result is None


def test_the_download_of_a_job_without_a_workbook_goes_to_the_jobs_page(app, rm):
    plan = plan_scenario()
    job = export_jobs.start_export(user("rm@example.gov"), plan)
    db.session.commit()
    response = rm.get(f"/jobs/{job.id}/workbook.xlsx")  # still queued
    assert (response.status_code, response.headers["Location"]) == (302, f"/jobs/{job.id}")
