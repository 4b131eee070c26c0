"""Issue 16, continued: a large workbook import and a large actuals extract are read by background jobs.

The thresholds (JOBS_IMPORT_BYTES, JOBS_ACTUALS_BYTES) are set to 0 on `app.config` so the demo plan's
workbook and a four-row extract count as large. The upload waits in JOBS_UPLOADS for its job and is
gone once the job ends, however it ends. `drain` runs the real queue in this process, as a consumer does.
What a job previews is checked against the preview the request makes at once of the same file.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from actuals_helpers import CLEAN, extract
from consumer import drain, job_row
from helpers import bearer, csrf_from, own_export, plan_scenario, user

from models import ActualsLoad, AuditEvent, BudgetLine, ImportBatch, Job, JobKind, JobState, db
from models.actuals import ActualTransaction
from services.scenarios import imports


def latest_job() -> Job:
    return db.session.scalar(sa.select(Job).order_by(Job.id.desc()))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def uploads_in(app) -> list[str]:
    folder = Path(app.config["JOBS_UPLOADS"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def without_first_line(workbook) -> None:
    workbook["Detail"].delete_rows(2)


def upload_page(client, url: str, page: str, content: bytes, name: str):
    return client.post(
        url,
        content_type="multipart/form-data",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(content), name)},
    )


def upload_api(client, url: str, email: str, content: bytes, name: str):
    return client.post(
        url, headers=bearer(email), data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
    )


@pytest.fixture
def rm(client, auth):
    auth.login("rm@example.gov")
    return client


# ---- workbook imports ------------------------------------------------------------------------


def test_a_large_workbook_is_previewed_by_a_job_and_its_preview_is_the_at_once_one(app, rm):
    app.config["JOBS_IMPORT_BYTES"] = 0  # every workbook counts as large
    plan = plan_scenario()
    content = own_export(plan, without_first_line)
    batches_before = count(ImportBatch)
    page = rm.get(f"/scenarios/{plan.id}").get_data(as_text=True)
    response = upload_page(rm, f"/scenarios/{plan.id}/imports", page, content, "edited.xlsx")

    job = latest_job()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.state, job.created_by.email) == (JobKind.WORKBOOK_IMPORT, JobState.QUEUED, "rm@example.gov")
    assert count(ImportBatch) == batches_before  # nothing read in the request
    assert uploads_in(app) == [f"{job.id}.upload"]
    assert "Workbook import" in rm.get(f"/jobs/{job.id}").get_data(as_text=True)

    assert drain(app) == 1
    job = job_row(job.id)
    assert (job.state, job.progress, job.error) == (JobState.SUCCEEDED, 100, None)
    batch = db.session.scalar(sa.select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (job.result_type, job.result_id, batch.scenario_id, batch.filename) == (
        "import_batch",
        batch.id,
        plan.id,
        "edited.xlsx",
    )
    assert job.message == "Preview of edited.xlsx: 0 added, 0 changed, 1 removed."
    assert uploads_in(app) == []  # the upload went with the job
    assert f'href="/imports/{batch.id}"' in rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    preview = rm.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "<strong>1</strong> removed" in preview

    at_once = imports.preview_import(user("rm@example.gov"), plan, "edited.xlsx", content)
    assert batch.preview == at_once.preview
    db.session.rollback()

    # The job's preview commits as any preview does.
    removed_id = batch.preview["removed"][0]["id"]
    committed = rm.post(f"/imports/{batch.id}/commit", data={"csrf_token": csrf_from(preview)})
    assert committed.status_code == 302
    assert db.session.get(BudgetLine, removed_id) is None
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity == "job", AuditEvent.entity_id == job.id)
    ).all()
    assert events == ["job.create", "job.succeeded"]


def test_a_small_workbook_is_still_previewed_at_once(app, rm):
    plan = plan_scenario()
    content = own_export(plan, without_first_line)
    assert len(content) <= app.config["JOBS_IMPORT_BYTES"]
    jobs_before = count(Job)
    page = rm.get(f"/scenarios/{plan.id}").get_data(as_text=True)
    response = upload_page(rm, f"/scenarios/{plan.id}/imports", page, content, "edited.xlsx")
    batch_id = db.session.scalar(sa.select(sa.func.max(ImportBatch.id)))
    assert response.headers["Location"] == f"/imports/{batch_id}"
    assert count(Job) == jobs_before


def test_the_api_answers_202_for_a_large_workbook_and_the_jobs_result_is_the_preview(app, client):
    app.config["JOBS_IMPORT_BYTES"] = 0
    plan = plan_scenario()
    started = upload_api(client, f"/api/v1/scenarios/{plan.id}/imports", "rm@example.gov", own_export(plan), "x.xlsx")
    assert started.status_code == 202
    body = started.get_json()
    assert (body["kind"], body["state"], body["result"]) == ("workbook_import", "queued", None)
    assert started.headers["Location"] == f"/api/v1/jobs/{body['id']}"

    drain(app)
    answer = client.get(started.headers["Location"], headers=bearer("rm@example.gov")).get_json()
    assert (answer["state"], answer["progress"]) == ("succeeded", 100)
    batch_id = job_row(body["id"]).result_id
    assert answer["result"] == {"page": f"/imports/{batch_id}", "url": f"/api/v1/imports/{batch_id}"}
    preview = client.get(answer["result"]["url"], headers=bearer("rm@example.gov")).get_json()
    assert (preview["clean"], preview["added"], preview["changed"], preview["removed"]) == (True, [], [], [])

    small = upload_api(client, f"/api/v1/scenarios/{plan.id}/imports", "rm@example.gov", b"", "empty.xlsx")
    assert small.status_code == 422  # no job for a file that is no workbook: refused at once


def test_a_file_that_is_no_workbook_is_refused_at_once_even_when_large(app, rm):
    app.config["JOBS_IMPORT_BYTES"] = 0
    plan = plan_scenario()
    jobs_before = count(Job)
    response = upload_api(
        rm, f"/api/v1/scenarios/{plan.id}/imports", "rm@example.gov", b"%PDF-1.7 not a workbook", "bad.xlsx"
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["file"]
    assert count(Job) == jobs_before
    assert uploads_in(app) == []


def test_a_workbook_job_that_fails_says_why_and_writes_no_preview(app, client):
    app.config["JOBS_IMPORT_BYTES"] = 0
    plan = plan_scenario()
    stranger = openpyxl.Workbook()
    stranger.active.title = "Budget"
    buffer = io.BytesIO()
    stranger.save(buffer)
    batches_before = count(ImportBatch)
    started = upload_api(
        client, f"/api/v1/scenarios/{plan.id}/imports", "rm@example.gov", buffer.getvalue(), "other.xlsx"
    )
    assert started.status_code == 202

    drain(app)
    job = job_row(started.get_json()["id"])
    assert job.state == JobState.FAILED
    assert job.error.startswith("The workbook has no Detail sheet (it has: “Budget”).")
    assert job.message == "Failed: nothing was saved."
    assert count(ImportBatch) == batches_before
    assert uploads_in(app) == []
    shown = client.get(f"/api/v1/jobs/{job.id}", headers=bearer("rm@example.gov")).get_json()
    assert (shown["state"], shown["error"], shown["result"]) == ("failed", job.error, None)


def test_a_workbook_job_cancelled_while_it_waits_never_reads_and_its_upload_goes(app, rm):
    app.config["JOBS_IMPORT_BYTES"] = 0
    plan = plan_scenario()
    page = rm.get(f"/scenarios/{plan.id}").get_data(as_text=True)
    upload_page(rm, f"/scenarios/{plan.id}/imports", page, own_export(plan), "x.xlsx")
    job = latest_job()
    assert uploads_in(app) == [f"{job.id}.upload"]
    batches_before = count(ImportBatch)
    job_page = rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert rm.post(f"/jobs/{job.id}/cancel", data={"csrf_token": csrf_from(job_page)}).status_code == 302
    assert uploads_in(app) == []

    drain(app)
    job = job_row(job.id)
    assert (job.state, job.started_at, job.result_id) == (JobState.CANCELLED, None, None)
    assert count(ImportBatch) == batches_before


def test_a_workbook_job_asked_to_stop_as_it_starts_keeps_nothing(app, client):
    """A cancellation a running job reads at its first step: the preview is never stored."""
    app.config["JOBS_IMPORT_BYTES"] = 0
    plan = plan_scenario()
    started = upload_api(client, f"/api/v1/scenarios/{plan.id}/imports", "rm@example.gov", own_export(plan), "x.xlsx")
    job = job_row(started.get_json()["id"])
    job.cancel_requested = True  # as cancel_job leaves a running job; the consumer reads it at its first step
    batches_before = count(ImportBatch)
    drain(app)
    job = job_row(job.id)
    assert (job.state, job.message, job.result_id) == (JobState.CANCELLED, "Cancelled: nothing was saved.", None)
    assert job.started_at is not None
    assert count(ImportBatch) == batches_before
    assert uploads_in(app) == []


# ---- actuals loads ---------------------------------------------------------------------------


def test_a_large_extract_is_read_by_a_job_whose_result_is_the_load_page(app, rm):
    app.config["JOBS_ACTUALS_BYTES"] = 0
    loads_before = count(ActualsLoad)
    page = rm.get("/actuals/").get_data(as_text=True)
    response = upload_page(rm, "/actuals/imports", page, CLEAN.encode(), "extract.csv")
    job = latest_job()
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.state) == (JobKind.ACTUALS_LOAD, JobState.QUEUED)
    assert count(ActualsLoad) == loads_before
    assert uploads_in(app) == [f"{job.id}.upload"]

    drain(app)
    job = job_row(job.id)
    load = db.session.scalar(sa.select(ActualsLoad).order_by(ActualsLoad.id.desc()))
    assert (job.state, job.result_type, job.result_id) == (JobState.SUCCEEDED, "actuals_load", load.id)
    assert job.message == f"Load {load.id} of extract.csv: 4 rows, 4 new."
    assert uploads_in(app) == []
    assert f'href="/actuals/imports/{load.id}"' in rm.get(f"/jobs/{job.id}").get_data(as_text=True)
    preview = rm.get(f"/actuals/imports/{load.id}").get_data(as_text=True)
    assert "Commit 4 new transactions" in preview
    committed = rm.post(f"/actuals/imports/{load.id}/commit", data={"csrf_token": csrf_from(preview)})
    assert committed.status_code == 302
    assert count(ActualTransaction) == 4


def test_a_small_extract_is_still_read_at_once(app, rm):
    jobs_before = count(Job)
    page = rm.get("/actuals/").get_data(as_text=True)
    response = upload_page(rm, "/actuals/imports", page, CLEAN.encode(), "extract.csv")
    load_id = db.session.scalar(sa.select(sa.func.max(ActualsLoad.id)))
    assert response.headers["Location"] == f"/actuals/imports/{load_id}"
    assert count(Job) == jobs_before


def test_the_api_answers_202_for_a_large_extract_and_a_bad_one_fails_saying_why(app, client):
    app.config["JOBS_ACTUALS_BYTES"] = 0
    started = upload_api(client, "/api/v1/actuals/imports", "rm@example.gov", CLEAN.encode(), "extract.csv")
    assert started.status_code == 202
    assert started.get_json()["kind"] == "actuals_load"
    drain(app)
    answer = client.get(started.headers["Location"], headers=bearer("rm@example.gov")).get_json()
    load_id = job_row(answer["id"]).result_id
    assert answer["result"] == {"page": f"/actuals/imports/{load_id}", "url": f"/api/v1/actuals/imports/{load_id}"}
    assert client.get(answer["result"]["url"], headers=bearer("rm@example.gov")).get_json()["new"] == 4

    # A header the format can't use is refused at once, with no job; a flaw further down fails the job.
    loads_before, jobs_before = count(ActualsLoad), count(Job)
    headless = extract("FS-0001,2026-11-03,DP,2027,21.0,IP,TR-1,1200.50,0,x", header="transaction_id,posted_on")
    refused = upload_api(client, "/api/v1/actuals/imports", "rm@example.gov", headless, "extract.csv")
    assert refused.status_code == 422
    assert "missing: account" in refused.get_json()["error"]["fields"]["file"]
    assert count(Job) == jobs_before
    flawed = extract("FS-0001,2026-11-03,DP,2027,21.0,IP,TR-1,1200.50,0,x", 'FS-0002,"2026-11-04"x,DP,2027')
    failed = upload_api(client, "/api/v1/actuals/imports", "rm@example.gov", flawed, "extract.csv")
    assert failed.status_code == 202
    drain(app)
    job = job_row(failed.get_json()["id"])
    assert (job.state, job.message) == (JobState.FAILED, "Failed: nothing was saved.")
    assert job.error.startswith("The file is not a well-formed CSV (line 3")
    assert count(ActualsLoad) == loads_before
    assert uploads_in(app) == []


def test_viewers_may_not_start_an_extract_job(app, client):
    app.config["JOBS_ACTUALS_BYTES"] = 0
    jobs_before = count(Job)
    refused = upload_api(client, "/api/v1/actuals/imports", "viewer@example.gov", CLEAN.encode(), "extract.csv")
    assert refused.status_code == 403
    assert count(Job) == jobs_before


def test_the_api_document_names_the_202_of_both_uploads(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/scenarios/{scenario_id}/imports", "/api/v1/actuals/imports"):
        responses = paths.get(path, paths.get(path.removeprefix("/api/v1")))["post"]["responses"]
        assert {"201", "202"} <= responses.keys()
        assert "Location" in responses["202"]["headers"]
