"""The import preview of a large uploaded workbook, as a background job.

A workbook of up to `JOBS_IMPORT_BYTES` is previewed in the request, as always; a larger one is kept
in the uploads folder (services.jobs.uploads) and a job runs the same preview (`preview_import`). The
preview is written last, in the job's one transaction, so a job that fails or is cancelled writes none;
the upload is removed when the job ends.
"""

from __future__ import annotations

from exports.archive import check_package
from exports.importer import LIMITS, ImportRejected
from models import Job, JobKind, Scenario, User, db
from services.errors import ValidationError
from services.jobs.lifecycle import Outcome, Progress, job_record, start_job
from services.jobs.uploads import keep_upload, read_upload
from services.scenarios.imports import preview_import

RESULT_TYPE = "import_batch"


def start_import(actor: User, scenario: Scenario, filename: str, content: bytes) -> Job:
    """A queued preview of `content` (the caller commits, then hands the job to the queue)."""
    try:
        check_package(content, LIMITS)  # a file that is no workbook at all is refused now, not after a wait
    except ImportRejected as exc:
        raise ValidationError(exc.message, fields={"file": exc.message}) from exc
    params = {"scenario_id": scenario.id, "filename": filename[:255]}
    job = start_job(actor, JobKind.WORKBOOK_IMPORT, f"Import of {filename[:80]} into {scenario.name}", params)
    keep_upload(job, content)
    db.session.flush()
    return job


def run_import_job(actor: User, params: dict, progress: Progress) -> Outcome:
    scenario = job_record(Scenario, params["scenario_id"], "scenario")
    batch = preview_import(actor, scenario, params["filename"], read_upload(params), progress)
    preview = batch.preview
    counts = f"{len(preview['added'])} added, {len(preview['changed'])} changed, {len(preview['removed'])} removed"
    problems = f", {len(preview['errors'])} problems" if preview["errors"] else ""
    return Outcome(f"Preview of {params['filename']}: {counts}{problems}.", RESULT_TYPE, batch.id)
