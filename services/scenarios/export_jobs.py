"""The submission workbook as a background job, for a scenario with many lines.

The runner builds the workbook as the download does (services.scenarios.submission, shown to the
job's maker) and writes it to the exports folder (`JOBS_EXPORTS`, shared by the web servers and the
consumers) as `<job id>.xlsx`, whole or not at all (services.jobs.files), so a job that fails or is
cancelled leaves no file. A workbook is kept `JOBS_EXPORTS_KEEP_HOURS`: each export job that ends well
removes the older ones, so the folder holds about a day's exports.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from exports.submission import write_submission
from models import BudgetLine, Job, JobKind, JobState, Scenario, User, db
from services.jobs.files import written_whole
from services.jobs.lifecycle import Outcome, Progress, job_record, start_job
from services.scenarios.submission import build_workbook, comparison_scenarios

log = logging.getLogger(__name__)


def line_count(scenario: Scenario) -> int:
    return db.session.scalar(sa.select(sa.func.count(BudgetLine.id)).where(BudgetLine.scenario_id == scenario.id)) or 0


def exports_folder() -> Path:
    return Path(current_app.config["JOBS_EXPORTS"])


def workbook_path(job: Job) -> Path | None:
    """Where a finished export job's workbook is (None for any other job)."""
    if job.kind != JobKind.WORKBOOK_EXPORT or not job.result or "file" not in job.result:
        return None
    return exports_folder() / Path(job.result["file"]).name


# What an export job leaves in the folder: its workbook, or the piece of one a stopped consumer left.
_EXPORT_FILE = re.compile(r"\d+\.xlsx|\.\d+-.*\.xlsx\.part")


def keep_hours() -> int:
    return current_app.config["JOBS_EXPORTS_KEEP_HOURS"]


def removed_workbook(job: Job) -> str | None:
    """Why a finished export job's workbook can no longer be downloaded (None while it is there, or for any
    other job)."""
    path = workbook_path(job) if job.state == JobState.SUCCEEDED else None
    if path is None or path.is_file():
        return None
    which = f"Prepared workbooks are kept for {keep_hours()} hours; this one" if keep_hours() else "This workbook"
    return f"{which} is no longer here. Prepare it again from the scenario's page."


def remove_old_workbooks() -> int:
    """Remove the export jobs' files older than `JOBS_EXPORTS_KEEP_HOURS` (none when it is 0); how many."""
    hours, folder = keep_hours(), exports_folder()
    if hours == 0 or not folder.is_dir():
        return 0
    cutoff = time.time() - hours * 3600
    removed = 0
    for path in folder.iterdir():
        if not _EXPORT_FILE.fullmatch(path.name):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another consumer removed it first
            continue
        except OSError as error:  # not this job's failure: its own workbook is in place
            log.warning("Could not remove the old workbook %s: %s", path, error)
    return removed


def download_name(scenario_name: str) -> str:
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in scenario_name)
    return f"{safe_name}-submission.xlsx"


def start_export(actor: User, scenario: Scenario, actual_id: int | None = None, enacted_id: int | None = None) -> Job:
    comparison_scenarios(scenario, actual_id, enacted_id)  # refused now (no PY or CY to compare), not after a wait
    params = {"scenario_id": scenario.id, "actual_id": actual_id, "enacted_id": enacted_id}
    job = start_job(actor, JobKind.WORKBOOK_EXPORT, f"Submission workbook of {scenario.name}", params)
    job.params = {**params, "file": f"{job.id}.xlsx"}
    db.session.flush()
    return job


def run_export_job(actor: User, params: dict, progress: Progress) -> Outcome:
    scenario = job_record(Scenario, params["scenario_id"], "scenario")
    lines = line_count(scenario)
    progress(5, f"Reading {lines:,} budget lines")
    data = build_workbook(
        scenario,
        actor,
        current_app.config["APP_VERSION"],
        actual_id=params.get("actual_id"),
        enacted_id=params.get("enacted_id"),
    )
    target = exports_folder() / Path(params["file"]).name
    progress(20, f"Writing the workbook's {lines:,} lines")
    with written_whole(target) as out:
        write_submission(data, out)
        progress(95, "Saving the file")  # the last chance to stop: nothing is kept after it
    remove_old_workbooks()
    return Outcome(
        f"The workbook of {scenario.name} is ready ({lines:,} lines).",
        result={"file": target.name, "download_name": download_name(scenario.name), "scenario_id": scenario.id},
    )
