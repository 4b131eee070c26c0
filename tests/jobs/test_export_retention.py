"""Prepared workbooks are kept `JOBS_EXPORTS_KEEP_HOURS`: each export job that succeeds removes the older ones
(real files, their age set with os.utime), and asking for a removed one says so (410), never a 500."""

from __future__ import annotations

import os
import time
from pathlib import Path

from consumer import job_row
from helpers import bearer, plan_scenario, user

import jobs
from models import Job, JobState, db
from services.scenarios import export_jobs

HOUR = 3600


def exports_folder(app) -> Path:
    return Path(app.config["JOBS_EXPORTS"])


def prepared_workbook(app) -> Job:
    """An export job run to its end, as a consumer runs it."""
    job = export_jobs.start_export(user("rm@example.gov"), plan_scenario())
    db.session.commit()
    jobs.worker.perform(job.id)
    job = job_row(job.id)
    assert job.state == JobState.SUCCEEDED
    return job


def made_hours_ago(path: Path, hours: float) -> None:
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))


def test_the_next_export_job_removes_workbooks_older_than_the_setting_and_keeps_the_rest(app):
    assert app.config["JOBS_EXPORTS_KEEP_HOURS"] == 24
    old, recent = prepared_workbook(app), prepared_workbook(app)
    folder = exports_folder(app)
    made_hours_ago(folder / f"{old.id}.xlsx", 25)
    made_hours_ago(folder / f"{recent.id}.xlsx", 23)
    left_by_a_stopped_consumer = folder / ".77-abc.xlsx.part"
    left_by_a_stopped_consumer.write_bytes(b"PK half a workbook")
    made_hours_ago(left_by_a_stopped_consumer, 30)
    not_an_export = folder / "notes.txt"  # someone's file in the folder: not the jobs' to remove
    not_an_export.write_text("keep me")
    made_hours_ago(not_an_export, 100)

    newest = prepared_workbook(app)

    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{recent.id}.xlsx", f"{newest.id}.xlsx", "notes.txt"])


def test_a_removed_workbook_is_answered_as_gone_on_its_page_its_download_and_the_api(app, client, auth):
    removed, kept = prepared_workbook(app), prepared_workbook(app)
    made_hours_ago(exports_folder(app) / f"{removed.id}.xlsx", 25)
    assert export_jobs.remove_old_workbooks() == 1
    why = (
        "Prepared workbooks are kept for 24 hours; this one is no longer here. "
        "Prepare it again from the scenario's page."
    )

    headers = bearer("rm@example.gov")
    answer = client.get(f"/jobs/{removed.id}/workbook.xlsx", headers=headers)
    assert answer.status_code == 410
    assert answer.get_json()["error"] == {"code": "gone", "message": why, "fields": {}}
    result = client.get(f"/api/v1/jobs/{removed.id}", headers=headers).get_json()["result"]
    assert result["removed"] == why
    assert "removed" not in client.get(f"/api/v1/jobs/{kept.id}", headers=headers).get_json()["result"]

    auth.login("rm@example.gov")
    page = client.get(f"/jobs/{removed.id}/workbook.xlsx")
    text = page.get_data(as_text=True)
    assert page.status_code == 410
    assert why.replace("'", "&#39;") in text
    assert f'href="/scenarios/{removed.result["scenario_id"]}"' in text
    job_page = client.get(f"/jobs/{removed.id}").get_data(as_text=True)
    assert why.replace("'", "&#39;") in job_page
    assert f'href="/jobs/{removed.id}/workbook.xlsx"' not in job_page  # no link to what is gone

    download = client.get(f"/jobs/{kept.id}/workbook.xlsx")
    assert download.status_code == 200
    download.close()


def test_a_setting_of_zero_keeps_every_workbook(app):
    app.config["JOBS_EXPORTS_KEEP_HOURS"] = 0
    job = prepared_workbook(app)
    made_hours_ago(exports_folder(app) / f"{job.id}.xlsx", 1000)
    assert export_jobs.remove_old_workbooks() == 0
    assert (exports_folder(app) / f"{job.id}.xlsx").is_file()
